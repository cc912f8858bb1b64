//! `hazcat-bench`: cross-process one-way latency (p50, p99) and throughput of hazcat_core and
//! iceoryx2, side by side in the same run, for message sizes 64 B .. 64 MiB.
//!
//! Every measurement runs in two processes: this one (the leader) and a re-execution of this
//! binary in the hidden follower role. See `benchmarks/README.md`.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Parser, Subcommand};
use hazcat_benchmarks::pingpong::{self, FollowerArgs, Mode, RunResult, RunSpec};
use hazcat_benchmarks::proto::{LatencySummary, Size};
use hazcat_benchmarks::report::{self, Row};
use hazcat_benchmarks::transport::System;
use hazcat_benchmarks::{cleanup, Result};

/// Cross-process latency and throughput: hazcat_core vs iceoryx2, same sizes, same pattern.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    role: Option<Role>,
    /// Message sizes (binary units: 64, 1K, 16K, 1M, 64M).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "64,1K,16K,256K,1M,4M,16M,64M"
    )]
    sizes: Vec<Size>,
    /// Systems to run.
    #[arg(
        long,
        value_delimiter = ',',
        value_enum,
        default_value = "hazcat,iceoryx2"
    )]
    systems: Vec<System>,
    /// Measured round trips per size up to 256 KiB (halved up to 4 MiB, fifth above).
    #[arg(long, default_value_t = 200_000)]
    iters: u64,
    /// Latency rounds per size: the systems alternate (order swapped every round); the table
    /// reports the median p50 and p99 over the rounds and, as the ratio, the median of the
    /// per-round ratios, so that a host-side placement change in the middle of a run does not
    /// decide a comparison.
    #[arg(long, default_value_t = 11)]
    rounds: u32,
    /// Warm-up round trips per size (scaled like --iters).
    #[arg(long, default_value_t = 10_000)]
    warmup: u64,
    /// Messages streamed per size in the throughput mode (not scaled by size: a zero-copy message
    /// costs the same at any size; 0 skips the mode).
    #[arg(long, default_value_t = 200_000)]
    tput_msgs: u64,
    /// Skip the latency (ping-pong) mode.
    #[arg(long)]
    no_latency: bool,
    /// hazcat sides block on a hazcat Listener instead of busy-polling (iceoryx2 keeps polling).
    #[arg(long)]
    wait: bool,
    /// hazcat sides poll with `take()` alone instead of the lock-free `has_data()` check first
    /// (shows the cost of `take()` locking the topic on every empty poll).
    #[arg(long)]
    naive_poll: bool,
    /// Output directory for latency.csv, latency.md and latency.png.
    #[arg(long, default_value = "bench-results")]
    out: PathBuf,
    /// Do not pin the two processes to CPUs 0 and 1 (pinning is skipped on one-CPU machines).
    #[arg(long)]
    no_pin: bool,
}

#[derive(Subcommand, Debug)]
enum Role {
    /// Internal: the partner process of a measurement.
    #[command(name = "__follower", hide = true)]
    Follower(FollowerArgs),
}

/// Scales a per-size count: fewer iterations for big messages.
fn scaled(base: u64, size: usize) -> u64 {
    let v = if size <= 256 << 10 {
        base
    } else if size <= 4 << 20 {
        base / 2
    } else {
        base / 5
    };
    v.max(if base == 0 { 0 } else { 1 })
}

/// Throughput window: at most this many messages in flight (also the queue depth).
fn window(size: usize) -> u64 {
    ((128usize << 20) / size).clamp(2, 16) as u64
}

/// How the two sides wait, in words.
fn pattern(cli: &Cli) -> String {
    let mut s = String::from(if cli.wait {
        "hazcat blocks on a Listener, iceoryx2 busy-polls"
    } else {
        "both busy-poll"
    });
    if cli.naive_poll {
        s.push_str("; hazcat polls with take() alone");
    }
    s
}

/// Median p50 and median p99 over rounds (each taken separately); `n` sums the round trips.
fn median(rounds: &[LatencySummary]) -> Option<LatencySummary> {
    if rounds.is_empty() {
        return None;
    }
    let mid = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Some(LatencySummary {
        n: rounds.iter().map(|r| r.n).sum(),
        p50: mid(rounds.iter().map(|r| r.p50).collect()),
        p99: mid(rounds.iter().map(|r| r.p99).collect()),
        mean: mid(rounds.iter().map(|r| r.mean).collect()),
        min: rounds.iter().map(|r| r.min).fold(f64::INFINITY, f64::min),
        max: rounds.iter().map(|r| r.max).fold(0.0, f64::max),
    })
}

fn main() {
    let cli = Cli::parse();
    let r = match &cli.role {
        Some(Role::Follower(a)) => pingpong::run_follower(a),
        None => run(&cli),
    };
    if let Err(e) = r {
        eprintln!("hazcat-bench: error: {e}");
        std::process::exit(1);
    }
}

fn run(cli: &Cli) -> Result<()> {
    // Decided once, before the first run pins this process (after which the available
    // parallelism this process sees is one CPU).
    let pin = !cli.no_pin && std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2);
    let before = cleanup::snapshot();
    let pid = std::process::id();
    // A ROS domain id and name prefix of our own, so that no other run can interfere.
    let ros_domain = 7000 + pid % 1000;
    // iceoryx2 runs in a private iceoryx2 domain (file-name prefix) for the same reason, and so that
    // its persistent global segment can be removed at the end.
    let iox_prefix = format!("hzb{pid}_");
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    let mut n = 0u32;
    println!(
        "hazcat-bench: sizes {:?}, {} processes per measurement, {}",
        cli.sizes
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        2,
        pattern(cli)
    );
    // One unrecorded latency run per system before anything is measured: the first pair of
    // processes of a run is consistently slower for every system alike (VM and CPU warm-up).
    if !cli.no_latency {
        for &system in &cli.systems {
            n += 1;
            let spec = RunSpec {
                system,
                mode: Mode::Latency,
                size: 64,
                warmup: cli.warmup,
                count: cli.warmup.max(1),
                window: window(64),
                wait: cli.wait,
                ros_domain,
                name_prefix: format!("hazcat_bench_{pid}_{n}"),
                naive_poll: cli.naive_poll,
                iox_prefix: iox_prefix.clone(),
                pin,
            };
            pingpong::run_leader(&spec)?;
        }
    }
    for &size in &cli.sizes {
        let spec_for = |system, mode| RunSpec {
            system,
            mode,
            size: size.0,
            warmup: scaled(cli.warmup, size.0),
            count: scaled(cli.iters, size.0),
            window: window(size.0),
            wait: cli.wait,
            ros_domain,
            name_prefix: String::new(),
            naive_poll: cli.naive_poll,
            iox_prefix: iox_prefix.clone(),
            pin,
        };
        // Latency: alternating rounds, median per system.
        let mut rounds: Vec<Vec<LatencySummary>> = vec![Vec::new(); cli.systems.len()];
        if !cli.no_latency && scaled(cli.iters, size.0) > 0 {
            for round in 0..cli.rounds.max(1) {
                let mut order: Vec<usize> = (0..cli.systems.len()).collect();
                if round % 2 == 1 {
                    order.reverse();
                }
                for i in order {
                    let system = cli.systems[i];
                    let mut spec = spec_for(system, Mode::Latency);
                    n += 1;
                    spec.name_prefix = format!("hazcat_bench_{pid}_{n}");
                    let t = Instant::now();
                    if let RunResult::Latency(l) = pingpong::run_leader(&spec)? {
                        eprintln!(
                            "  {:>8} {:>5} latency   : p50 {:>8.2} µs  p99 {:>8.2} µs  ({} round trips, {:.1} s, round {})",
                            system.name(), size.to_string(), l.p50, l.p99, l.n, t.elapsed().as_secs_f64(), round + 1
                        );
                        rounds[i].push(l);
                    }
                }
            }
        }
        for (i, &system) in cli.systems.iter().enumerate() {
            let mut row = Row {
                system,
                size,
                latency: median(&rounds[i]),
                rounds: rounds[i].clone(),
                throughput: None,
            };
            let tput = cli.tput_msgs;
            if tput > 0 {
                n += 1;
                let mut spec = spec_for(system, Mode::Throughput);
                spec.count = tput;
                spec.warmup = tput / 10;
                spec.name_prefix = format!("hazcat_bench_{pid}_{n}");
                let t = Instant::now();
                if let RunResult::Throughput { messages, seconds } = pingpong::run_leader(&spec)? {
                    row.throughput = Some((messages, seconds));
                    eprintln!(
                        "  {:>8} {:>5} throughput: {:>10.0} msg/s {:>9.1} GB/s  ({} messages, window {}, {:.1} s)",
                        system.name(), size.to_string(), row.msgs_per_s().unwrap_or(0.0),
                        row.gb_per_s().unwrap_or(0.0), messages, spec.window, t.elapsed().as_secs_f64()
                    );
                }
            }
            rows.push(row);
        }
    }
    let md = report::markdown(&rows);
    println!("\n{md}");
    for size in &cli.sizes {
        let get = |s| rows.iter().find(|r| r.system == s && r.size == *size);
        if let (Some(h), Some(i)) = (get(System::Hazcat), get(System::Iceoryx2)) {
            if let (Some(p50), Some(p99)) = (
                report::paired_ratio(h, i, |l| l.p50),
                report::paired_ratio(h, i, |l| l.p99),
            ) {
                println!(
                    "ratio hazcat/iceoryx2 at {:>5}: p50 {p50:.2}  p99 {p99:.2}  (median of per-round ratios)",
                    size.to_string(),
                );
            }
        }
    }
    std::fs::create_dir_all(&cli.out)?;
    std::fs::write(cli.out.join("latency.csv"), report::csv(&rows))?;
    let title = format!(
        "Cross-process one-way latency, hazcat vs iceoryx2 ({})",
        pattern(cli)
    );
    std::fs::write(
        cli.out.join("latency.md"),
        format!("# {title}\n\n{md}\nOne-way latency = ping-pong round trip / 2, median over the rounds; latency ratios = median over rounds of the ratio within a round (both systems run back to back in every round, order alternating); throughput = one-way stream with credit-based flow control; GB/s counts the logical payload (zero-copy: only a 24-byte header is written per message).\n"),
    )?;
    report::plot(&rows, &cli.out.join("latency.png"), &title)?;
    println!(
        "\nwrote {}/latency.{{csv,md,png}} in {:.1} s",
        cli.out.display(),
        started.elapsed().as_secs_f64()
    );
    for p in cleanup::remove_iceoryx_domain(&iox_prefix, &before) {
        println!("removed iceoryx2's persistent {p}");
    }
    let left = cleanup::leftovers(&before, &cleanup::snapshot());
    if left.is_empty() {
        println!("cleanup check: nothing new in /dev/shm or /tmp/iceoryx2");
    } else {
        println!("cleanup check: LEFT BEHIND in {:?}:", cleanup::WATCHED);
        for p in &left {
            println!("  {p}");
        }
    }
    Ok(())
}
