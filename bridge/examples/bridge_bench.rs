//! Host-to-host benchmark of `hazcat bridge` against bare Zenoh (run by scripts/bridge_bench.sh,
//! which puts the two sides in two network namespaces, each hazcat side with its own shm
//! directory and its own bridge).
//!
//! ```text
//! bridge_bench server --transport zenoh --listen tcp/10.78.0.2:7450
//! bridge_bench client --transport zenoh --connect tcp/10.78.0.2:7450 --sizes 64,1048576
//! bridge_bench server --transport hazcat          # next to a bridge, in its shm directory
//! bridge_bench client --transport hazcat --sizes 64,1048576
//! ```
//!
//! Messages are `std_msgs/msg/UInt8MultiArray` in CDR (what the bridge carries unchanged), of
//! the given total size; the first data byte says what a message is. Over hazcat they are ROS
//! topics of nodes registered in the hazcat graph (the bridge carries them); over Zenoh the same
//! bytes are put on three key expressions. Per size the client measures:
//! - latency: ping-pong round trips (the server echoes each ping), one-way = round trip / 2;
//! - throughput: it sends back-to-back for `--thr-secs`, then asks the server what arrived
//!   (count, first and last arrival on the server's clock); throughput = bytes after the first
//!   message / (last - first arrival). The bare-Zenoh sender is paced by Zenoh (congestion
//!   control Block); the hazcat sender waits while 32 MiB (at most half its queue depth) are
//!   unconsumed.
//!
//! The client prints one JSON line per size.

use clap::{Parser, ValueEnum};
use hazcat_bridge::mapping::Qos;
use hazcat_core::graph::{EndpointEntry, NodeEntry};
use hazcat_core::{
    EndpointDesc, EntryKind, Listener, Participant, Publisher, PublisherOptions, Received,
    Subscriber, SubscriberOptions, TypeInfo,
};
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zenoh::bytes::ZBytes;
use zenoh::qos::CongestionControl;
use zenoh::{Session, Wait};

const ROS_TYPE: &str = "std_msgs/msg/UInt8MultiArray";
/// CDR header + empty `layout.dim` + `layout.data_offset` + `data` length.
const CDR_OVERHEAD: usize = 16;
const PING: u8 = 0;
const REPORT: u8 = 1;
const DATA: u8 = 2;
const REPLY: u8 = 3;
/// How long the client waits for a server that does not answer.
const GIVE_UP: Duration = Duration::from_secs(60);
/// Bytes a hazcat sender lets the bridge lag behind by.
const IN_FLIGHT: usize = 32 << 20;
const TOPICS: [&str; 3] = ["bench_ping", "bench_pong", "bench_thr"];

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Transport {
    /// Bare Zenoh put / subscribe.
    Zenoh,
    /// hazcat publishers / subscribers, carried between hosts by the bridges.
    Hazcat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Echoes pings, counts throughput data, answers reports; runs until killed.
    Server,
    /// Measures, prints one JSON line per size.
    Client,
}

/// Ping-pong latency and throughput, hazcat bridge versus bare Zenoh.
#[derive(Parser, Debug)]
struct Args {
    role: Role,
    #[arg(long, value_enum)]
    transport: Transport,
    /// Zenoh endpoint to listen on (zenoh transport).
    #[arg(long)]
    listen: Vec<String>,
    /// Zenoh endpoint to connect to (zenoh transport).
    #[arg(long)]
    connect: Vec<String>,
    /// Total message sizes in bytes (at least 17).
    #[arg(long, value_delimiter = ',', default_value = "64,1048576,16777216")]
    sizes: Vec<usize>,
    /// Round trips per size (a tenth more before them as warm-up).
    #[arg(long, default_value_t = 200)]
    pings: usize,
    /// Seconds of back-to-back sending per size.
    #[arg(long, default_value_t = 2.0)]
    thr_secs: f64,
    /// hazcat queue depth of the benchmark's endpoints.
    #[arg(long, default_value_t = 256)]
    depth: u32,
    /// ROS domain (hazcat transport).
    #[arg(long, default_value_t = 0)]
    domain: u32,
}

/// A CDR UInt8MultiArray of `size` bytes whose first data byte is `kind`, then `extra`.
fn message(size: usize, kind: u8, extra: &[u8]) -> Vec<u8> {
    let size = size.max(CDR_OVERHEAD + 1 + extra.len());
    let n = (size - CDR_OVERHEAD) as u32;
    let mut m = Vec::with_capacity(size);
    m.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    m.extend_from_slice(&n.to_le_bytes());
    m.push(kind);
    m.extend_from_slice(extra);
    m.resize(size, 0xa5);
    m
}

/// A message to send: its bytes, and the same as Zenoh bytes (made once, put without copying).
struct Msg {
    bytes: Vec<u8>,
    z: ZBytes,
}

impl Msg {
    fn new(size: usize, kind: u8, extra: &[u8]) -> Msg {
        let bytes = message(size, kind, extra);
        let z = ZBytes::from(bytes.clone());
        Msg { bytes, z }
    }
}

/// What the benchmark reads of a received message: its length, kind and (a reply) counts.
struct Head {
    len: usize,
    kind: Option<u8>,
    counts: Option<Counts>,
}

/// Bytes of a message the head is read from.
const HEAD: usize = CDR_OVERHEAD + 33;

impl Head {
    fn of(len: usize, first: &[u8]) -> Head {
        Head {
            len,
            kind: first.get(CDR_OVERHEAD).copied(),
            counts: Counts::decode(first),
        }
    }
}

/// What the server saw of the throughput data since the last report.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    count: u64,
    bytes: u64,
    first_ns: u64,
    last_ns: u64,
}

impl Counts {
    fn add(&mut self, len: usize, now: u64) {
        if self.count == 0 {
            self.first_ns = now;
        }
        self.count += 1;
        self.bytes += len as u64;
        self.last_ns = now;
    }
    fn encode(&self) -> Vec<u8> {
        [self.count, self.bytes, self.first_ns, self.last_ns]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }
    fn decode(m: &[u8]) -> Option<Counts> {
        let b = m.get(CDR_OVERHEAD + 1..CDR_OVERHEAD + 33)?;
        let w = |i: usize| u64::from_le_bytes(b[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        Some(Counts {
            count: w(0),
            bytes: w(1),
            first_ns: w(2),
            last_ns: w(3),
        })
    }
}

fn now_ns() -> u64 {
    hazcat_core::now_ns()
}

/// One side's three topics, whichever transport carries them.
trait Link {
    /// Sends on topic `t` (index into [`TOPICS`]), waiting for room rather than dropping.
    fn send(&mut self, t: usize, msg: &Msg);
    /// The next message on topic `t`, waiting at most `timeout`.
    fn recv(&mut self, t: usize, timeout: Duration) -> Option<Head>;
    /// Sends the last message received on the ping topic back on the pong topic.
    fn echo(&mut self);
    /// Throughput data received since the last call (server), without blocking.
    fn take_counts(&mut self) -> Counts;
}

struct ZenohLink {
    _session: Session,
    last: Option<ZBytes>,
    counts: Arc<Mutex<Counts>>,
    _data: Option<zenoh::pubsub::Subscriber<()>>,
    pubs: Vec<Option<zenoh::pubsub::Publisher<'static>>>,
    subs: Vec<
        Option<
            zenoh::pubsub::Subscriber<zenoh::handlers::FifoChannelHandler<zenoh::sample::Sample>>,
        >,
    >,
}

impl ZenohLink {
    fn put(&self, t: usize, z: ZBytes) {
        let p = self.pubs[t].as_ref().expect("declared");
        if let Err(e) = p.put(z).wait() {
            eprintln!("put: {e}");
        }
    }

    fn open(args: &Args, send: &[usize], recv: &[usize]) -> ZenohLink {
        let mut c = zenoh::Config::default();
        let mut set = |k: &str, v: String| c.insert_json5(k, &v).expect(k);
        set("mode", "\"peer\"".into());
        set("scouting/multicast/enabled", "false".into());
        let list = |v: &[String]| {
            format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        if !args.listen.is_empty() {
            set("listen/endpoints", list(&args.listen));
        }
        if !args.connect.is_empty() {
            set("connect/endpoints", list(&args.connect));
        }
        let session = zenoh::open(c).wait().expect("zenoh session");
        let mut pubs: Vec<_> = (0..3).map(|_| None).collect();
        let mut subs: Vec<_> = (0..3).map(|_| None).collect();
        for &t in send {
            pubs[t] = Some(
                session
                    .declare_publisher(format!("bench/{}", TOPICS[t]))
                    .congestion_control(CongestionControl::Block)
                    .wait()
                    .expect("publisher"),
            );
        }
        let counts = Arc::new(Mutex::new(Counts::default()));
        let mut data = None;
        for &t in recv {
            let key = format!("bench/{}", TOPICS[t]);
            if t == 2 {
                // Counted on Zenoh's thread: a queue would hold back (or drop) what comes.
                let c = counts.clone();
                data = Some(
                    session
                        .declare_subscriber(key)
                        .callback(move |s| {
                            let now = now_ns();
                            c.lock().expect("counts").add(s.payload().len(), now)
                        })
                        .wait()
                        .expect("subscriber"),
                );
            } else {
                subs[t] = Some(session.declare_subscriber(key).wait().expect("subscriber"));
            }
        }
        ZenohLink {
            _session: session,
            last: None,
            counts,
            _data: data,
            pubs,
            subs,
        }
    }
}

impl Link for ZenohLink {
    fn send(&mut self, t: usize, msg: &Msg) {
        self.put(t, msg.z.clone());
    }
    fn recv(&mut self, t: usize, timeout: Duration) -> Option<Head> {
        let s = self.subs[t].as_ref().expect("declared");
        let sample = s.recv_timeout(timeout).ok().flatten()?;
        let payload = sample.payload().clone();
        let mut first = [0u8; HEAD];
        let n = payload.reader().read(&mut first).unwrap_or(0);
        let head = Head::of(payload.len(), &first[..n]);
        if t == 0 {
            self.last = Some(payload);
        }
        Some(head)
    }
    fn echo(&mut self) {
        if let Some(z) = self.last.take() {
            self.put(1, z);
        }
    }
    fn take_counts(&mut self) -> Counts {
        std::mem::take(&mut *self.counts.lock().expect("counts"))
    }
}

struct HazcatLink {
    counts: Counts,
    last: Option<Received>,
    depth: u32,
    pubs: Vec<Option<(Publisher, EndpointEntry)>>,
    subs: Vec<Option<(Subscriber, EndpointEntry)>>,
    listener: Listener,
    _node: NodeEntry,
    _participant: Participant,
}

impl HazcatLink {
    fn open(args: &Args, name: &str, send: &[usize], recv: &[usize]) -> HazcatLink {
        let participant = Participant::join(args.domain).expect("join");
        let listener = participant.listener().expect("listener");
        let node = participant.add_node(name, "/", "").expect("node");
        let type_info = TypeInfo {
            name: ROS_TYPE.into(),
            hash: [0; 32],
        };
        let qos = Qos {
            depth: args.depth as u64,
            ..Qos::default()
        };
        let register = |kind: EntryKind, topic: &str, gid: [u8; 24]| {
            participant
                .add_endpoint(
                    &node,
                    &EndpointDesc {
                        kind,
                        topic,
                        type_name: ROS_TYPE,
                        gid,
                        type_hash: type_info.hash,
                        qos: qos.to_graph_words(),
                    },
                )
                .expect("graph endpoint")
        };
        let mut pubs: Vec<_> = (0..3).map(|_| None).collect();
        let mut subs: Vec<_> = (0..3).map(|_| None).collect();
        for &t in send {
            let topic = format!("/{}", TOPICS[t]);
            let opts = PublisherOptions {
                depth: args.depth,
                ..PublisherOptions::default()
            };
            let gid = opts.gid;
            let p = participant
                .publisher(&topic, &type_info, opts)
                .expect("publisher");
            pubs[t] = Some((p, register(EntryKind::Publisher, &topic, gid)));
        }
        for &t in recv {
            let topic = format!("/{}", TOPICS[t]);
            let opts = SubscriberOptions {
                depth: args.depth,
                reliable: true,
                ..SubscriberOptions::default()
            };
            let gid = opts.gid;
            let s = participant
                .subscriber(&topic, &type_info, opts)
                .expect("subscriber");
            s.attach(&listener);
            subs[t] = Some((s, register(EntryKind::Subscription, &topic, gid)));
        }
        HazcatLink {
            counts: Counts::default(),
            last: None,
            depth: args.depth,
            pubs,
            subs,
            listener,
            _node: node,
            _participant: participant,
        }
    }

    /// Counts the throughput data queued (if this side receives it).
    fn drain_data(&mut self) {
        if let Some((s, _)) = &self.subs[2] {
            while let Ok(Some(m)) = s.take() {
                self.counts.add(m.bytes().map_or(0, <[u8]>::len), now_ns());
            }
        }
    }

    fn take(&self, t: usize) -> Option<Received> {
        let (s, _) = self.subs[t].as_ref().expect("declared");
        s.take().ok().flatten()
    }
}

impl Link for HazcatLink {
    fn send(&mut self, t: usize, msg: &Msg) {
        self.publish(t, &msg.bytes);
    }
    fn echo(&mut self) {
        if let Some(m) = self.last.take() {
            self.publish(1, m.bytes().unwrap_or_default());
        }
    }
    fn recv(&mut self, t: usize, timeout: Duration) -> Option<Head> {
        let end = Instant::now() + timeout;
        loop {
            let epoch = self.listener.epoch();
            self.drain_data();
            if let Some(m) = self.take(t) {
                let bytes = m.bytes().unwrap_or_default();
                let head = Head::of(bytes.len(), &bytes[..bytes.len().min(HEAD)]);
                if t == 0 {
                    self.last = Some(m);
                }
                return Some(head);
            }
            let left = end.checked_duration_since(Instant::now())?;
            self.listener.wait(epoch, Some(left));
        }
    }
    fn take_counts(&mut self) -> Counts {
        self.drain_data();
        std::mem::take(&mut self.counts)
    }
}

impl HazcatLink {
    fn publish(&self, t: usize, bytes: &[u8]) {
        let (p, _) = self.pubs[t].as_ref().expect("declared");
        // Paced by the consumer, as Zenoh's CongestionControl::Block paces the bare-Zenoh
        // sender: while IN_FLIGHT bytes (at most half the queue depth of messages) are still
        // unconsumed (by the bridge), wait, rather than overwrite queued messages and take the
        // CPU the bridge needs.
        let limit = (IN_FLIGHT / bytes.len()).clamp(1, (self.depth / 2).max(1) as usize);
        while p.topic().stats().live_samples as usize >= limit {
            std::thread::sleep(Duration::from_micros(20));
        }
        loop {
            let mut loan = p.loan(bytes.len()).expect("loan");
            loan.write(bytes).expect("write");
            match p.publish(loan) {
                Ok(_) => return,
                // Every slot referenced: the bridge is behind; let it catch up.
                Err(hazcat_core::PublishError::QueueFull) => std::thread::yield_now(),
                Err(e) => panic!("publish: {e}"),
            }
        }
    }
}

fn serve(link: &mut dyn Link) {
    loop {
        let Some(m) = link.recv(0, Duration::from_millis(100)) else {
            continue;
        };
        match m.kind {
            Some(PING) => link.echo(),
            Some(REPORT) => {
                let counts = link.take_counts();
                link.send(1, &Msg::new(64, REPLY, &counts.encode()));
            }
            _ => {}
        }
    }
}

/// Sends a report request until a reply comes; the server's counts since the last one.
fn report(link: &mut dyn Link) -> Counts {
    let request = Msg::new(64, REPORT, &[]);
    let give_up = Instant::now() + GIVE_UP;
    loop {
        assert!(Instant::now() < give_up, "no answer from the server");
        link.send(0, &request);
        let end = Instant::now() + Duration::from_millis(500);
        while let Some(left) = end.checked_duration_since(Instant::now()) {
            match link.recv(1, left) {
                Some(Head {
                    kind: Some(REPLY),
                    counts: Some(c),
                    ..
                }) => return c,
                Some(_) => {} // a late pong
                None => break,
            }
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure(link: &mut dyn Link, args: &Args) {
    // Up: a first pong (the bridges have discovered each other's endpoints).
    let first = Msg::new(64, PING, &[]);
    let give_up = Instant::now() + GIVE_UP;
    loop {
        assert!(Instant::now() < give_up, "no answer from the server");
        link.send(0, &first);
        if link.recv(1, Duration::from_millis(200)).is_some() {
            break;
        }
    }
    while link.recv(1, Duration::from_millis(100)).is_some() {}
    report(link);
    for &size in &args.sizes {
        let ping = Msg::new(size, PING, &[]);
        let mut rtts = Vec::with_capacity(args.pings);
        let mut lost = 0;
        let warm = args.pings / 10;
        let pings = if size >= 16 << 20 {
            args.pings / 4
        } else {
            args.pings
        };
        for i in 0..warm + pings {
            let t0 = Instant::now();
            link.send(0, &ping);
            match link.recv(1, Duration::from_secs(5)) {
                Some(m) if m.len == size => {
                    if i >= warm {
                        rtts.push(t0.elapsed().as_secs_f64());
                    }
                }
                _ => lost += 1,
            }
        }
        while link.recv(1, Duration::from_millis(50)).is_some() {}
        let data = Msg::new(size, DATA, &[]);
        report(link);
        let t0 = Instant::now();
        let mut sent = 0u64;
        while t0.elapsed().as_secs_f64() < args.thr_secs || sent < 10 {
            link.send(2, &data);
            sent += 1;
        }
        // What arrived: reports until two in a row, 300 ms apart, show nothing more arriving.
        let mut total = Counts::default();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let c = report(link);
            if c.count == 0 {
                break;
            }
            if total.count == 0 {
                total.first_ns = c.first_ns;
            }
            total.count += c.count;
            total.bytes += c.bytes;
            total.last_ns = c.last_ns;
        }
        let secs = (total.last_ns.saturating_sub(total.first_ns)) as f64 * 1e-9;
        let thr = if total.count > 1 && secs > 0.0 {
            (total.bytes - size as u64) as f64 / secs
        } else {
            0.0
        };
        let lat_us = if rtts.is_empty() {
            f64::NAN
        } else {
            median(&mut rtts) / 2.0 * 1e6
        };
        println!(
            "{{\"transport\":\"{:?}\",\"size\":{size},\"latency_us\":{lat_us:.2},\"pings\":{},\
             \"pings_lost\":{lost},\"throughput_Bps\":{thr:.0},\"sent\":{sent},\
             \"received\":{}}}",
            args.transport,
            rtts.len(),
            total.count
        );
    }
}

fn main() {
    let args = Args::parse();
    assert!(args.sizes.iter().all(|&s| s > CDR_OVERHEAD + 33));
    let (send, recv): (&[usize], &[usize]) = match args.role {
        Role::Server => (&[1], &[0, 2]),
        Role::Client => (&[0, 2], &[1]),
    };
    let mut link: Box<dyn Link> = match args.transport {
        Transport::Zenoh => Box::new(ZenohLink::open(&args, send, recv)),
        Transport::Hazcat => {
            let name = if args.role == Role::Server {
                "bench_server"
            } else {
                "bench_client"
            };
            Box::new(HazcatLink::open(&args, name, send, recv))
        }
    };
    match args.role {
        Role::Server => serve(link.as_mut()),
        Role::Client => measure(link.as_mut(), &args),
    }
}
