//! `hazcat-cuda-bench`: the CUDA device path of hazcat_core (needs a CUDA device; without one it
//! says so and exits with status 2).
//!
//! 1. Device -> device cross-process one-way latency (ping-pong round trip / 2, p50 and p99) for
//!    message sizes 64 B .. 64 MiB: both endpoints in `cuda:0`, the partner a re-execution of
//!    this binary. Expected flat in size: no bytes move, and the topic must report 0 copies.
//! 2. Host-subscriber copy throughput: a `cuda:0` publisher and a host subscriber; the time of
//!    each take (which makes the one device -> host copy) gives GB/s, compared with the raw
//!    pinned `cuMemcpyDtoHAsync` bandwidth measured in the same run (target >= 80 %).
//! 3. Copies per message with 1, 2 and 4 subscribers in each of the host and `cuda:0` domains
//!    (expected: 1 copy into host per message, 0 into `cuda:0`, whatever the count).
//!
//! Writes a markdown table to stdout, `cuda_latency.csv`, `cuda_copy_throughput.csv`,
//! `cuda_copies.csv` and `cuda_latency.png` into `--out` (default `benchmarks/results/cuda`).

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hazcat_core::{
    Domain, Listener, Participant, Publisher, PublisherOptions, Received, Subscriber,
    SubscriberOptions, Topic, TypeInfo,
};
use plotters::prelude::*;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const DEV: Domain = Domain::cuda(0);
const WAIT: Option<Duration> = Some(Duration::from_secs(30));
const SIZES: &[usize] = &[
    64,
    1 << 10,
    16 << 10,
    256 << 10,
    1 << 20,
    4 << 20,
    16 << 20,
    64 << 20,
];

fn topic(p: &Participant, name: &str) -> Result<Arc<Topic>> {
    Ok(p.topic(name, &TypeInfo::named("hazcat_bench/msg/Blob"))?)
}

fn publisher(t: &Arc<Topic>, domain: Domain) -> Result<Publisher> {
    Ok(Publisher::new(
        t,
        PublisherOptions {
            domain,
            pool_size: 160 << 20,
            ..Default::default()
        },
    )?)
}

fn subscriber(t: &Arc<Topic>, domain: Domain, depth: u32) -> Result<Subscriber> {
    Ok(Subscriber::new(
        t,
        SubscriberOptions {
            domain,
            depth,
            pool_size: 160 << 20,
            ..Default::default()
        },
    )?)
}

fn take(s: &Subscriber, l: &Listener) -> Result<Received> {
    loop {
        let epoch = l.epoch();
        if let Some(m) = s.take()? {
            return Ok(m);
        }
        if !l.wait(epoch, WAIT) {
            return Err("no message within 30 s".into());
        }
    }
}

/// Partner process: echoes every ping (device) with a pong of the same size (device) until a
/// zero-length ping arrives.
fn echo(domain: u32) -> Result<()> {
    let p = Participant::join(domain)?;
    let l = p.listener()?;
    let ping = subscriber(&topic(&p, "/cuda_bench/ping")?, DEV, 4)?;
    ping.attach(&l);
    let pong = publisher(&topic(&p, "/cuda_bench/pong")?, DEV)?;
    println!("ready");
    std::io::stdout().flush()?;
    loop {
        let m = take(&ping, &l)?;
        let len = m.len();
        drop(m);
        pong.publish(pong.loan(len)?)?;
        if len == 0 {
            return Ok(());
        }
    }
}

struct Latency {
    size: usize,
    p50_us: f64,
    p99_us: f64,
}

fn latency(domain: u32, iters: usize) -> Result<(Vec<Latency>, u64)> {
    let p = Participant::join(domain)?;
    let l = p.listener()?;
    let ping_t = topic(&p, "/cuda_bench/ping")?;
    let ping = publisher(&ping_t, DEV)?;
    let pong = subscriber(&topic(&p, "/cuda_bench/pong")?, DEV, 4)?;
    pong.attach(&l);
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--echo", &domain.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().ok_or("child stdout")?).read_line(&mut line)?;
    if line.trim() != "ready" {
        return Err(format!("partner failed to start: {line:?}").into());
    }
    let mut out = Vec::new();
    for &size in SIZES {
        let n = if size > (4 << 20) { iters / 5 } else { iters }.max(20);
        let mut samples = Vec::with_capacity(n);
        for i in 0..n + n / 10 {
            let loan = ping.loan(size)?;
            let t = Instant::now();
            ping.publish(loan)?;
            drop(take(&pong, &l)?);
            if i >= n / 10 {
                samples.push(t.elapsed().as_secs_f64() * 1e6 / 2.0);
            }
        }
        samples.sort_by(f64::total_cmp);
        let q = |f: f64| samples[((samples.len() - 1) as f64 * f) as usize];
        out.push(Latency {
            size,
            p50_us: q(0.5),
            p99_us: q(0.99),
        });
    }
    ping.publish(ping.loan(0)?)?;
    drop(take(&pong, &l)?);
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("partner exited with {status}").into());
    }
    let copies = ping_t.stats().total_copies();
    Ok((out, copies))
}

struct Throughput {
    size: usize,
    hazcat_gbs: f64,
    raw_gbs: f64,
}

fn copy_throughput(domain: u32, iters: u32) -> Result<Vec<Throughput>> {
    let p = Participant::join(domain)?;
    let l = p.listener()?;
    let t = topic(&p, "/cuda_bench/d2h")?;
    let sub = subscriber(&t, Domain::HOST, 2)?;
    sub.attach(&l);
    let publ = publisher(&t, DEV)?;
    let mut out = Vec::new();
    for size in [1 << 20, 16 << 20, 64 << 20] {
        let raw = hazcat_core::cuda::raw_dtoh_bandwidth(0, size, iters)?;
        let mut busy = Duration::ZERO;
        for i in 0..=iters {
            publ.publish(publ.loan(size)?)?;
            let start = Instant::now();
            let m = take(&sub, &l)?;
            let spent = start.elapsed();
            if !m.info().copied {
                return Err("host take did not copy".into());
            }
            if i > 0 {
                busy += spent; // the first take page-locks the host pool
            }
        }
        out.push(Throughput {
            size,
            hazcat_gbs: size as f64 * f64::from(iters) / busy.as_secs_f64() / 1e9,
            raw_gbs: raw / 1e9,
        });
    }
    Ok(out)
}

struct Copies {
    subs: usize,
    host_per_msg: f64,
    device_per_msg: f64,
}

fn copies(domain: u32) -> Result<Vec<Copies>> {
    let p = Participant::join(domain)?;
    let l = p.listener()?;
    let mut out = Vec::new();
    const MSGS: u64 = 20;
    for k in [1usize, 2, 4] {
        let t = topic(&p, &format!("/cuda_bench/fan{k}"))?;
        let mut subs = Vec::new();
        for _ in 0..k {
            subs.push(subscriber(&t, Domain::HOST, 32)?);
            subs.push(subscriber(&t, DEV, 32)?);
        }
        for s in &subs {
            s.attach(&l);
        }
        let publ = publisher(&t, DEV)?;
        for _ in 0..MSGS {
            publ.publish(publ.loan(1 << 20)?)?;
        }
        for s in &subs {
            for _ in 0..MSGS {
                drop(take(s, &l)?);
            }
        }
        let st = t.stats();
        let per = |d: Domain| {
            st.domains
                .iter()
                .find(|c| c.domain == d)
                .map_or(0.0, |c| c.copies as f64 / MSGS as f64)
        };
        out.push(Copies {
            subs: k,
            host_per_msg: per(Domain::HOST),
            device_per_msg: per(DEV),
        });
    }
    Ok(out)
}

fn human(size: usize) -> String {
    match size {
        s if s >= 1 << 20 => format!("{} MiB", s >> 20),
        s if s >= 1 << 10 => format!("{} KiB", s >> 10),
        s => format!("{s} B"),
    }
}

fn plot(rows: &[Latency], path: &std::path::Path) -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "embedded DejaVu font rejected")?;
    let root = BitMapBackend::new(path, (900, 540)).into_drawing_area();
    root.fill(&WHITE)?;
    let ymax = rows.iter().map(|r| r.p99_us).fold(1.0, f64::max) * 1.3;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "hazcat cuda:0 -> cuda:0, cross-process one-way latency",
            ("sans-serif", 22),
        )
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((32f64..128e6f64).log_scale(), 0f64..ymax)?;
    chart
        .configure_mesh()
        .x_desc("message size (bytes, log scale)")
        .y_desc("latency (µs)")
        .draw()?;
    for (label, color, f) in [
        ("p50", RGBColor(0xd6, 0x27, 0x28), 0usize),
        ("p99", RGBColor(0x1f, 0x77, 0xb4), 1),
    ] {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .map(|r| (r.size as f64, if f == 0 { r.p50_us } else { r.p99_us }))
            .collect();
        chart
            .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart.draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

fn run(out: PathBuf, iters: usize) -> Result<()> {
    let domain = 200 + std::process::id() % 30_000;
    let (lat, d2d_copies) = latency(domain, iters)?;
    let thr = copy_throughput(domain + 1, 30)?;
    let cps = copies(domain + 2)?;
    std::fs::create_dir_all(&out)?;

    println!("## Device -> device, cross-process one-way latency (cuda:0 -> cuda:0)\n");
    println!("| size | p50 (µs) | p99 (µs) |\n|---:|---:|---:|");
    let mut csv = String::from("size_bytes,p50_us,p99_us\n");
    for r in &lat {
        println!("| {} | {:.2} | {:.2} |", human(r.size), r.p50_us, r.p99_us);
        csv += &format!("{},{:.3},{:.3}\n", r.size, r.p50_us, r.p99_us);
    }
    std::fs::write(out.join("cuda_latency.csv"), csv)?;
    let (lo, hi) = (
        lat.iter().map(|r| r.p50_us).fold(f64::MAX, f64::min),
        lat.iter().map(|r| r.p50_us).fold(0.0, f64::max),
    );
    println!(
        "\np50 spread over sizes: {:.2}x (flat = 1.0); copies made on the topic: {d2d_copies} \
         (expected 0)\n",
        hi / lo
    );

    println!("## Host-subscriber copy throughput (cuda:0 publisher, host subscriber)\n");
    println!(
        "| size | hazcat take (GB/s) | raw pinned DtoH (GB/s) | ratio |\n|---:|---:|---:|---:|"
    );
    let mut csv = String::from("size_bytes,hazcat_gb_s,raw_pinned_gb_s,ratio\n");
    for r in &thr {
        let ratio = r.hazcat_gbs / r.raw_gbs;
        println!(
            "| {} | {:.2} | {:.2} | {:.0} %{} |",
            human(r.size),
            r.hazcat_gbs,
            r.raw_gbs,
            ratio * 100.0,
            if ratio >= 0.8 { "" } else { " (below 80 %)" }
        );
        csv += &format!(
            "{},{:.3},{:.3},{:.3}\n",
            r.size, r.hazcat_gbs, r.raw_gbs, ratio
        );
    }
    std::fs::write(out.join("cuda_copy_throughput.csv"), csv)?;

    println!("\n## Copies per message (1 MiB, cuda:0 publisher)\n");
    println!("| subscribers per domain | into host | into cuda:0 |\n|---:|---:|---:|");
    let mut csv = String::from("subscribers_per_domain,host_copies_per_msg,cuda_copies_per_msg\n");
    for r in &cps {
        println!(
            "| {} | {:.2} | {:.2} |",
            r.subs, r.host_per_msg, r.device_per_msg
        );
        csv += &format!("{},{:.3},{:.3}\n", r.subs, r.host_per_msg, r.device_per_msg);
    }
    std::fs::write(out.join("cuda_copies.csv"), csv)?;
    plot(&lat, &out.join("cuda_latency.png"))?;
    println!("\nwritten: {}", out.display());
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--echo") {
        let domain = args.get(2).and_then(|d| d.parse().ok()).unwrap_or(0);
        if let Err(e) = echo(domain) {
            eprintln!("hazcat-cuda-bench partner: {e}");
            std::process::exit(1);
        }
        return;
    }
    let mut out = PathBuf::from("benchmarks/results/cuda");
    let mut iters = 2000usize;
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().map(PathBuf::from).unwrap_or(out),
            "--iters" => iters = it.next().and_then(|v| v.parse().ok()).unwrap_or(iters),
            "-h" | "--help" => {
                println!("usage: hazcat-cuda-bench [--out DIR] [--iters N]");
                return;
            }
            other => {
                eprintln!("unknown argument {other}");
                std::process::exit(64);
            }
        }
    }
    if let Err(e) = hazcat_core::cuda::check_device(0) {
        eprintln!("hazcat-cuda-bench needs a CUDA device: {e}");
        std::process::exit(2);
    }
    if let Err(e) = run(out, iters) {
        eprintln!("hazcat-cuda-bench: {e}");
        std::process::exit(1);
    }
}
