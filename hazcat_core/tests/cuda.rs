//! CUDA device pools across processes. These tests need a CUDA device; without one each prints
//! a visible `SKIPPED: no CUDA device (<why>)` line (written to stderr directly, so it shows
//! even without `--nocapture`) and returns.
//!
//! Run on a GPU machine: `cargo test -p hazcat_core --test cuda -- --nocapture --test-threads=1`.
//! Every peer is a separate process (this binary re-executed in a child role); pipes
//! synchronise, nothing sleeps.
#![cfg(feature = "cuda")]

mod common;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use hazcat_core::*;

const ENTRY: &str = "cuda_child";
const WAIT: Option<Duration> = Some(Duration::from_secs(60));
const DEV: Domain = Domain::cuda(0);

/// Whether a CUDA device is usable; prints the SKIPPED line when not.
fn gpu(test: &str) -> bool {
    match hazcat_core::cuda::device_count() {
        Ok(_) => true,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "SKIPPED: no CUDA device ({e}) — {test}");
            false
        }
    }
}

fn payload(seq: u32, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(131).wrapping_add(seq * 7) as u8)
        .collect()
}

fn env(domain: u32, topic: &str) -> Vec<(&'static str, String)> {
    vec![("DOMAIN", domain.to_string()), ("TOPIC", topic.to_owned())]
}

fn open(domain: u32, topic: &str) -> (Participant, Arc<Topic>) {
    let p = Participant::join(domain).expect("join");
    let t = p
        .topic(topic, &TypeInfo::named("test_msgs/msg/Bytes"))
        .expect("topic");
    (p, t)
}

fn sub(t: &Arc<Topic>, domain: Domain) -> Subscriber {
    Subscriber::new(
        t,
        SubscriberOptions {
            domain,
            depth: 16,
            ..Default::default()
        },
    )
    .expect("subscriber")
}

fn publisher(t: &Arc<Topic>, domain: Domain) -> Publisher {
    Publisher::new(
        t,
        PublisherOptions {
            domain,
            pool_size: 8 << 20,
            ..Default::default()
        },
    )
    .expect("publisher")
}

/// Publishes `payload(seq, len)` through a loan of `p` (host loans written in place, device
/// loans by a host-to-device copy).
fn publish(p: &Publisher, seq: u32, len: usize) {
    let mut loan = p.loan(len).expect("loan");
    let bytes = payload(seq, len);
    match loan.as_mut_slice() {
        Some(s) => s.copy_from_slice(&bytes),
        None => {
            assert!(loan.device_ptr().is_some(), "device loan has an address");
            loan.write(&bytes).expect("write device loan");
        }
    }
    p.publish(loan).expect("publish");
}

/// Takes one message (it has been published before the parent told us to take).
fn take_now(s: &Subscriber, l: &Listener) -> Received {
    loop {
        let epoch = l.epoch();
        if let Some(m) = s.take().expect("take") {
            return m;
        }
        assert!(l.wait(epoch, WAIT), "no message within the step timeout");
    }
}

/// Reads a received message back to the host (whatever its domain) and checks it.
fn verify(m: &Received, seq: u32, len: usize) {
    let mut host = vec![0u8; m.len()];
    m.read_into(&mut host).expect("read");
    assert_eq!(host, payload(seq, len), "message {seq} corrupt");
}

fn column(stats: &TopicStats, d: Domain) -> (u64, u64) {
    stats
        .domains
        .iter()
        .find(|c| c.domain == d)
        .map_or((0, 0), |c| (c.copies, c.bytes))
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn cuda_child() {
    let Some(role) = role() else { return };
    let domain: u32 = arg("DOMAIN");
    let topic: String = arg("TOPIC");
    let (p, t) = open(domain, &topic);
    let l = p.listener().expect("listener");
    match role.as_str() {
        // One device subscriber: the message must arrive without any copy (same domain).
        "device_sub" => {
            let s = sub(&t, DEV);
            s.attach(&l);
            say("ready");
            let n: u32 = listen().parse().unwrap();
            let len: usize = arg("LEN");
            for seq in 0..n {
                let m = take_now(&s, &l);
                assert!(!m.info().copied, "same-domain take must not copy");
                let (ptr, dev) = m.device_ptr().expect("device message");
                assert_eq!(dev, 0);
                assert_eq!(ptr % 256, 0, "device payloads are 256-byte aligned");
                assert!(m.bytes().is_none(), "device bytes are not host-addressable");
                verify(&m, seq, len);
            }
            say("done");
        }
        // Three host subscribers of a device publisher.
        "host_subs" => {
            let subs: Vec<Subscriber> = (0..3).map(|_| sub(&t, Domain::HOST)).collect();
            for s in &subs {
                s.attach(&l);
            }
            say("ready");
            let n: u32 = listen().parse().unwrap();
            let len: usize = arg("LEN");
            for seq in 0..n {
                let mut copied = 0;
                for s in &subs {
                    let m = take_now(s, &l);
                    copied += u32::from(m.info().copied);
                    assert_eq!(m.bytes().expect("host copy"), &payload(seq, len)[..]);
                }
                assert_eq!(copied, 1, "exactly one take copies message {seq}");
            }
            say("done");
        }
        // Two device subscribers of a host publisher: the first copies, the second reuses.
        "device_subs_of_host" => {
            let a = sub(&t, DEV);
            let b = sub(&t, DEV);
            a.attach(&l);
            b.attach(&l);
            say("ready");
            let n: u32 = listen().parse().unwrap();
            let len: usize = arg("LEN");
            for seq in 0..n {
                let ma = take_now(&a, &l);
                let mb = take_now(&b, &l);
                assert!(ma.info().copied && !mb.info().copied);
                assert_eq!(ma.device_ptr(), mb.device_ptr(), "one cached device copy");
                verify(&ma, seq, len);
                verify(&mb, seq, len);
            }
            say("done");
        }
        // Takes a device message and holds it until killed.
        "holder" => {
            let s = sub(&t, DEV);
            s.attach(&l);
            say("ready");
            let _ = listen();
            let m = take_now(&s, &l);
            verify(&m, 0, 4096);
            say("holding");
            let _ = listen(); // killed here
            drop(m);
        }
        other => panic!("unknown role {other}"),
    }
    drop(t);
    drop(p);
}

#[test]
fn device_to_device_cross_process_moves_zero_bytes() {
    if !gpu("device_to_device_cross_process_moves_zero_bytes") {
        return;
    }
    let domain = unique_domain();
    let topic = "/cuda/d2d";
    let (p, t) = open(domain, topic);
    let publ = publisher(&t, DEV);
    let len = 1 << 20;
    let mut e = env(domain, topic);
    e.push(("LEN", len.to_string()));
    let mut child = spawn(ENTRY, "device_sub", &e);
    child.expect("ready");
    for seq in 0..4 {
        publish(&publ, seq, len);
    }
    child.send("4");
    child.expect("done");
    child.join();
    let st = t.stats();
    assert_eq!(st.total_copies(), 0, "device -> device moved bytes: {st:?}");
    drop(publ);
    drop(t);
    drop(p);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn three_host_subscribers_cost_one_device_to_host_copy() {
    if !gpu("three_host_subscribers_cost_one_device_to_host_copy") {
        return;
    }
    let domain = unique_domain();
    let topic = "/cuda/d2h";
    let (p, t) = open(domain, topic);
    let publ = publisher(&t, DEV);
    let (n, len) = (6u32, 300_000usize);
    let mut e = env(domain, topic);
    e.push(("LEN", len.to_string()));
    let mut child = spawn(ENTRY, "host_subs", &e);
    child.expect("ready");
    for seq in 0..n {
        publish(&publ, seq, len);
    }
    child.send(&n.to_string());
    child.expect("done");
    child.join();
    let st = t.stats();
    assert_eq!(
        column(&st, Domain::HOST),
        (u64::from(n), u64::from(n) * len as u64),
        "{st:?}"
    );
    assert_eq!(st.total_copies(), u64::from(n), "{st:?}");
    drop(publ);
    drop(t);
    drop(p);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn host_publisher_to_device_subscribers() {
    if !gpu("host_publisher_to_device_subscribers") {
        return;
    }
    let domain = unique_domain();
    let topic = "/cuda/h2d";
    let (p, t) = open(domain, topic);
    let publ = publisher(&t, Domain::HOST);
    let (n, len) = (5u32, 70_001usize);
    let mut e = env(domain, topic);
    e.push(("LEN", len.to_string()));
    let mut child = spawn(ENTRY, "device_subs_of_host", &e);
    child.expect("ready");
    for seq in 0..n {
        publish(&publ, seq, len);
    }
    child.send(&n.to_string());
    child.expect("done");
    child.join();
    let st = t.stats();
    assert_eq!(
        column(&st, DEV),
        (u64::from(n), u64::from(n) * len as u64),
        "{st:?}"
    );
    drop(publ);
    drop(t);
    drop(p);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn kill9_of_a_process_holding_device_blocks() {
    if !gpu("kill9_of_a_process_holding_device_blocks") {
        return;
    }
    let domain = unique_domain();
    let topic = "/cuda/kill";
    let (p, t) = open(domain, topic);
    let publ = publisher(&t, DEV);
    let mut child = spawn(ENTRY, "holder", &env(domain, topic));
    child.expect("ready");
    publish(&publ, 0, 4096);
    child.send("take");
    child.expect("holding");
    assert_eq!(
        publ.pool_stats()[0].live_blocks,
        1,
        "the child holds the block"
    );
    child.kill9();
    assert_eq!(t.reclaim_dead_endpoints(), 1);
    assert_eq!(
        publ.pool_stats()[0].live_blocks,
        0,
        "the dead holder's device block was released through host shared memory"
    );
    // The pool is usable again.
    publish(&publ, 1, 4096);
    drop(publ);
    drop(t);
    drop(p);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn requesting_a_missing_device_fails_clearly() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/cuda/missing");
    // A live endpoint, so that the last one to leave removes the queue.
    let host = sub(&t, Domain::HOST);
    let (dev, expect) = match hazcat_core::cuda::device_count() {
        Ok(n) => (Domain::cuda(n as u16), "does not exist"),
        Err(_) => (DEV, "no "),
    };
    let e = Publisher::new(
        &t,
        PublisherOptions {
            domain: dev,
            ..Default::default()
        },
    )
    .unwrap_err();
    let msg = e.to_string();
    assert!(
        matches!(e, EndpointError::DeviceUnavailable { .. }) && msg.contains(expect),
        "{msg}"
    );
    assert!(msg.contains(&dev.to_string()), "{msg}");
    let e = Subscriber::new(
        &t,
        SubscriberOptions {
            domain: dev,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(e, EndpointError::DeviceUnavailable { .. }), "{e}");
    drop(host);
    drop(t);
    drop(p);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}
