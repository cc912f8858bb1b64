//! Single-process behaviour: allocator contract, copy-once between domains, and the listener's
//! wake-up guarantees (many topics plus guard conditions, no lost wake-ups).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{shm_objects, unique_domain};
use hazcat_core::alloc::{self, AllocError, Allocator, Arena, BlockError};
use hazcat_core::*;

#[test]
fn arena_variable_sizes_refcounts_and_reuse() {
    let domain = unique_domain();
    let a = Arena::create(domain, Domain::HOST, 64 << 10).unwrap();
    let sizes = [1usize, 63, 64, 65, 1000, 4096, 10_000];
    let blocks: Vec<_> = sizes.iter().map(|&n| a.allocate(n).unwrap()).collect();
    for (b, &n) in blocks.iter().zip(&sizes) {
        assert_eq!(b.len as usize, n);
        assert_eq!(b.offset % 64, 0, "payloads are 64-byte aligned");
        a.copy_to(*b, &vec![n as u8; n]).unwrap();
    }
    // No two live blocks overlap: each still holds its own bytes.
    for (b, &n) in blocks.iter().zip(&sizes) {
        let mut out = vec![0; n];
        a.copy_from(*b, &mut out).unwrap();
        assert!(out.iter().all(|&x| x == n as u8));
    }
    assert_eq!(a.stats().live_blocks, sizes.len() as u64);
    // Shared blocks are freed by the last reference only.
    a.make_shared(blocks[0], 2).unwrap();
    assert!(!a.release(blocks[0]).unwrap());
    assert!(a.release(blocks[0]).unwrap());
    assert!(matches!(
        a.release(blocks[0]),
        Err(BlockError::BadState { .. })
    ));
    for b in &blocks[1..] {
        a.free_held(*b).unwrap();
    }
    assert_eq!(a.stats().live_blocks, 0);
    // Freed space coalesces: one allocation of nearly the whole arena fits again.
    let big = a.allocate(60 << 10).unwrap();
    assert!(matches!(
        a.allocate(8 << 10),
        Err(AllocError::OutOfMemory { .. })
    ));
    assert!(matches!(
        a.allocate(1 << 20),
        Err(AllocError::TooLarge { .. })
    ));
    a.free_held(big).unwrap();
    // Garbage offsets are rejected, never dereferenced.
    for off in [0, 1, 4096, 4160 + 8, u64::MAX, 1 << 40] {
        assert!(a.block_at(off).is_err(), "offset {off:#x} accepted");
    }
    // Another mapping of the same pool (as another process would see it) may not allocate.
    let other = Arena::open(domain, a.id()).unwrap();
    assert!(matches!(other.allocate(10), Err(AllocError::NotOwner)));
    a.unlink();
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn copy_between_domains_with_copy_from_copy_to_and_copy() {
    let domain = unique_domain();
    let host = Arena::create(domain, Domain::HOST, 1 << 20).unwrap();
    let emu = Arena::create(domain, Domain::emulated(0), 1 << 20).unwrap();
    let src = host.allocate(5000).unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7) as u8).collect();
    host.copy_to(src, &data).unwrap();
    let dst = emu.allocate(5000).unwrap();
    assert_eq!(alloc::copy(&host, src, &emu, dst).unwrap(), 5000);
    let mut back = vec![0; 5000];
    emu.copy_from(dst, &mut back).unwrap();
    assert_eq!(back, data);
    let short = emu.allocate(10).unwrap();
    assert!(alloc::copy(&host, src, &emu, short).is_err());
    host.unlink();
    emu.unlink();
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn copy_once_per_domain_and_zero_copy_in_the_same_domain() {
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let t = p.topic("/in_process", &TypeInfo::named("x/msg/Y")).unwrap();
    let host_sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
    let emu: Vec<_> = (0..3)
        .map(|_| {
            Subscriber::new(
                &t,
                SubscriberOptions {
                    domain: Domain::emulated(0),
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    let mut loan = publ.loan(5).unwrap();
    loan.as_mut_slice().unwrap().copy_from_slice(b"hello");
    let loan_ptr = loan.as_ptr() as *const u8;
    publ.publish(loan).unwrap();
    let a = host_sub.take().unwrap().unwrap();
    assert_eq!(
        a.as_ptr(),
        loan_ptr,
        "same-domain take is the publisher's own bytes"
    );
    assert!(!a.info().copied);
    let got: Vec<_> = emu.iter().map(|s| s.take().unwrap().unwrap()).collect();
    assert_eq!(
        got.iter().filter(|m| m.info().copied).count(),
        1,
        "exactly one taker copies"
    );
    assert!(got
        .iter()
        .all(|m| m.bytes() == Some(&b"hello"[..]) && m.as_ptr() == got[0].as_ptr()));
    assert_ne!(got[0].as_ptr(), loan_ptr);
    assert_eq!(t.stats().total_copies(), 1);
    drop((a, got));
    assert_eq!(t.stats().live_samples, 0);
    drop((host_sub, emu, publ, t, p));
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn listener_waits_on_many_topics_and_guard_conditions() {
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let ty = TypeInfo::named("x/msg/Y");
    let topics: Vec<_> = (0..4)
        .map(|i| p.topic(&format!("/t{i}"), &ty).unwrap())
        .collect();
    let subs: Vec<_> = topics
        .iter()
        .map(|t| Subscriber::new(t, SubscriberOptions::default()).unwrap())
        .collect();
    let pubs: Vec<_> = topics
        .iter()
        .map(|t| Publisher::new(t, PublisherOptions::default()).unwrap())
        .collect();
    let l = p.listener().unwrap();
    for s in &subs {
        s.attach(&l);
    }
    let gc = Arc::new(GuardCondition::new());
    gc.attach(&l.waker());
    // Nothing ready: a bounded wait returns false.
    let e = l.epoch();
    assert!(!l.wait(e, Some(Duration::from_millis(1))));
    // Each topic wakes the same listener.
    for (i, publ) in pubs.iter().enumerate() {
        let e = l.epoch();
        publ.publish_bytes(&[i as u8]).unwrap();
        assert!(l.wait(e, Some(Duration::from_secs(60))));
        assert!(subs[i].has_data());
        assert_eq!(
            subs[i].take().unwrap().unwrap().bytes(),
            Some(&[i as u8][..])
        );
    }
    // A guard condition triggered from another thread wakes it too.
    let e = l.epoch();
    let g2 = gc.clone();
    let t = std::thread::spawn(move || g2.trigger());
    assert!(l.wait(e, Some(Duration::from_secs(60))));
    t.join().unwrap();
    assert!(gc.take());
    assert!(!gc.take());
    drop((subs, pubs, topics, l, p));
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn no_lost_wakeups_under_a_racing_publisher() {
    const N: u32 = 20_000;
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let t = p.topic("/race", &TypeInfo::named("x/msg/Y")).unwrap();
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
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    // The publisher thread sends one message per token, so queues never overflow; a lost
    // wake-up would leave the waiter blocked forever (caught by the generous timeout).
    let (tx, rx) = std::sync::mpsc::sync_channel::<()>(0);
    let h = std::thread::spawn(move || {
        for i in 0..N {
            rx.recv().unwrap();
            publ.publish_bytes(&i.to_le_bytes()).unwrap();
        }
    });
    for i in 0..N {
        tx.send(()).unwrap();
        loop {
            let e = l.epoch();
            if let Some(m) = sub.take().unwrap() {
                assert_eq!(m.bytes().unwrap(), i.to_le_bytes());
                break;
            }
            assert!(
                l.wait(e, Some(Duration::from_secs(60))),
                "lost wake-up at message {i}"
            );
        }
    }
    h.join().unwrap();
    drop((sub, l, t, p));
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn endpoints_are_never_created_in_a_closed_queue() {
    let domain = unique_domain();
    let ty = TypeInfo::named("x/msg/Y");
    let p = Participant::join(domain).unwrap();
    let t = p.topic("/reopen", &ty).unwrap();
    drop(Publisher::new(&t, PublisherOptions::default()).unwrap());
    // The last endpoint closed and unlinked the queue; the stale handle refuses new endpoints.
    assert!(t.is_closed());
    assert!(matches!(
        Subscriber::new(&t, SubscriberOptions::default()),
        Err(EndpointError::TopicClosed)
    ));
    // Opening again yields a live queue that other participants find.
    let sub = p
        .subscriber("/reopen", &ty, SubscriberOptions::default())
        .unwrap();
    assert!(!Arc::ptr_eq(sub.topic(), &t));
    let other = Participant::join(domain).unwrap();
    let publ = other
        .publisher("/reopen", &ty, PublisherOptions::default())
        .unwrap();
    publ.publish_bytes(b"x").unwrap();
    assert_eq!(sub.take().unwrap().unwrap().bytes(), Some(&b"x"[..]));
    // Same name, another type: a separate queue, not an error.
    let other_type = p
        .subscriber(
            "/reopen",
            &TypeInfo::named("x/msg/Z"),
            SubscriberOptions::default(),
        )
        .unwrap();
    assert!(!other_type.has_data());
    drop((sub, publ, other_type, other, t, p));
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn incompatible_qos_pairs_receive_nothing() {
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let ty = TypeInfo::named("x/msg/Y");
    let reliable_sub = p
        .subscriber(
            "/qos",
            &ty,
            SubscriberOptions {
                reliable: true,
                ..Default::default()
            },
        )
        .unwrap();
    let best_effort_sub = p
        .subscriber("/qos", &ty, SubscriberOptions::default())
        .unwrap();
    let durable_sub = p
        .subscriber(
            "/qos",
            &ty,
            SubscriberOptions {
                transient_local: true,
                ..Default::default()
            },
        )
        .unwrap();
    let best_effort_pub = p
        .publisher(
            "/qos",
            &ty,
            PublisherOptions {
                reliable: false,
                ..Default::default()
            },
        )
        .unwrap();
    best_effort_pub.publish_bytes(b"be").unwrap();
    assert!(
        !reliable_sub.has_data(),
        "best effort must not reach a reliable subscriber"
    );
    assert!(
        !durable_sub.has_data(),
        "volatile must not reach a transient-local subscriber"
    );
    assert_eq!(
        best_effort_sub.take().unwrap().unwrap().bytes(),
        Some(&b"be"[..])
    );
    let reliable_pub = p
        .publisher(
            "/qos",
            &ty,
            PublisherOptions {
                reliable: true,
                ..Default::default()
            },
        )
        .unwrap();
    reliable_pub.publish_bytes(b"rel").unwrap();
    assert_eq!(
        reliable_sub.take().unwrap().unwrap().bytes(),
        Some(&b"rel"[..])
    );
    assert_eq!(
        best_effort_sub.take().unwrap().unwrap().bytes(),
        Some(&b"rel"[..])
    );
    assert!(!durable_sub.has_data());
    let durable_pub = p
        .publisher(
            "/qos",
            &ty,
            PublisherOptions {
                transient_local: true,
                depth: 2,
                ..Default::default()
            },
        )
        .unwrap();
    durable_pub.publish_bytes(b"tl").unwrap();
    assert_eq!(
        durable_sub.take().unwrap().unwrap().bytes(),
        Some(&b"tl"[..])
    );
    drop((
        reliable_sub,
        best_effort_sub,
        durable_sub,
        best_effort_pub,
        reliable_pub,
        durable_pub,
        p,
    ));
    assert!(shm_objects(domain).is_empty());
}

#[test]
fn timed_qos_filter_lifespan_and_publication_rows() {
    let domain = unique_domain();
    let p = Participant::join(domain).unwrap();
    let ty = TypeInfo::named("test/msg/Timed");
    let timed = |deadline_ns, lease_ns, manual_liveliness| hazcat_core::topic::TimedQos {
        deadline_ns,
        lease_ns,
        manual_liveliness,
    };
    // Requests a 1 ms deadline and manual liveliness with a 1 s lease.
    let demanding = p
        .subscriber(
            "/timed",
            &ty,
            SubscriberOptions {
                timed: timed(1_000_000, 1_000_000_000, true),
                ..Default::default()
            },
        )
        .unwrap();
    let relaxed = p
        .subscriber("/timed", &ty, SubscriberOptions::default())
        .unwrap();
    let plain = p
        .publisher("/timed", &ty, PublisherOptions::default())
        .unwrap();
    // Offers all of it, and more (shorter deadline and lease); messages expire at once.
    let strict = p
        .publisher(
            "/timed",
            &ty,
            PublisherOptions {
                timed: timed(500_000, 10_000_000, true),
                lifespan_ns: 1,
                ..Default::default()
            },
        )
        .unwrap();
    plain.publish_bytes(b"plain").unwrap();
    assert!(!demanding.has_data(), "requests not met: not delivered");
    assert_eq!(
        relaxed.take().unwrap().unwrap().bytes(),
        Some(&b"plain"[..])
    );
    // Only the strict publisher delivers to the demanding subscriber, and its row shows it.
    let pubs = demanding.publications(true);
    assert_eq!(pubs.len(), 1);
    assert_eq!(pubs[0].gid, strict.gid());
    assert_eq!(pubs[0].last_publish_ns, 0);
    assert!(pubs[0].manual_liveliness && pubs[0].process_alive);
    assert_eq!(pubs[0].lease_ns, 10_000_000);
    let created = pubs[0].last_assert_ns;
    assert!(created > 0, "creation asserts liveliness");
    let ts = created + 1_000;
    let loan = strict.loan(3).unwrap();
    strict.publish_with_timestamp(loan, ts).unwrap();
    let pubs = demanding.publications(false);
    assert_eq!((pubs[0].last_publish_ns, pubs[0].last_assert_ns), (ts, ts));
    // Queued in both, expired (1 ns lifespan) before any take: dropped, and counted nowhere.
    assert_eq!((demanding.queued(), relaxed.queued()), (1, 1));
    assert!(demanding.take().unwrap().is_none());
    assert!(relaxed.take().unwrap().is_none());
    assert_eq!(demanding.delivered(), 1);
    strict.assert_liveliness();
    assert!(demanding.publications(false)[0].last_assert_ns >= created);
    drop((demanding, relaxed, plain, strict, p));
    assert!(shm_objects(domain).is_empty());
}
