//! The measurement pattern, identical for both systems: a leader process (the one the user ran)
//! and a follower process (the same binary re-executed with a hidden role argument).
//!
//! - Latency: the leader sends `ping` (a loan of N bytes, header only written), the follower
//!   busy-polls, takes it and answers with a `pong` of N bytes carrying the same header; the
//!   leader busy-polls for the pong. One-way latency = round trip / 2.
//! - Throughput: the leader streams N-byte messages one way; the follower acknowledges every
//!   `window/2`-th message with a small message and the leader keeps at most `window` messages
//!   unacknowledged, so no queue ever overflows and every message is delivered (credit-based flow
//!   control, the same for both systems).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::proto::{Header, LatencySummary, FLAG_HANDSHAKE, FLAG_LAST, FLAG_STOP};
use crate::transport::{Endpoint, EndpointSpec, HazcatEndpoint, IceoryxEndpoint, System};
use crate::Result;

/// How long a peer may stay silent before the run is declared failed.
const PEER_TIMEOUT: Duration = Duration::from_secs(20);

/// Which pattern a run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Ping-pong round trips.
    Latency,
    /// One-way stream with credit-based flow control.
    Throughput,
}

/// Arguments of the hidden follower role (passed by the leader on re-execution).
#[derive(Clone, Debug, clap::Args)]
pub struct FollowerArgs {
    /// System under test.
    #[arg(long, value_enum)]
    pub system: System,
    /// Pattern.
    #[arg(long, value_enum)]
    pub mode: Mode,
    /// hazcat ROS domain id.
    #[arg(long)]
    pub ros_domain: u32,
    /// Name the leader sends on.
    #[arg(long)]
    pub ping: String,
    /// Name the follower answers on.
    #[arg(long)]
    pub pong: String,
    /// Size of the leader's messages.
    #[arg(long)]
    pub size: usize,
    /// Size of the follower's messages.
    #[arg(long)]
    pub reply_size: usize,
    /// Queue depth.
    #[arg(long)]
    pub depth: usize,
    /// Throughput mode: acknowledge every this many messages.
    #[arg(long, default_value_t = 1)]
    pub ack_every: u64,
    /// Block on a listener instead of busy-polling (hazcat only).
    #[arg(long)]
    pub wait: bool,
    /// hazcat: poll with take() alone (no lock-free has_data() check first).
    #[arg(long)]
    pub naive_poll: bool,
    /// iceoryx2 file-name prefix of the run.
    #[arg(long, default_value = "iox2_")]
    pub iox_prefix: String,
    /// CPU to pin this follower to.
    #[arg(long)]
    pub cpu: Option<usize>,
}

/// Runs the follower role until the leader sends STOP or exits.
pub fn run_follower(a: &FollowerArgs) -> Result<()> {
    if let Some(cpu) = a.cpu {
        pin_to_cpu(cpu)?;
    }
    let spec = EndpointSpec {
        ros_domain: a.ros_domain,
        out_name: a.pong.clone(),
        in_name: a.ping.clone(),
        out_size: a.reply_size,
        in_size: a.size,
        depth: a.depth,
        wait: a.wait,
        naive_poll: a.naive_poll,
        iox_prefix: a.iox_prefix.clone(),
    };
    match a.system {
        System::Hazcat => follow(&mut HazcatEndpoint::new(&spec)?, a),
        System::Iceoryx2 => follow(&mut IceoryxEndpoint::new(&spec)?, a),
    }
}

fn follow<E: Endpoint>(e: &mut E, a: &FollowerArgs) -> Result<()> {
    let parent = std::os::unix::process::parent_id();
    let ack_every = a.ack_every.max(1);
    loop {
        let Some(h) = e.recv_timeout(Duration::from_millis(200))? else {
            if std::os::unix::process::parent_id() != parent {
                return Err("leader process went away".into());
            }
            continue;
        };
        if h.flags & FLAG_STOP != 0 {
            return Ok(());
        }
        let answer = match a.mode {
            Mode::Latency => true,
            Mode::Throughput => {
                h.flags & (FLAG_HANDSHAKE | FLAG_LAST) != 0 || h.seq.is_multiple_of(ack_every)
            }
        };
        if answer {
            e.send(h)?;
        }
    }
}

/// What one leader run is asked to do.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// System under test.
    pub system: System,
    /// Pattern.
    pub mode: Mode,
    /// Message size (bytes).
    pub size: usize,
    /// Warm-up round trips (latency) or messages (throughput), not recorded.
    pub warmup: u64,
    /// Measured round trips (latency) or messages (throughput).
    pub count: u64,
    /// Throughput: most unacknowledged messages in flight (also the queue depth).
    pub window: u64,
    /// hazcat waits on a Listener instead of busy-polling.
    pub wait: bool,
    /// hazcat ROS domain id of this run.
    pub ros_domain: u32,
    /// Unique prefix of the topic / service names of this run.
    pub name_prefix: String,
    /// hazcat polls with take() alone (no has_data() check first).
    pub naive_poll: bool,
    /// iceoryx2 file-name prefix (private iceoryx2 domain) of this run.
    pub iox_prefix: String,
    /// Pin the leader to CPU 0 and the follower to CPU 1 (same placement for every system, so
    /// runs compare like with like instead of whatever placement the scheduler picked).
    pub pin: bool,
}

/// Pins the calling process to `cpu`.
pub fn pin_to_cpu(cpu: usize) -> Result<()> {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes inside it; sched_setaffinity
    // reads `size_of::<cpu_set_t>()` bytes of it.
    let rc = unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set)
    };
    if rc != 0 {
        return Err(format!(
            "cannot pin to CPU {cpu}: {}",
            std::io::Error::last_os_error()
        )
        .into());
    }
    Ok(())
}

/// Result of one leader run.
#[derive(Clone, Copy, Debug)]
pub enum RunResult {
    /// One-way latency (round trip / 2), µs.
    Latency(LatencySummary),
    /// Delivered messages and the time they took.
    Throughput {
        /// Messages delivered.
        messages: u64,
        /// Seconds from the first send to the acknowledgement of the last message.
        seconds: f64,
    },
}

/// Re-executes the current binary with `args` (stdout discarded, stderr inherited).
pub fn spawn_self(args: &[String]) -> Result<Child> {
    let exe = std::env::current_exe()?;
    Ok(Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()?)
}

/// Runs the leader role of `spec`: creates its endpoint, spawns the follower, measures.
pub fn run_leader(spec: &RunSpec) -> Result<RunResult> {
    let (depth, reply_size, ack_every) = match spec.mode {
        Mode::Latency => (4usize, spec.size, 1u64),
        Mode::Throughput => (spec.window as usize, 64, (spec.window / 2).max(1)),
    };
    let sep = if spec.system == System::Hazcat {
        "/"
    } else {
        ""
    };
    let ping = format!("{sep}{}/ping", spec.name_prefix);
    let pong = format!("{sep}{}/pong", spec.name_prefix);
    let es = EndpointSpec {
        ros_domain: spec.ros_domain,
        out_name: ping.clone(),
        in_name: pong.clone(),
        out_size: spec.size,
        in_size: reply_size,
        depth,
        wait: spec.wait,
        naive_poll: spec.naive_poll,
        iox_prefix: spec.iox_prefix.clone(),
    };
    if spec.pin {
        pin_to_cpu(0)?;
    }
    let mut args: Vec<String> = vec![
        "__follower".into(),
        "--system".into(),
        spec.system.name().into(),
        "--mode".into(),
        match spec.mode {
            Mode::Latency => "latency",
            Mode::Throughput => "throughput",
        }
        .into(),
        "--ros-domain".into(),
        spec.ros_domain.to_string(),
        "--ping".into(),
        ping,
        "--pong".into(),
        pong,
        "--size".into(),
        spec.size.to_string(),
        "--reply-size".into(),
        reply_size.to_string(),
        "--depth".into(),
        depth.to_string(),
        "--ack-every".into(),
        ack_every.to_string(),
        "--iox-prefix".into(),
        spec.iox_prefix.clone(),
    ];
    if spec.pin {
        args.extend(["--cpu".into(), "1".into()]);
    }
    if spec.wait && spec.system == System::Hazcat {
        args.push("--wait".into());
    }
    if spec.naive_poll {
        args.push("--naive-poll".into());
    }
    // The leader creates both topics/services before the follower starts, so the follower only
    // opens them (no creation race).
    match spec.system {
        System::Hazcat => lead(&mut HazcatEndpoint::new(&es)?, spec, &args),
        System::Iceoryx2 => lead(&mut IceoryxEndpoint::new(&es)?, spec, &args),
    }
}

/// Kills the follower if the leader bails out early.
struct ChildGuard(Option<Child>);

impl ChildGuard {
    fn check(&mut self) -> Result<()> {
        if let Some(c) = self.0.as_mut() {
            if let Some(st) = c.try_wait()? {
                self.0 = None;
                return Err(format!("follower exited early: {st}").into());
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let Some(mut c) = self.0.take() else {
            return Ok(());
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = c.try_wait()? {
                return if st.success() {
                    Ok(())
                } else {
                    Err(format!("follower failed: {st}").into())
                };
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                let _ = c.wait();
                return Err("follower did not exit after STOP".into());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(c) = self.0.as_mut() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits for the next answer, checking that the follower lives.
fn recv<E: Endpoint>(e: &mut E, child: &mut ChildGuard) -> Result<Header> {
    let deadline = Instant::now() + PEER_TIMEOUT;
    loop {
        if let Some(h) = e.recv_timeout(Duration::from_millis(500))? {
            return Ok(h);
        }
        child.check()?;
        if Instant::now() > deadline {
            return Err("no answer from the follower".into());
        }
    }
}

fn lead<E: Endpoint>(e: &mut E, spec: &RunSpec, args: &[String]) -> Result<RunResult> {
    let mut child = ChildGuard(Some(spawn_self(args)?));
    let base = Instant::now();
    let now_ns = || base.elapsed().as_nanos() as u64;
    // Discovery.
    let deadline = Instant::now() + PEER_TIMEOUT;
    while !e.peer_present() {
        child.check()?;
        if Instant::now() > deadline {
            return Err("follower did not show up".into());
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // Handshake: probe until one probe comes back (the first may precede the connection).
    let mut ok = false;
    for _ in 0..1000 {
        e.send(Header {
            seq: 0,
            ts: now_ns(),
            flags: FLAG_HANDSHAKE,
        })?;
        if let Some(h) = e.recv_timeout(Duration::from_millis(20))? {
            if h.flags & FLAG_HANDSHAKE != 0 {
                ok = true;
                break;
            }
        }
        child.check()?;
    }
    if !ok {
        return Err("handshake with the follower failed".into());
    }
    let mut seq = 0u64;
    let result = match spec.mode {
        Mode::Latency => {
            let mut samples = Vec::with_capacity(spec.count as usize);
            for i in 0..spec.warmup + spec.count {
                seq += 1;
                e.send(Header {
                    seq,
                    ts: now_ns(),
                    flags: 0,
                })?;
                let h = loop {
                    let h = recv(e, &mut child)?;
                    if h.seq == seq && h.flags & FLAG_HANDSHAKE == 0 {
                        break h;
                    }
                };
                let rtt = now_ns().saturating_sub(h.ts);
                if i >= spec.warmup {
                    samples.push(rtt / 2);
                }
            }
            RunResult::Latency(LatencySummary::from_ns(&mut samples))
        }
        Mode::Throughput => {
            if spec.warmup > 0 {
                stream(e, &mut child, &mut seq, spec.warmup, spec.window)?;
            }
            let t = Instant::now();
            stream(e, &mut child, &mut seq, spec.count, spec.window)?;
            RunResult::Throughput {
                messages: spec.count,
                seconds: t.elapsed().as_secs_f64(),
            }
        }
    };
    e.send(Header {
        seq: u64::MAX,
        ts: 0,
        flags: FLAG_STOP,
    })?;
    child.finish()?;
    Ok(result)
}

/// Streams `count` messages with at most `window` unacknowledged; returns when the last is acked.
fn stream<E: Endpoint>(
    e: &mut E,
    child: &mut ChildGuard,
    seq: &mut u64,
    count: u64,
    window: u64,
) -> Result<()> {
    let first = *seq + 1;
    let last = *seq + count;
    let mut next = first;
    let mut acked = first - 1;
    while acked < last {
        while next <= last && next - 1 - acked < window {
            let flags = if next == last { FLAG_LAST } else { 0 };
            e.send(Header {
                seq: next,
                ts: 0,
                flags,
            })?;
            next += 1;
        }
        let h = if next <= last && next - 1 - acked < window {
            e.try_recv()?
        } else {
            Some(recv(e, child)?)
        };
        if let Some(h) = h {
            if h.flags & FLAG_HANDSHAKE == 0 && h.seq > acked {
                acked = h.seq;
            }
        }
    }
    *seq = last;
    Ok(())
}
