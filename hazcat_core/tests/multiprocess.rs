//! Multi-process behaviour of hazcat_core: every peer is a separate process (this test binary
//! re-executed in a child role). Pipes synchronise; nothing sleeps or measures time.

mod common;

use std::time::Duration;

use common::*;
use hazcat_core::*;

const ENTRY: &str = "child_entry";
const WAIT: Option<Duration> = Some(Duration::from_secs(60));

/// Payload of message `seq` from publisher `publisher`: header + a pattern checkable on receipt.
fn payload(publisher: u32, seq: u32, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len.max(8)];
    v[..4].copy_from_slice(&publisher.to_le_bytes());
    v[4..8].copy_from_slice(&seq.to_le_bytes());
    for (i, b) in v.iter_mut().enumerate().skip(8) {
        *b = (i as u32)
            .wrapping_mul(31)
            .wrapping_add(seq)
            .wrapping_add(publisher) as u8;
    }
    v
}

/// Checks a received payload; returns (publisher, seq).
fn check(bytes: &[u8]) -> (u32, u32) {
    let publisher = u32::from_le_bytes(bytes[..4].try_into().unwrap());
    let seq = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    assert_eq!(
        bytes,
        &payload(publisher, seq, bytes.len())[..],
        "corrupt payload from {publisher}/{seq}"
    );
    (publisher, seq)
}

fn size_for(seq: u32) -> usize {
    [64, 1000, 4096, 65_536, 17][(seq % 5) as usize]
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_entry() {
    let Some(role) = role() else { return };
    let domain: u32 = arg("DOMAIN");
    let topic: String = arg("TOPIC");
    let (p, t) = open(domain, &topic);
    match role.as_str() {
        "subscriber" => {
            let opts = SubscriberOptions {
                domain: arg::<String>("SUB_DOMAIN").parse().unwrap(),
                depth: arg("DEPTH"),
                transient_local: std::env::var("TRANSIENT").is_ok(),
                ..Default::default()
            };
            let sub = Subscriber::new(&t, opts).unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            say("ready");
            let expect: u32 = arg("EXPECT");
            let mut last = std::collections::HashMap::new();
            let mut seqs = Vec::new();
            for _ in 0..expect {
                let m = take_blocking(&sub, &l);
                let (publisher, seq) = check(m.bytes().expect("host-addressable"));
                let prev = last.insert(publisher, seq);
                assert!(
                    prev.is_none_or(|p| p < seq),
                    "out of order from {publisher}: {prev:?} then {seq}"
                );
                seqs.push(seq);
            }
            say(format!(
                "got {}",
                seqs.iter()
                    .map(|s| s.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
            assert_eq!(listen(), "exit");
        }
        "publisher" => {
            let pub_id: u32 = arg("PUB_ID");
            let count: u32 = arg("COUNT");
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            for seq in 1..=count {
                let data = payload(pub_id, seq, size_for(seq));
                let mut loan = publ.loan(data.len()).unwrap();
                loan.as_mut_slice().unwrap().copy_from_slice(&data);
                publ.publish(loan).unwrap();
            }
            say("done");
            assert_eq!(listen(), "exit");
        }
        "spam_publisher" => {
            let publ = Publisher::new(
                &t,
                PublisherOptions {
                    pool_size: 1 << 20,
                    ..Default::default()
                },
            )
            .unwrap();
            let mut seq = 0u32;
            loop {
                seq += 1;
                let data = payload(9, seq, 4096);
                let mut loan = publ.loan(data.len()).unwrap();
                loan.as_mut_slice().unwrap().copy_from_slice(&data);
                publ.publish(loan).unwrap();
                if seq == 200 {
                    say("started");
                }
            }
        }
        "holder" => {
            let sub = Subscriber::new(
                &t,
                SubscriberOptions {
                    depth: 100,
                    ..Default::default()
                },
            )
            .unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            say("ready");
            let held: Vec<Received> = (0..10).map(|_| take_blocking(&sub, &l)).collect();
            say(format!("holding {}", held.len()));
            listen();
            unreachable!("the parent kills this process");
        }
        "flow_subscriber" => {
            let acks = p
                .topic(
                    &format!("{topic}/ack"),
                    &TypeInfo::named("test_msgs/msg/Bytes"),
                )
                .unwrap();
            let ack_pub = Publisher::new(&acks, PublisherOptions::default()).unwrap();
            let sub = Subscriber::new(
                &t,
                SubscriberOptions {
                    depth: 1024,
                    ..Default::default()
                },
            )
            .unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            say("ready");
            let total: u32 = arg("COUNT");
            let mut next = 1u32;
            while next <= total {
                let m = take_blocking(&sub, &l);
                let (_, seq) = check(m.bytes().unwrap());
                assert_eq!(seq, next, "lost or reordered message");
                next += 1;
                if seq % 128 == 0 || seq == total {
                    ack_pub.publish_bytes(&seq.to_le_bytes()).unwrap();
                }
            }
            say(format!("received {} lost {}", next - 1, sub.lost()));
            assert_eq!(listen(), "exit");
        }
        "graph_node" => {
            let node = p.add_node("talker", "/demo", "/").unwrap();
            let gid = [7u8; 24];
            let _ep = p
                .add_endpoint(
                    &node,
                    &EndpointDesc {
                        kind: EntryKind::Publisher,
                        topic: "/chatter",
                        type_name: "std_msgs/msg/String",
                        gid,
                        type_hash: [0; 32],
                        qos: [1, 10, 0, 0, 0, 0, 0, 0],
                    },
                )
                .unwrap();
            say("registered");
            listen();
        }
        "open_only" => {
            say("opened");
        }
        "take_expect_corrupt" => {
            let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
            say("ready");
            assert_eq!(listen(), "go");
            match sub.take() {
                Err(TakeError::Corrupt(e)) => say(format!("verdict corrupt: {e}")),
                other => say(format!("verdict accepted: {other:?}")),
            }
            assert_eq!(listen(), "exit");
        }
        "exit_without_cleanup" => {
            // Handles owned by C code are never dropped: leak them, then exit normally.
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            publ.publish_bytes(b"bye").unwrap();
            say("published");
            std::mem::forget(publ);
            std::mem::forget(t);
            std::mem::forget(p);
            std::process::exit(0);
        }
        other => panic!("unknown role {other}"),
    }
    drop(t);
    drop(p);
}

/// Finishes a test: every peer exits, then no object of the domain may remain.
fn finish(domain: u32, peers: Vec<Peer>) {
    for mut p in peers {
        p.send("exit");
        p.join();
    }
    let left = shm_objects(domain);
    assert!(left.is_empty(), "left in /dev/shm: {left:?}");
}

#[test]
fn one_publisher_many_subscribers() {
    let domain = unique_domain();
    let mut subs = Vec::new();
    for _ in 0..3 {
        let mut e = env(domain, "/fanout");
        e.extend([
            ("SUB_DOMAIN", "host".into()),
            ("DEPTH", "1000".into()),
            ("EXPECT", "400".into()),
        ]);
        let mut s = spawn(ENTRY, "subscriber", &e);
        s.expect("ready");
        subs.push(s);
    }
    let mut e = env(domain, "/fanout");
    e.extend([("PUB_ID", "1".into()), ("COUNT", "400".into())]);
    let mut publ = spawn(ENTRY, "publisher", &e);
    publ.expect("done");
    let expected: Vec<String> = (1..=400).map(|s| s.to_string()).collect();
    for s in &mut subs {
        assert_eq!(s.expect("got"), expected.join(","));
    }
    let (_p, t) = open(domain, "/fanout");
    let st = t.stats();
    assert_eq!(st.published, 400);
    assert_eq!(st.total_copies(), 0, "host to host must not copy: {st:?}");
    drop((t, _p));
    subs.push(publ);
    finish(domain, subs);
}

#[test]
fn many_publishers_one_subscriber() {
    let domain = unique_domain();
    let mut e = env(domain, "/fanin");
    e.extend([
        ("SUB_DOMAIN", "host".into()),
        ("DEPTH", "1000".into()),
        ("EXPECT", "900".into()),
    ]);
    let mut sub = spawn(ENTRY, "subscriber", &e);
    sub.expect("ready");
    let mut pubs: Vec<Peer> = (1..=3)
        .map(|i| {
            let mut e = env(domain, "/fanin");
            e.extend([("PUB_ID", i.to_string()), ("COUNT", "300".into())]);
            spawn(ENTRY, "publisher", &e)
        })
        .collect();
    for p in &mut pubs {
        p.expect("done");
    }
    let got = sub.expect("got");
    assert_eq!(got.split(',').count(), 900);
    pubs.push(sub);
    finish(domain, pubs);
}

#[test]
fn late_joiners_volatile_and_transient_local() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/late");
    let publ = Publisher::new(
        &t,
        PublisherOptions {
            transient_local: true,
            depth: 5,
            ..Default::default()
        },
    )
    .unwrap();
    for seq in 1..=20 {
        publ.publish_bytes(&payload(1, seq, 100)).unwrap();
    }
    // A transient-local late joiner receives exactly the last 5.
    let mut e = env(domain, "/late");
    e.extend([
        ("SUB_DOMAIN", "host".into()),
        ("DEPTH", "10".into()),
        ("EXPECT", "5".into()),
        ("TRANSIENT", "1".into()),
    ]);
    let mut tl = spawn(ENTRY, "subscriber", &e);
    tl.expect("ready");
    assert_eq!(tl.expect("got"), "16,17,18,19,20");
    // A volatile late joiner sees only what is published after it joined.
    let mut e = env(domain, "/late");
    e.extend([
        ("SUB_DOMAIN", "host".into()),
        ("DEPTH", "10".into()),
        ("EXPECT", "1".into()),
    ]);
    let mut vol = spawn(ENTRY, "subscriber", &e);
    vol.expect("ready");
    publ.publish_bytes(&payload(1, 21, 100)).unwrap();
    assert_eq!(vol.expect("got"), "21");
    drop((publ, t, p));
    finish(domain, vec![tl, vol]);
}

#[test]
fn depth_overflow_never_frees_a_referenced_block() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/overflow");
    let sub = Subscriber::new(
        &t,
        SubscriberOptions {
            depth: 2,
            ..Default::default()
        },
    )
    .unwrap();
    // A small pool forces block reuse as fast as the allocator can.
    let publ = Publisher::new(
        &t,
        PublisherOptions {
            pool_size: 64 << 10,
            ..Default::default()
        },
    )
    .unwrap();
    publ.publish_bytes(&payload(1, 1, 4096)).unwrap();
    let held = sub.take().unwrap().unwrap();
    let held_ptr = held.as_ptr();
    for seq in 2..=2000 {
        let data = payload(1, seq, 4096);
        let mut loan = publ.loan(data.len()).unwrap();
        assert_ne!(
            loan.as_ptr() as *const u8,
            held_ptr,
            "a referenced block was handed out again"
        );
        loan.as_mut_slice().unwrap().copy_from_slice(&data);
        publ.publish(loan).unwrap();
    }
    assert_eq!(
        check(held.bytes().unwrap()),
        (1, 1),
        "held message was overwritten"
    );
    assert!(
        sub.lost() >= 1990,
        "keep-last depth 2 must drop old messages, lost {}",
        sub.lost()
    );
    // The two newest are still queued.
    assert_eq!(check(sub.take().unwrap().unwrap().bytes().unwrap()).1, 1999);
    assert_eq!(check(sub.take().unwrap().unwrap().bytes().unwrap()).1, 2000);
    drop(held);
    assert_eq!(t.stats().live_samples, 0);
    assert_eq!(
        publ.pool_stats().iter().map(|s| s.live_blocks).sum::<u64>(),
        0
    );
    drop((sub, publ, t, p));
    finish(domain, vec![]);
}

#[test]
fn hundred_thousand_messages_through_wait_and_wake_none_lost() {
    const COUNT: u32 = 100_000;
    let domain = unique_domain();
    let mut e = env(domain, "/flow");
    e.push(("COUNT", COUNT.to_string()));
    let mut sub = spawn(ENTRY, "flow_subscriber", &e);
    sub.expect("ready");
    let (p, t) = open(domain, "/flow");
    let acks = p
        .topic("/flow/ack", &TypeInfo::named("test_msgs/msg/Bytes"))
        .unwrap();
    let ack_sub = Subscriber::new(
        &acks,
        SubscriberOptions {
            depth: 1024,
            ..Default::default()
        },
    )
    .unwrap();
    let l = p.listener().unwrap();
    ack_sub.attach(&l);
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    // Flow control on acknowledgements keeps at most 512 messages in flight (queue depth 1024),
    // so keep-last never drops: every message must arrive.
    let mut acked = 0u32;
    for seq in 1..=COUNT {
        while seq - acked > 512 {
            let m = take_blocking(&ack_sub, &l);
            acked = u32::from_le_bytes(m.bytes().unwrap().try_into().unwrap());
        }
        publ.publish_bytes(&payload(1, seq, 64)).unwrap();
    }
    assert_eq!(sub.expect("received"), format!("{COUNT} lost 0"));
    drop((publ, ack_sub, l, acks, t, p));
    finish(domain, vec![sub]);
}

#[test]
fn kill9_publisher_mid_publish_others_continue_and_memory_is_reclaimed() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/kill_pub");
    let sub = Subscriber::new(
        &t,
        SubscriberOptions {
            depth: 50,
            ..Default::default()
        },
    )
    .unwrap();
    let l = p.listener().unwrap();
    sub.attach(&l);
    let mut spam = spawn(ENTRY, "spam_publisher", &env(domain, "/kill_pub"));
    spam.expect("started");
    for _ in 0..100 {
        check(take_blocking(&sub, &l).bytes().unwrap());
    }
    spam.kill9();
    // Whatever is still queued is intact.
    while let Some(m) = sub.take().unwrap() {
        check(m.bytes().unwrap());
    }
    assert!(t.reclaim_dead_endpoints() <= 1);
    let st = t.stats();
    assert_eq!(
        (st.publishers, st.subscribers),
        (0, 1),
        "dead publisher not reclaimed: {st:?}"
    );
    assert_eq!(st.live_samples, 0);
    let arenas = shm_objects(domain)
        .into_iter()
        .filter(|n| n.contains("_arena_"))
        .count();
    assert_eq!(
        arenas, 0,
        "the dead publisher's pools must be unlinked once unreferenced"
    );
    // A new publisher in another process is received normally.
    let mut e = env(domain, "/kill_pub");
    e.extend([("PUB_ID", "2".into()), ("COUNT", "20".into())]);
    let mut publ = spawn(ENTRY, "publisher", &e);
    publ.expect("done");
    for seq in 1..=20 {
        assert_eq!(check(take_blocking(&sub, &l).bytes().unwrap()), (2, seq));
    }
    drop((sub, l, t, p));
    finish(domain, vec![publ]);
}

#[test]
fn kill9_subscriber_holding_messages_releases_them() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/kill_sub");
    let mut holder = spawn(ENTRY, "holder", &env(domain, "/kill_sub"));
    holder.expect("ready");
    let publ = Publisher::new(
        &t,
        PublisherOptions {
            pool_size: 256 << 10,
            ..Default::default()
        },
    )
    .unwrap();
    for seq in 1..=10 {
        publ.publish_bytes(&payload(1, seq, 4096)).unwrap();
    }
    assert_eq!(holder.expect("holding"), "10");
    assert_eq!(
        publ.pool_stats().iter().map(|s| s.live_blocks).sum::<u64>(),
        10
    );
    holder.kill9();
    // Publishing goes on; the pool is reclaimed when it runs short, or explicitly.
    for seq in 11..=1000 {
        publ.publish_bytes(&payload(1, seq, 4096)).unwrap();
    }
    t.reclaim_dead_endpoints();
    let st = t.stats();
    assert_eq!(
        (st.publishers, st.subscribers, st.live_samples),
        (1, 0, 0),
        "{st:?}"
    );
    assert_eq!(
        publ.pool_stats().iter().map(|s| s.live_blocks).sum::<u64>(),
        0,
        "held blocks not reclaimed"
    );
    drop((publ, t, p));
    finish(domain, vec![]);
}

#[test]
fn copy_once_per_domain_across_processes() {
    let domain = unique_domain();
    let mut peers = Vec::new();
    for sub_domain in ["emulated:0", "emulated:0", "host"] {
        let mut e = env(domain, "/copy");
        e.extend([
            ("SUB_DOMAIN", sub_domain.into()),
            ("DEPTH", "200".into()),
            ("EXPECT", "100".into()),
        ]);
        let mut s = spawn(ENTRY, "subscriber", &e);
        s.expect("ready");
        peers.push(s);
    }
    let (p, t) = open(domain, "/copy");
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    for seq in 1..=100 {
        publ.publish_bytes(&payload(1, seq, 4096)).unwrap();
    }
    for s in &mut peers {
        assert_eq!(s.expect("got").split(',').count(), 100);
    }
    let st = t.stats();
    let emu = st
        .domains
        .iter()
        .find(|d| d.domain == Domain::emulated(0))
        .expect("emulated column");
    assert_eq!(
        (emu.copies, emu.bytes),
        (100, 100 * 4096),
        "exactly one copy per message into the domain: {st:?}"
    );
    let host = st
        .domains
        .iter()
        .find(|d| d.domain == Domain::HOST)
        .expect("host column");
    assert_eq!(host.copies, 0);
    drop((publ, t, p));
    finish(domain, peers);
}

#[test]
fn ros_domains_are_isolated() {
    let (a, b) = (unique_domain(), unique_domain());
    let (pb, tb) = open(b, "/iso");
    let sub = Subscriber::new(&tb, SubscriberOptions::default()).unwrap();
    let mut e = env(a, "/iso");
    e.extend([("PUB_ID", "1".into()), ("COUNT", "10".into())]);
    let mut publ = spawn(ENTRY, "publisher", &e);
    publ.expect("done");
    assert!(!sub.has_data());
    assert!(sub.take().unwrap().is_none());
    assert_eq!(tb.stats().publishers, 0);
    let mut g = spawn(ENTRY, "graph_node", &env(a, "/iso"));
    g.expect("registered");
    assert!(
        pb.graph().nodes.is_empty(),
        "domain {b} sees a node of domain {a}"
    );
    drop((sub, tb, pb));
    finish(a, vec![publ, g]);
    assert!(shm_objects(b).is_empty());
}

#[test]
fn graph_is_shared_and_wakes_listeners_and_forgets_killed_processes() {
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let l = p.listener().unwrap();
    l.set_graph_interest(true);
    let epoch = l.epoch();
    let mut g = spawn(ENTRY, "graph_node", &env(domain, "/graph"));
    g.expect("registered");
    assert!(
        l.wait(epoch, WAIT),
        "graph change did not wake the listener"
    );
    let snap = p.graph();
    assert_eq!(snap.nodes.len(), 1);
    assert_eq!(
        (
            snap.nodes[0].name.as_str(),
            snap.nodes[0].namespace.as_str()
        ),
        ("talker", "/demo")
    );
    assert_eq!(snap.endpoints.len(), 1);
    let ep = &snap.endpoints[0];
    assert_eq!(
        (ep.kind, ep.topic.as_str(), ep.type_name.as_str(), ep.gid),
        (
            EntryKind::Publisher,
            "/chatter",
            "std_msgs/msg/String",
            [7; 24]
        )
    );
    assert_eq!(ep.node_row, snap.nodes[0].row);
    g.kill9();
    let snap = p.graph();
    assert!(
        snap.nodes.is_empty() && snap.endpoints.is_empty(),
        "killed process still in graph: {snap:?}"
    );
    drop((l, p));
    finish(domain, vec![]);
}

#[test]
fn segments_are_owner_only() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/mode");
    let _publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    // Pools are created by the first loan.
    _publ.publish_bytes(b"x").unwrap();
    let objs = shm_objects(domain);
    assert!(objs.iter().any(|n| n.ends_with("registry")));
    assert!(objs.iter().any(|n| n.contains("_topic_")));
    assert!(objs.iter().any(|n| n.contains("_arena_")));
    for n in &objs {
        assert_eq!(os::shm_file::mode(n).unwrap(), 0o600, "{n}");
    }
    drop((_publ, t, p));
    finish(domain, vec![]);
}

fn read_at(name: &str, off: u64, len: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(shm_path(name)).unwrap();
    let mut v = vec![0; len];
    f.read_exact_at(&mut v, off).unwrap();
    v
}

#[test]
fn corrupt_segments_give_errors_not_crashes() {
    let domain = unique_domain();
    let (p, t) = open(domain, "/corrupt");
    let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    let topic_obj = t.segment_name().to_owned();

    // Header fields: magic, version, kind and size are all checked on open.
    for (off, garbage) in [
        (0u64, vec![0xAB; 8]),
        (8, vec![0xFF; 4]),
        (12, vec![3, 0, 0, 0]),
        (16, vec![1, 0, 0, 0, 0, 0, 0, 0]),
    ] {
        let saved = read_at(&topic_obj, off, garbage.len());
        write_at(&topic_obj, off, &garbage);
        let p2 = Participant::join(domain).unwrap();
        match p2.topic("/corrupt", &TypeInfo::named("test_msgs/msg/Bytes")) {
            Err(TopicOpenError::Segment(e)) => assert!(e.to_string().contains("corrupt"), "{e}"),
            other => panic!("corrupt header at {off} accepted: {other:?}"),
        }
        write_at(&topic_obj, off, &saved);
    }

    // A hostile pool header seen by another process: its take reports it, nothing crashes.
    let mut taker = spawn(ENTRY, "take_expect_corrupt", &env(domain, "/corrupt"));
    taker.expect("ready");
    publ.publish_bytes(&payload(1, 1, 256)).unwrap();
    let arena = shm_objects(domain)
        .into_iter()
        .find(|n| n.contains("_arena_"))
        .unwrap();
    let saved = read_at(&arena, 40, 8);
    write_at(&arena, 40, &[0xEE; 8]); // the arena id no longer matches its name
    taker.send("go");
    let verdict = taker.expect("verdict");
    assert!(
        verdict.starts_with("corrupt") && verdict.contains("arena id"),
        "{verdict}"
    );
    write_at(&arena, 40, &saved);
    taker.send("exit");
    taker.join();
    // A smashed block header is caught by the owner's allocator, the only code that reads it.
    let saved = read_at(&arena, 4096, 64);
    write_at(&arena, 4096, &[0x5A; 64]);
    // (A loan that needs the whole first pool, so the allocator reads that header.)
    match publ.loan(hazcat_core::topic::FIRST_POOL - 128) {
        Err(LoanError::Alloc(alloc::AllocError::Segment(e))) => {
            assert!(e.to_string().contains("invalid"), "{e}")
        }
        other => panic!("corrupt block header accepted: {other:?}"),
    }
    write_at(&arena, 4096, &saved);
    drop(sub.take().unwrap());
    // Once repaired, another process opens the topic normally.
    let mut child = spawn(ENTRY, "open_only", &env(domain, "/corrupt"));
    child.expect("opened");
    drop((sub, publ, t, p));
    finish(domain, vec![child]);
}

#[test]
fn last_process_exiting_without_cleanup_leaves_nothing() {
    let domain = unique_domain();
    let mut child = spawn(ENTRY, "exit_without_cleanup", &env(domain, "/leaky"));
    child.expect("published");
    child.join();
    let left = shm_objects(domain);
    assert!(left.is_empty(), "an exiting last process left: {left:?}");
}
