//! `hazcat demo` (talker / listener) and `hazcat bench` (cross-process ping-pong), straight over
//! hazcat_core: they show the transport working without ROS installed.

use std::io::BufRead;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use hazcat_core::config::parse_size;
use hazcat_core::{
    Domain, Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions, TypeInfo,
};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

use crate::out::outln;
use crate::{print_json, CmdResult};

/// Type name carried by demo and benchmark topics.
const DEMO_TYPE: &str = "hazcat_demo/msg/Bytes";
/// How long a waiting side tolerates silence before it reports its peer as gone.
const PEER_TIMEOUT: Duration = Duration::from_secs(10);

/// Options shared by the demo roles.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    /// ROS domain id.
    #[arg(long, short = 'd', default_value_t = 0)]
    domain: u32,
    /// Topic name.
    #[arg(long, short = 't', default_value = "/hazcat_demo/chatter")]
    topic: String,
    /// Memory domain of the endpoint: host, cuda:N, emulated:N.
    #[arg(long, default_value = "host")]
    memory: Domain,
    /// Messages to publish / receive (0 with --hold: none, just hold the endpoint).
    #[arg(long, short = 'n', default_value_t = 100)]
    count: u64,
    /// Message size, e.g. 64, 4KiB, 8MiB (talker).
    #[arg(long, default_value = "64")]
    size: String,
    /// Publishing rate in Hz (talker; 0: as fast as possible).
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// After the messages, print `ready` and keep the endpoint until stdin closes (scripts, tests).
    #[arg(long)]
    hold: bool,
}

/// Demo roles.
#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Publishes `--count` messages of `--size` bytes at `--rate` Hz.
    Talker(DemoArgs),
    /// Receives `--count` messages and prints what arrived where.
    Listener(DemoArgs),
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}

fn hold() {
    outln!("ready");
    let mut sink = String::new();
    while std::io::stdin()
        .lock()
        .read_line(&mut sink)
        .is_ok_and(|n| n > 0)
    {
        sink.clear();
    }
}

/// `hazcat demo ...`.
pub fn demo(cmd: DemoCommand, json: bool) -> CmdResult {
    match cmd {
        DemoCommand::Talker(a) => talker(a, json),
        DemoCommand::Listener(a) => listener(a, json),
    }
}

fn talker(a: DemoArgs, json: bool) -> CmdResult {
    let size = parse_size(&a.size)?;
    let p = Participant::join(a.domain)?;
    let topic = p.topic(&a.topic, &TypeInfo::named(DEMO_TYPE))?;
    let publ = Publisher::new(
        &topic,
        PublisherOptions {
            domain: a.memory,
            pool_size: (size * 16).max(4 << 20),
            ..Default::default()
        },
    )?;
    let pb = progress(a.count, "publishing");
    let period = (a.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / a.rate));
    let start = Instant::now();
    for i in 0..a.count {
        if let Some(p) = period {
            // Pacing of a demo, not synchronisation: the listener never relies on it.
            let due = start + p.mul_f64(i as f64);
            if let Some(d) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(d);
            }
        }
        let mut loan = publ.loan(size)?;
        let mut bytes = vec![0u8; size];
        let stamp = i.to_le_bytes();
        let n = stamp.len().min(size);
        bytes[..n].copy_from_slice(&stamp[..n]);
        loan.write(&bytes)?;
        publ.publish(loan)?;
        pb.inc(1);
    }
    pb.finish_and_clear();
    let stats = topic.stats();
    if json {
        print_json(&json!({
            "topic": a.topic, "published": a.count, "size": size,
            "subscribers": stats.subscribers, "memory_domain": a.memory.to_string(),
        }));
    } else {
        outln!(
            "published {} message(s) of {size} bytes on {} from {} ({} subscriber(s))",
            a.count,
            a.topic,
            a.memory,
            stats.subscribers
        );
    }
    if a.hold {
        hold();
    }
    Ok(ExitCode::SUCCESS)
}

fn listener(a: DemoArgs, json: bool) -> CmdResult {
    let p = Participant::join(a.domain)?;
    let topic = p.topic(&a.topic, &TypeInfo::named(DEMO_TYPE))?;
    let sub = Subscriber::new(
        &topic,
        SubscriberOptions {
            domain: a.memory,
            depth: 100,
            ..Default::default()
        },
    )?;
    let l = p.listener()?;
    sub.attach(&l);
    if a.hold && a.count == 0 {
        hold();
        return Ok(ExitCode::SUCCESS);
    }
    let pb = progress(a.count, "receiving");
    let (mut received, mut copied, mut bytes) = (0u64, 0u64, 0u64);
    while received < a.count {
        let epoch = l.epoch();
        match sub.take()? {
            Some(m) => {
                received += 1;
                bytes += m.len() as u64;
                copied += u64::from(m.info().copied);
                pb.inc(1);
            }
            None => {
                if !l.wait(epoch, Some(PEER_TIMEOUT)) {
                    pb.abandon();
                    return Err(format!(
                        "no message on {} for {PEER_TIMEOUT:?} ({received} received)",
                        a.topic
                    )
                    .into());
                }
            }
        }
    }
    pb.finish_and_clear();
    if json {
        print_json(&json!({
            "topic": a.topic, "received": received, "bytes": bytes, "copied": copied,
            "memory_domain": a.memory.to_string(), "lost": sub.lost(),
        }));
    } else {
        outln!(
            "received {received} message(s), {bytes} bytes, in {}: {copied} copied into it, {} lost",
            a.memory,
            sub.lost()
        );
    }
    if a.hold {
        hold();
    }
    Ok(ExitCode::SUCCESS)
}

/// Options of the ping-pong benchmark.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// ROS domain id.
    #[arg(long, short = 'd', default_value_t = 0)]
    domain: u32,
    /// Message size, e.g. 64, 4KiB, 8MiB.
    #[arg(long, default_value = "64")]
    size: String,
    /// Measured round trips.
    #[arg(long, short = 'n', default_value_t = 10_000)]
    iterations: u64,
    /// Unmeasured round trips first.
    #[arg(long, default_value_t = 100)]
    warmup: u64,
    /// Memory domain of both sides: host, cuda:N, emulated:N.
    #[arg(long, default_value = "host")]
    memory: Domain,
    /// Topic suffix shared by both processes (set by `bench` for its child).
    #[arg(long, hide = true)]
    tag: Option<u32>,
}

fn bench_topics(
    p: &Participant,
    tag: u32,
) -> Result<
    (
        std::sync::Arc<hazcat_core::Topic>,
        std::sync::Arc<hazcat_core::Topic>,
    ),
    hazcat_core::TopicOpenError,
> {
    let ti = TypeInfo::named(DEMO_TYPE);
    Ok((
        p.topic(&format!("/hazcat_bench/ping_{tag}"), &ti)?,
        p.topic(&format!("/hazcat_bench/pong_{tag}"), &ti)?,
    ))
}

/// Waits for the next message on `sub`, failing after [`PEER_TIMEOUT`] of silence.
fn next(
    sub: &Subscriber,
    l: &hazcat_core::Listener,
) -> Result<hazcat_core::Received, Box<dyn std::error::Error>> {
    loop {
        let epoch = l.epoch();
        if let Some(m) = sub.take()? {
            return Ok(m);
        }
        if !l.wait(epoch, Some(PEER_TIMEOUT)) {
            return Err(format!("peer silent for {PEER_TIMEOUT:?}").into());
        }
    }
}

fn echo(publ: &Publisher, m: &hazcat_core::Received) -> Result<(), Box<dyn std::error::Error>> {
    let mut loan = publ.loan(m.len())?;
    if let (Some(dst), Some(src)) = (loan.as_mut_slice(), m.bytes()) {
        dst.copy_from_slice(src);
    }
    publ.publish(loan)?;
    Ok(())
}

/// `hazcat bench`: spawns `hazcat bench-pong`, measures round trips.
pub fn bench(a: BenchArgs, json: bool) -> CmdResult {
    let size = parse_size(&a.size)?;
    let tag = std::process::id();
    let p = Participant::join(a.domain)?;
    let (ping_t, pong_t) = bench_topics(&p, tag)?;
    let pool_size = (size * 8).max(4 << 20);
    let sub = Subscriber::new(
        &pong_t,
        SubscriberOptions {
            domain: a.memory,
            pool_size,
            ..Default::default()
        },
    )?;
    let publ = Publisher::new(
        &ping_t,
        PublisherOptions {
            domain: a.memory,
            pool_size,
            ..Default::default()
        },
    )?;
    let l = p.listener()?;
    sub.attach(&l);
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "bench-pong",
            "--domain",
            &a.domain.to_string(),
            "--size",
            &a.size,
            "--iterations",
            &a.iterations.to_string(),
            "--warmup",
            &a.warmup.to_string(),
            "--memory",
            &a.memory.to_string(),
            "--tag",
            &tag.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut ready = String::new();
    if let Some(out) = child.stdout.take() {
        std::io::BufReader::new(out).read_line(&mut ready)?;
    }
    if ready.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return Err("bench-pong did not start".into());
    }
    let payload = vec![0xa5u8; size];
    let mut rtts = Vec::with_capacity(a.iterations as usize);
    let pb = progress(a.warmup + a.iterations, "ping-pong");
    for i in 0..a.warmup + a.iterations {
        let t0 = Instant::now();
        let mut loan = publ.loan(size)?;
        loan.write(&payload)?;
        publ.publish(loan)?;
        let _m = next(&sub, &l)?;
        if i >= a.warmup {
            rtts.push(t0.elapsed());
        }
        if i % 64 == 0 {
            pb.set_position(i);
        }
    }
    pb.finish_and_clear();
    let _ = child.wait();
    rtts.sort_unstable();
    let pct = |q: f64| {
        rtts.get(((rtts.len() as f64 - 1.0) * q).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1e6)
    };
    let (p50, p99, max) = (pct(0.5), pct(0.99), pct(1.0));
    if json {
        print_json(&json!({
            "size": size, "iterations": a.iterations, "memory_domain": a.memory.to_string(),
            "rtt_us": { "p50": p50, "p99": p99, "max": max },
        }));
    } else {
        outln!(
            "{size} B in {}, {} round trips: p50 {p50:.1} us, p99 {p99:.1} us, max {max:.1} us",
            a.memory,
            a.iterations
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The echo process of `bench`.
pub fn bench_pong(a: BenchArgs) -> CmdResult {
    let size = parse_size(&a.size)?;
    let tag = a.tag.ok_or("bench-pong needs --tag")?;
    let p = Participant::join(a.domain)?;
    let (ping_t, pong_t) = bench_topics(&p, tag)?;
    let pool_size = (size * 8).max(4 << 20);
    let sub = Subscriber::new(
        &ping_t,
        SubscriberOptions {
            domain: a.memory,
            pool_size,
            ..Default::default()
        },
    )?;
    let publ = Publisher::new(
        &pong_t,
        PublisherOptions {
            domain: a.memory,
            pool_size,
            ..Default::default()
        },
    )?;
    let l = p.listener()?;
    sub.attach(&l);
    outln!("ready");
    for _ in 0..a.warmup + a.iterations {
        let m = next(&sub, &l)?;
        echo(&publ, &m)?;
    }
    Ok(ExitCode::SUCCESS)
}
