//! `hazcat-demo`: the main demonstration of hazcat_core. It starts a publisher process and
//! subscriber processes (this binary re-executed with hidden role arguments), sends messages of
//! several sizes as zero-copy loans and prints, per size, the one-way latency (p50/p99, source
//! timestamp to take) and the copy statistics of the topic read from `Topic::stats()`:
//!
//! 1. one host publisher -> one host subscriber: 0 bytes copied host->host;
//! 2. one host publisher -> two subscribers in the emulated device domain `emulated:0`, each in
//!    its own process: exactly one copy into that domain per message, shared by both.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hazcat_core::{
    Domain, Listener, Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions,
    Topic, TopicStats, TypeInfo,
};
use hazcat_demo::cleanup;
use hazcat_demo::proto::{Header, LatencySummary, Size, FLAG_HANDSHAKE, FLAG_STOP, HEADER_LEN};

mod args;
use args::Opts;

/// Any error, with a message.
type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync + 'static>>;

const USAGE: &str = "\
hazcat-demo: separate publisher and subscriber processes over hazcat_core; latency and bytes
copied per message size (none host to host, one copy per message into a second memory domain
however many subscribers it has).

Usage: hazcat-demo [OPTIONS]

Options:
  --sizes <LIST>   message sizes, binary units [default: 64,4K,1M,16M]
  --count <N>      messages per size up to 1 MiB, a tenth of it above [default: 5000]
  --poll <HOW>     how endpoints wait: spin (busy-poll), wait (block on a hazcat Listener) or
                   auto (spin while every process has a CPU core of its own) [default: auto]
  -h, --help       print this help
  -V, --version    print the version";

/// What the demo measures (the options of the command line).
#[derive(Debug)]
struct Cli {
    /// Message sizes.
    sizes: Vec<Size>,
    /// Messages per size up to 1 MiB (a tenth of it above).
    count: u64,
    /// `auto`, `spin` or `wait`.
    poll: String,
}

impl Cli {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<Cli> {
        let o = Opts::parse(args, &[], &["sizes", "count", "poll"])?;
        let poll: String = o.value("poll", Some("auto".into()))?;
        if !["auto", "spin", "wait"].contains(&poll.as_str()) {
            return Err(format!("--poll {poll}: expected auto, spin or wait").into());
        }
        Ok(Cli {
            sizes: o.list("sizes", "64,4K,1M,16M")?,
            count: o.value("count", Some(5000))?,
            poll,
        })
    }
}

/// Arguments shared by the demo's processes.
#[derive(Debug, Clone)]
struct Common {
    ros_domain: u32,
    topic: String,
    wait: bool,
}

impl Common {
    const VALUED: [&'static str; 2] = ["ros-domain", "topic"];

    fn from(o: &Opts) -> Result<Common> {
        Ok(Common {
            ros_domain: o.value("ros-domain", None)?,
            topic: o.value("topic", None)?,
            wait: o.flag("wait"),
        })
    }
}

/// The publisher process (`__publisher`).
#[derive(Debug, Clone)]
struct PubArgs {
    c: Common,
    subscribers: usize,
    sizes: Vec<usize>,
    counts: Vec<u64>,
}

impl PubArgs {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<PubArgs> {
        let valued = [&Common::VALUED[..], &["subscribers", "sizes", "counts"]].concat();
        let o = Opts::parse(args, &["wait"], &valued)?;
        Ok(PubArgs {
            c: Common::from(&o)?,
            subscribers: o.value("subscribers", None)?,
            sizes: o.list("sizes", "")?,
            counts: o.list("counts", "")?,
        })
    }
}

/// A subscriber process (`__subscriber`).
#[derive(Debug, Clone)]
struct SubArgs {
    c: Common,
    domain: Domain,
    max_size: usize,
}

impl SubArgs {
    fn parse(args: impl IntoIterator<Item = String>) -> Result<SubArgs> {
        let valued = [&Common::VALUED[..], &["domain", "max-size"]].concat();
        let o = Opts::parse(args, &["wait"], &valued)?;
        Ok(SubArgs {
            c: Common::from(&o)?,
            domain: o.value("domain", None)?,
            max_size: o.value("max-size", None)?,
        })
    }
}

const TYPE: &str = "hazcat_demo/msg/Blob";

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let r = match args.peek().map(String::as_str) {
        // The demo's own child processes (hidden roles).
        Some("__publisher") => PubArgs::parse(args.skip(1)).and_then(|a| run_publisher(&a)),
        Some("__subscriber") => SubArgs::parse(args.skip(1)).and_then(|a| run_subscriber(&a)),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("-V" | "--version") => {
            println!("hazcat-demo {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        _ => Cli::parse(args).and_then(|cli| run(&cli)),
    };
    if let Err(e) = r {
        eprintln!("hazcat-demo: error: {e}");
        std::process::exit(1);
    }
}

/// Pool size holding a few messages of `max` bytes.
fn pool_for(max: usize) -> usize {
    4 * (max + 4096) + (1 << 20)
}

/// Waits for the next message of `sub`, by busy-polling or on `listener`; `None` if the parent
/// process went away.
fn next<T>(
    listener: Option<&Listener>,
    mut take: impl FnMut() -> Result<Option<T>>,
) -> Result<Option<T>> {
    let parent = std::os::unix::process::parent_id();
    let mut spins = 0u64;
    loop {
        let epoch = listener.map(Listener::epoch);
        if let Some(v) = take()? {
            return Ok(Some(v));
        }
        spins += 1;
        match (listener, epoch) {
            (Some(l), Some(e)) => {
                l.wait(e, Some(Duration::from_millis(100)));
            }
            _ => std::hint::spin_loop(),
        }
        if spins.is_multiple_of(100_000) && std::os::unix::process::parent_id() != parent {
            return Ok(None);
        }
    }
}

fn run_subscriber(a: &SubArgs) -> Result<()> {
    let p = Participant::join(a.c.ros_domain)?;
    let ty = TypeInfo::named(TYPE);
    let data = p.topic(&format!("{}/data", a.c.topic), &ty)?;
    let ack_t = p.topic(&format!("{}/ack", a.c.topic), &ty)?;
    let sub = Subscriber::new(
        &data,
        SubscriberOptions {
            domain: a.domain,
            depth: 16,
            pool_size: pool_for(a.max_size),
            ..Default::default()
        },
    )?;
    let ack = Publisher::new(&ack_t, PublisherOptions::default())?;
    let listener = if a.c.wait {
        let l = p.listener()?;
        sub.attach(&l);
        Some(l)
    } else {
        None
    };
    let mut lat: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    loop {
        let Some((h, ns)) = next(listener.as_ref(), || {
            let Some(m) = sub.take()? else {
                return Ok(None);
            };
            let bytes = m.bytes().ok_or("sample not host-addressable")?;
            let h = Header::read(bytes).ok_or("short message")?;
            let received = hazcat_core::now_ns();
            Ok(Some((
                h,
                received.saturating_sub(m.info().source_timestamp),
            )))
        })?
        else {
            return Err("publisher went away".into());
        };
        if h.flags & FLAG_STOP != 0 {
            break;
        }
        if h.flags & FLAG_HANDSHAKE == 0 {
            lat.entry(h.ts).or_default().push(ns);
        }
        ack.publish_bytes(&h.to_bytes())?;
    }
    // One line per size: LAT <size> <n> <p50 µs> <p99 µs>.
    for (size, mut v) in lat {
        let s = LatencySummary::from_ns(&mut v);
        println!("LAT {size} {} {} {}", s.n, s.p50, s.p99);
    }
    Ok(())
}

/// Copies and bytes per domain name.
type Copies = BTreeMap<String, (u64, u64)>;

/// Copies and bytes per domain name, from the topic statistics.
fn copies(st: &TopicStats) -> Copies {
    st.domains
        .iter()
        .map(|d| (d.domain.to_string(), (d.copies, d.bytes)))
        .collect()
}

fn run_publisher(a: &PubArgs) -> Result<()> {
    let p = Participant::join(a.c.ros_domain)?;
    let ty = TypeInfo::named(TYPE);
    let data: Arc<Topic> = p.topic(&format!("{}/data", a.c.topic), &ty)?;
    let ack_t = p.topic(&format!("{}/ack", a.c.topic), &ty)?;
    let max = a.sizes.iter().copied().max().unwrap_or(64);
    let acks = Subscriber::new(
        &ack_t,
        SubscriberOptions {
            depth: 64,
            ..Default::default()
        },
    )?;
    let publ = Publisher::new(
        &data,
        PublisherOptions {
            pool_size: pool_for(max),
            ..Default::default()
        },
    )?;
    let listener = if a.c.wait {
        let l = p.listener()?;
        acks.attach(&l);
        Some(l)
    } else {
        None
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while publ.subscriber_count() < a.subscribers as u32
        || acks.publisher_count() < a.subscribers as u32
    {
        if Instant::now() > deadline {
            return Err("subscribers did not show up".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let mut seq = 0u64;
    let mut send = |size: usize, flags: u64| -> Result<()> {
        seq += 1;
        let mut loan = publ.loan(size)?;
        // Only the header is written: the payload is not touched (zero copy, no memset).
        let buf = loan.as_mut_slice().ok_or("loan not host-addressable")?;
        Header {
            seq,
            ts: size as u64,
            flags,
        }
        .write(&mut buf[..HEADER_LEN]);
        publ.publish(loan)?;
        let mut got = 0;
        while got < a.subscribers {
            let Some(h) = next(listener.as_ref(), || {
                Ok(acks.take()?.and_then(|m| m.bytes().and_then(Header::read)))
            })?
            else {
                return Err("demo parent went away".into());
            };
            if h.seq == seq {
                got += 1;
            }
        }
        Ok(())
    };
    for (&size, &count) in a.sizes.iter().zip(&a.counts) {
        // Warm-up (not recorded by the subscribers, not counted in the statistics below).
        for _ in 0..(count / 10).clamp(1, 200) {
            send(size, FLAG_HANDSHAKE)?;
        }
        let before = data.stats();
        for _ in 0..count {
            send(size, 0)?;
        }
        let after = data.stats();
        let (b, c) = (copies(&before), copies(&after));
        // One line per size: STAT <size> <published> then <domain> <copies> <bytes> per domain.
        let mut line = format!("STAT {size} {}", after.published - before.published);
        for (d, (n, bytes)) in &c {
            let (n0, b0) = b.get(d).copied().unwrap_or((0, 0));
            line.push_str(&format!(" {d} {} {}", n - n0, bytes - b0));
        }
        println!("{line}");
    }
    let mut loan = publ.loan(HEADER_LEN)?;
    let buf = loan.as_mut_slice().ok_or("loan not host-addressable")?;
    Header {
        seq: u64::MAX,
        ts: 0,
        flags: FLAG_STOP,
    }
    .write(buf);
    publ.publish(loan)?;
    Ok(())
}

fn spawn(args: Vec<String>) -> Result<Child> {
    Ok(Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?)
}

fn collect(mut c: Child, what: &str) -> Result<Vec<String>> {
    let out = c.stdout.take().ok_or("no stdout")?;
    let lines: Vec<String> = BufReader::new(out)
        .lines()
        .collect::<std::io::Result<_>>()?;
    let st = c.wait()?;
    if !st.success() {
        return Err(format!("{what} process failed: {st}").into());
    }
    Ok(lines)
}

/// Per size: (published, copies per domain) from the publisher, latencies from each subscriber.
struct RunOut {
    stats: BTreeMap<usize, (u64, Copies)>,
    lat: Vec<BTreeMap<usize, (u64, f64, f64)>>,
}

fn run_once(
    cli: &Cli,
    ros_domain: u32,
    topic: &str,
    sub_domains: &[Domain],
    counts: &[u64],
    wait: bool,
) -> Result<RunOut> {
    let max = cli.sizes.iter().map(|s| s.0).max().unwrap_or(64);
    let common = |v: &mut Vec<String>| {
        v.extend([
            "--ros-domain".into(),
            ros_domain.to_string(),
            "--topic".into(),
            topic.into(),
        ]);
        if wait {
            v.push("--wait".into());
        }
    };
    let mut subs = Vec::new();
    for d in sub_domains {
        let mut v: Vec<String> = vec!["__subscriber".into()];
        common(&mut v);
        v.extend([
            "--domain".into(),
            d.to_string(),
            "--max-size".into(),
            max.to_string(),
        ]);
        subs.push(spawn(v)?);
    }
    let mut v: Vec<String> = vec!["__publisher".into()];
    common(&mut v);
    let sizes: Vec<String> = cli.sizes.iter().map(|s| s.0.to_string()).collect();
    let counts_s: Vec<String> = counts.iter().map(u64::to_string).collect();
    v.extend([
        "--subscribers".into(),
        sub_domains.len().to_string(),
        "--sizes".into(),
        sizes.join(","),
        "--counts".into(),
        counts_s.join(","),
    ]);
    let publ = spawn(v)?;
    let mut out = RunOut {
        stats: BTreeMap::new(),
        lat: Vec::new(),
    };
    for line in collect(publ, "publisher")? {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.first() == Some(&"STAT") && f.len() >= 3 {
            let mut doms = BTreeMap::new();
            for c in f[3..].chunks(3) {
                if let [d, n, b] = c {
                    doms.insert((*d).to_owned(), (n.parse()?, b.parse()?));
                }
            }
            out.stats.insert(f[1].parse()?, (f[2].parse()?, doms));
        }
    }
    for s in subs {
        let mut m = BTreeMap::new();
        for line in collect(s, "subscriber")? {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.first() == Some(&"LAT") && f.len() == 5 {
                m.insert(f[1].parse()?, (f[2].parse()?, f[3].parse()?, f[4].parse()?));
            }
        }
        out.lat.push(m);
    }
    Ok(out)
}

fn run(cli: &Cli) -> Result<()> {
    let started = Instant::now();
    let shm_dir = hazcat_core::os::shm_file::shm_dir();
    let before = cleanup::snapshot(&[&shm_dir]);
    let pid = std::process::id();
    let ros_domain = 8000 + pid % 1000;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let counts: Vec<u64> = cli
        .sizes
        .iter()
        .map(|s| {
            if s.0 <= 1 << 20 {
                cli.count
            } else {
                (cli.count / 10).max(1)
            }
        })
        .collect();
    let wait_for = |processes: usize| match cli.poll.as_str() {
        "spin" => false,
        "wait" => true,
        _ => processes > cores,
    };
    let how = |w: bool| {
        if w {
            "blocking on hazcat Listeners"
        } else {
            "busy-polling"
        }
    };
    let mut ok = true;

    // Run `n`: prints its title, then runs a publisher and `subs` subscriber processes.
    let titled_run = |n: u32, subs: &[Domain], what: &str, tail: &str| {
        let w = wait_for(subs.len() + 1);
        println!(
            "Run {n}: 1 publisher process (host) -> {what}, {}{tail}",
            how(w)
        );
        let topic = format!("/hazcat_demo_{pid}_{n}");
        run_once(cli, ros_domain, &topic, subs, &counts, w)
    };

    // Run 1: host -> host.
    let r1 = titled_run(
        1,
        &[Domain::HOST],
        "1 subscriber process (host)",
        &format!("; ROS domain {ros_domain}"),
    )?;
    println!(
        "\n| size | messages | p50 µs | p99 µs | copies host->host | bytes copied host->host |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for size in &cli.sizes {
        let (published, doms) = r1.stats.get(&size.0).cloned().unwrap_or_default();
        let (hc, hb) = doms.get("host").copied().unwrap_or((0, 0));
        let (n, p50, p99) = r1.lat[0].get(&size.0).copied().unwrap_or_default();
        println!("| {size} | {published} | {p50:.2} | {p99:.2} | {hc} | {hb} |");
        ok &= hb == 0 && hc == 0 && n == published;
    }

    // Run 2: host -> 2 x emulated:0, each in its own process.
    let emu = Domain::emulated(0);
    println!();
    let r2 = titled_run(
        2,
        &[emu, emu],
        &format!("2 subscriber processes ({emu})"),
        "",
    )?;
    println!(
        "\n| size | messages | sub A p50 / p99 µs | sub B p50 / p99 µs | copies into {emu} | copies per message | bytes copied into {emu} | bytes copied per message | bytes copied host->host |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for size in &cli.sizes {
        let (published, doms) = r2.stats.get(&size.0).cloned().unwrap_or_default();
        let (ec, eb) = doms.get(&emu.to_string()).copied().unwrap_or((0, 0));
        let (_, hb) = doms.get("host").copied().unwrap_or((0, 0));
        let l = |i: usize| r2.lat[i].get(&size.0).copied().unwrap_or_default();
        let (a, b) = (l(0), l(1));
        let per = |v: u64| {
            if published > 0 {
                v as f64 / published as f64
            } else {
                0.0
            }
        };
        println!(
            "| {size} | {published} | {:.2} / {:.2} | {:.2} / {:.2} | {ec} | {:.3} | {eb} | {:.0} | {hb} |",
            a.1, a.2, b.1, b.2, per(ec), per(eb)
        );
        ok &= ec == published && eb == published * size.0 as u64 && hb == 0;
        ok &= a.0 == published && b.0 == published;
    }
    println!(
        "\nlatency = take time - publish time (both hazcat SampleInfo timestamps, one clock); \
         copy figures from Topic::stats() (shared by all processes), per size."
    );
    let left = cleanup::leftovers(&before, &cleanup::snapshot(&[&shm_dir]));
    if left.is_empty() {
        println!("cleanup check: nothing new in {shm_dir}");
    } else {
        ok = false;
        println!("cleanup check: LEFT BEHIND: {left:?}");
    }
    println!(
        "{} in {:.1} s",
        if ok {
            "OK: 0 bytes copied host->host; exactly 1 copy per message into emulated:0 for 2 subscribers"
        } else {
            "FAILED: see the tables above"
        },
        started.elapsed().as_secs_f64()
    );
    if !ok {
        std::process::exit(2);
    }
    Ok(())
}
