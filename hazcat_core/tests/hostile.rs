//! Hostile and container environments, every peer a separate process: kernel-tracked liveness
//! across PID namespaces, forged lock words, scribbled ring indices, prompt reclamation of
//! departed participants. Pipes synchronise; nothing sleeps or measures time.

mod common;

use common::*;
use hazcat_core::*;

const ENTRY: &str = "hostile_child";
const TYPE: &str = TEST_TYPE;
/// Bounded lock wait given to children that are expected to give up on a live holder.
const SHORT_LOCK_WAIT: (&str, &str) = ("HAZCAT_LOCK_TIMEOUT_MS", "300");

/// Publishes one message and takes it back; the outcome as one line.
fn round_trip(publ: &Publisher, sub: &Subscriber) -> String {
    let mut loan = match publ.loan(8) {
        Ok(l) => l,
        Err(e) => return format!("err {e}"),
    };
    loan.as_mut_slice().unwrap().copy_from_slice(b"hostile!");
    if let Err(e) = publ.publish(loan) {
        return format!("err {e}");
    }
    match sub.take() {
        Ok(Some(m)) if m.bytes() == Some(&b"hostile!"[..]) => "ok".into(),
        Ok(other) => format!("err took {:?}", other.map(|m| m.info().sequence)),
        Err(e) => format!("err {e}"),
    }
}

/// Ends this process with SIGKILL (no destructor, no exit hook runs).
fn kill_self() -> ! {
    // SAFETY: signalling our own process; no memory is involved.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    unreachable!("SIGKILL is not catchable");
}

/// Serves `sweep`, `die` and `exit` lines until `exit`.
fn serve(p: &Participant, t: Option<&Topic>) {
    loop {
        match listen().as_str() {
            "sweep" => say(format!(
                "swept {} {}",
                p.sweep_dead(),
                t.map_or(0, |t| t.reclaim_dead_endpoints())
            )),
            "die" => kill_self(),
            "exit" | "" => return,
            other => panic!("unknown command {other}"),
        }
    }
}

#[test]
#[ignore = "child process entry point; run by the other tests"]
fn hostile_child() {
    let Some(role) = role() else { return };
    let domain: u32 = arg("DOMAIN");
    let topic: String = arg("TOPIC");
    match role.as_str() {
        "idle" => {
            let p = Participant::join(domain).expect("join");
            say(format!("slot {}", p.slot()));
            serve(&p, None);
        }
        "joiner" => match Participant::join(domain) {
            Ok(p) => {
                say("joined");
                drop(p);
            }
            Err(e) => say(format!("join-err {e}")),
        },
        "ns_sub" => {
            let (p, t) = open(domain, &topic);
            let sub = Subscriber::new(
                &t,
                SubscriberOptions {
                    depth: 64,
                    ..Default::default()
                },
            )
            .unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            say("ready");
            let expect: u32 = arg("EXPECT");
            for i in 1..=expect {
                let m = take_blocking(&sub, &l);
                assert_eq!(m.bytes().unwrap(), &i.to_le_bytes()[..]);
            }
            say(format!("got {expect}"));
            serve(&p, Some(&t));
        }
        "ns_pub" => {
            let (p, t) = open(domain, &topic);
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            say("ready");
            assert_eq!(listen(), "go");
            let count: u32 = arg("COUNT");
            for i in 1..=count {
                let mut loan = publ.loan(4).unwrap();
                loan.as_mut_slice()
                    .unwrap()
                    .copy_from_slice(&i.to_le_bytes());
                publ.publish(loan).unwrap();
            }
            say("published");
            serve(&p, Some(&t));
        }
        "pubsub" => {
            let (p, t) = open(domain, &topic);
            let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            say(format!("ready {}", p.slot()));
            loop {
                match listen().as_str() {
                    "publish" => say(round_trip(&publ, &sub)),
                    "exit" | "" => break,
                    other => panic!("unknown command {other}"),
                }
            }
        }
        "waiter" => {
            // Blocks on its listener with no timeout until something wakes it.
            let (p, t) = open(domain, &topic);
            let sub = Subscriber::new(&t, SubscriberOptions::default()).unwrap();
            let l = p.listener().unwrap();
            sub.attach(&l);
            let epoch = l.epoch();
            say("waiting");
            l.wait(epoch, None);
            say("woke");
            let _ = listen();
        }
        "short" => short_lived(domain, &topic),
        "pool_creator" => {
            // With HAZCAT_TEST_HOLD_NEW_POOL set, the first loan creates the publisher's pool,
            // says so and blocks before registering it in the topic.
            let (_p, t) = open(domain, &topic);
            let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
            say("ready");
            let _ = publ.loan(8);
            unreachable!("the pool hook blocks");
        }
        "history_holder" => {
            let (_p, t) = open(domain, &topic);
            let publ = Publisher::new(
                &t,
                PublisherOptions {
                    transient_local: true,
                    depth: 1,
                    ..Default::default()
                },
            )
            .unwrap();
            publ.publish_bytes(b"kept").unwrap();
            say("ready");
            // Touches nothing until killed: its mappings may be truncated meanwhile.
            let _ = listen();
            kill_self();
        }
        "opener" => {
            let outcome = (|| -> Result<String, Box<dyn std::error::Error>> {
                let (_p, t) = (|| -> Result<_, Box<dyn std::error::Error>> {
                    let p = Participant::join(domain)?;
                    let t = p.topic(&topic, &TypeInfo::named(TYPE))?;
                    Ok((p, t))
                })()?;
                let sub = Subscriber::new(
                    &t,
                    SubscriberOptions {
                        transient_local: true,
                        depth: 1,
                        ..Default::default()
                    },
                )?;
                Ok(match sub.take()? {
                    Some(m) => format!("took {:?}", m.bytes()),
                    None => "empty".into(),
                })
            })();
            say(match outcome {
                Ok(s) => s,
                Err(e) => format!("error {e}"),
            });
        }
        other => panic!("unknown role {other}"),
    }
}

/// A short-lived participant (think `ros2 topic echo`): its own queue (like a service request
/// queue named after its pid) with a publisher and a subscriber, plus a subscription to the
/// long-lived peer's topic where it holds a taken message and leaves one queued. Then it ends
/// as `MODE` says: `clean` (drops everything), `exit` (process exit without dropping: only the
/// exit hook runs) or `kill` (waits for SIGKILL).
fn short_lived(domain: u32, shared: &str) {
    let p = Participant::join(domain).expect("join");
    let own = p
        .topic(
            &format!("@rq:/_cli_{}", std::process::id()),
            &TypeInfo::named(TYPE),
        )
        .unwrap();
    let own_sub = Subscriber::new(&own, SubscriberOptions::default()).unwrap();
    let own_pub = Publisher::new(&own, PublisherOptions::default()).unwrap();
    own_pub.publish_bytes(b"to myself").unwrap();
    let t = p.topic(shared, &TypeInfo::named(TYPE)).unwrap();
    let sub = Subscriber::new(
        &t,
        SubscriberOptions {
            depth: 4,
            ..Default::default()
        },
    )
    .unwrap();
    let l = p.listener().unwrap();
    sub.attach(&l);
    say("ready");
    assert_eq!(listen(), "go");
    let held = take_blocking(&sub, &l);
    match arg::<String>("MODE").as_str() {
        "clean" => {
            drop((held, sub, l, t, own_sub, own_pub, own, p));
            say("done");
        }
        "exit" => {
            say("holding");
            std::process::exit(0);
        }
        "kill" => {
            say("holding");
            let _ = listen();
            unreachable!("killed before");
        }
        other => panic!("unknown mode {other}"),
    }
}

/// Whether this sandbox lets us create PID namespaces; prints what `unshare` said if not.
fn pid_namespaces_available() -> bool {
    match std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "true"])
        .output()
    {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            println!(
                "SKIPPED: unshare --pid --fork --mount-proc refused: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            false
        }
        Err(e) => {
            println!("SKIPPED: cannot run unshare: {e}");
            false
        }
    }
}

/// Runs the child in a fresh PID namespace (with its own /proc). A shell stays PID 1 so the
/// child, PID 2, can be SIGKILLed from inside; `unshare` exits when the child has.
const IN_NEW_PID_NS: &[&str] = &[
    "unshare",
    "--pid",
    "--fork",
    "--mount-proc",
    "sh",
    "-c",
    "\"$0\" \"$@\"; exit $?",
];

#[test]
fn peers_in_separate_pid_namespaces_exchange_messages_and_keep_each_other() {
    if !pid_namespaces_available() {
        return;
    }
    let domain = unique_domain();
    let topic = "/hostile/ns";
    let mut sub_env = env(domain, topic);
    sub_env.push(("EXPECT", "50".into()));
    let mut sub = spawn_wrapped(IN_NEW_PID_NS, ENTRY, "ns_sub", &sub_env);
    sub.expect("ready");
    let mut pub_env = env(domain, topic);
    pub_env.push(("COUNT", "50".into()));
    let mut publ = spawn_wrapped(IN_NEW_PID_NS, ENTRY, "ns_pub", &pub_env);
    publ.expect("ready");
    // A third participant, in this test's own PID namespace.
    let (me, t) = open(domain, topic);
    assert_eq!(
        me.sweep_dead(),
        0,
        "a peer in another PID namespace was evicted"
    );
    publ.send("go");
    publ.expect("published");
    assert_eq!(sub.expect("got"), "50");
    // Neither side judges the other (nor us) dead; nor do we judge them.
    sub.send("sweep");
    assert_eq!(sub.expect("swept"), "0 0");
    publ.send("sweep");
    assert_eq!(publ.expect("swept"), "0 0");
    assert_eq!(me.sweep_dead(), 0);
    assert_eq!(t.reclaim_dead_endpoints(), 0);
    let st = t.stats();
    assert_eq!((st.publishers, st.subscribers), (1, 1));
    // A killed peer in another namespace is detected dead, and what it held is reclaimed.
    publ.send("die");
    let status = publ.wait_any();
    assert!(!status.success(), "the publisher was to be killed");
    assert_eq!(me.sweep_dead(), 1);
    t.reclaim_dead_endpoints();
    assert_eq!(t.stats().publishers, 0);
    sub.send("sweep");
    assert_eq!(sub.expect("swept"), "0 0");
    sub.send("exit");
    sub.join();
    drop(t);
    drop(me);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn killed_peer_is_detected_dead() {
    let domain = unique_domain();
    let mut idle = spawn(ENTRY, "idle", &env(domain, "/unused"));
    idle.expect("slot");
    let me = Participant::join(domain).unwrap();
    assert_eq!(me.sweep_dead(), 0, "a live peer was judged dead");
    let before = me.graph_generation();
    idle.kill9();
    assert_eq!(me.sweep_dead(), 1, "a killed peer was not detected dead");
    assert_ne!(me.graph_generation(), before);
    assert_eq!(me.sweep_dead(), 0);
    drop(me);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

/// Offset of the lock word in both the registry and topic objects (first word of the header).
const LOCK_OFF: u64 = 64;

fn write_u32(name: &str, off: u64, v: u32) {
    write_at(name, off, &v.to_ne_bytes());
}

fn write_u64(name: &str, off: u64, v: u64) {
    write_at(name, off, &v.to_ne_bytes());
}

fn topic_object(domain: u32, topic: &str) -> String {
    naming::topic(domain, &format!("{topic}\n{TYPE}"))
}

/// The thread id of a thread of this process that stays alive while the returned sender lives.
fn live_foreign_thread() -> (u32, std::sync::mpsc::Sender<()>) {
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        tid_tx.send(unsafe { libc::gettid() } as u32).unwrap();
        let _ = stop_rx.recv();
    });
    (tid_rx.recv().unwrap(), stop_tx)
}

#[test]
fn forged_lock_words_never_hang_a_publisher_or_a_joiner() {
    let domain = unique_domain();
    let topic = "/hostile/lock";
    let mut e = env(domain, topic);
    e.push((SHORT_LOCK_WAIT.0, SHORT_LOCK_WAIT.1.into()));
    let mut pubsub = spawn(ENTRY, "pubsub", &e);
    let pubsub_slot: u32 = pubsub.expect("ready").parse().unwrap();
    let mut idle = spawn(ENTRY, "idle", &e);
    let idle_slot: u32 = idle.expect("slot").parse().unwrap();
    let topic_obj = topic_object(domain, topic);
    let idle_incarnation = 1;
    let registry_obj = naming::registry(domain);
    let live_slots = [pubsub_slot, idle_slot];

    // 1. The word holds the id of a live thread of another process (what a thread-id based lock
    //    would trust forever). It names no live participant slot unless by coincidence of bits,
    //    in which case the bounded wait applies.
    let (tid, stop) = live_foreign_thread();
    write_u32(&topic_obj, LOCK_OFF, tid);
    pubsub.send("publish");
    let outcome = pubsub.recv();
    // A holder is live only if both its slot and that slot's incarnation (1: each slot was
    // claimed once in this fresh domain) match a live participant.
    let forged = sync::Holder::of(tid);
    let names_live_holder =
        forged.slot.is_some_and(|s| live_slots.contains(&s)) && forged.incarnation == 1;
    if names_live_holder {
        assert!(outcome.contains(&topic_obj), "{outcome}");
    } else {
        assert_eq!(outcome, "ok", "garbage holder not recovered");
    }
    write_u32(&topic_obj, LOCK_OFF, 0);
    drop(stop);

    // 2. The word names a live participant (another process) that never releases it: the
    //    publisher gives up with an error naming the object instead of hanging.
    write_u32(
        &topic_obj,
        LOCK_OFF,
        sync::holder_word(idle_slot, idle_incarnation),
    );
    pubsub.send("publish");
    let outcome = pubsub.recv();
    assert!(
        outcome.starts_with("err") && outcome.contains(&topic_obj),
        "{outcome}"
    );
    // ... and a new joiner facing the same on the registry lock.
    write_u32(
        &registry_obj,
        LOCK_OFF,
        sync::holder_word(idle_slot, idle_incarnation),
    );
    let mut joiner = spawn(ENTRY, "joiner", &e);
    let outcome = joiner.recv();
    assert!(
        outcome.starts_with("join-err") && outcome.contains(&registry_obj),
        "{outcome}"
    );
    joiner.join();

    // 3. Once that holder dies, both locks are recovered.
    idle.kill9();
    pubsub.send("publish");
    assert_eq!(pubsub.recv(), "ok");
    let mut joiner = spawn(ENTRY, "joiner", &e);
    assert_eq!(joiner.recv(), "joined");
    joiner.join();
    pubsub.send("exit");
    pubsub.join();
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

/// Byte offset of endpoint row `row`'s ring head (tail follows) in a topic object.
fn ring_head_off(row: u64) -> u64 {
    // ENDPOINTS_OFF (4096) + row * size_of::<EndpointRow>() (192); head is the first field.
    4096 + row * 192
}

/// Depth of the `pubsub` role's subscriber (the default).
const SUB_DEPTH: usize = 10;

#[test]
fn scribbled_ring_indices_never_hang_a_publisher() {
    let domain = unique_domain();
    let topic = "/hostile/ring";
    let mut pubsub = spawn(ENTRY, "pubsub", &env(domain, topic));
    pubsub.expect("ready");
    pubsub.send("publish");
    assert_eq!(pubsub.recv(), "ok");
    let obj = topic_object(domain, topic);
    // Row 0 is the subscriber (created first), row 1 the publisher.
    let cases: [(u64, u64); 4] = [
        (0, u64::MAX / 2),
        (u64::MAX - 3, 5),
        (1 << 40, 0),
        (7, 7 + (1 << 20)),
    ];
    for (head, tail) in cases {
        write_u64(&obj, ring_head_off(0), head);
        write_u64(&obj, ring_head_off(0) + 8, tail);
        // Every round trip answers (no hang); within one queue's worth of rounds (stale entries
        // a plausible-looking ring still shows are drained) the queue works again.
        let mut outcomes = Vec::new();
        for _ in 0..=SUB_DEPTH + 1 {
            pubsub.send("publish");
            let outcome = pubsub.recv();
            assert!(
                outcome == "ok" || outcome.starts_with("err"),
                "head {head} tail {tail}: {outcome}"
            );
            let ok = outcome == "ok";
            outcomes.push(outcome);
            if ok {
                break;
            }
        }
        assert_eq!(
            outcomes.last().map(String::as_str),
            Some("ok"),
            "head {head} tail {tail}: not recovered: {outcomes:?}"
        );
    }
    pubsub.send("exit");
    pubsub.join();
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn scribbled_block_sizes_give_errors_not_hangs() {
    let domain = unique_domain();
    let topic = "/hostile/arena";
    let mut pubsub = spawn(ENTRY, "pubsub", &env(domain, topic));
    pubsub.expect("ready");
    pubsub.send("publish");
    assert_eq!(pubsub.recv(), "ok");
    let arenas: Vec<String> = shm_objects(domain)
        .into_iter()
        .filter(|n| n.contains("_arena_"))
        .collect();
    assert!(!arenas.is_empty());
    // The first block header starts at 4096; its size field at +16. Zero would stall a walk that
    // trusted it; a huge value would run off the end.
    for size in [0u64, 64, u64::MAX - 63, 1 << 40] {
        for a in &arenas {
            write_u64(a, 4096 + 16, size);
        }
        for _ in 0..3 {
            pubsub.send("publish");
            let outcome = pubsub.recv();
            assert!(
                outcome == "ok" || outcome.starts_with("err"),
                "size {size}: {outcome}"
            );
        }
    }
    pubsub.send("exit");
    pubsub.join();
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn departed_participants_are_reclaimed_while_others_live() {
    const RUNS: usize = 50;
    let domain = unique_domain();
    let shared = "/hostile/long_lived";
    let me = Participant::join(domain).unwrap();
    let t = me.topic(shared, &TypeInfo::named(TYPE)).unwrap();
    let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
    // Pools are created by the first loan: make the long-lived publisher's part of the baseline.
    publ.publish_bytes(b"zero").unwrap();
    let baseline = shm_objects(domain).len();
    // What one run may leave until the next join, leave or sweep: its own queue and pools.
    let mut one_run = 0;
    for i in 0..RUNS {
        let mode = ["clean", "exit", "kill"][i % 3];
        let mut e = env(domain, shared);
        e.push(("MODE", mode.into()));
        let mut child = spawn(ENTRY, "short", &e);
        child.expect("ready");
        publ.publish_bytes(b"one").unwrap();
        publ.publish_bytes(b"two").unwrap();
        child.send("go");
        match mode {
            "clean" => {
                child.expect("done");
                child.join();
            }
            "exit" => {
                child.expect("holding");
                child.join();
            }
            _ => {
                child.expect("holding");
                child.kill9();
            }
        }
        let now = shm_objects(domain).len();
        if i == 1 {
            one_run = now - baseline;
        }
        assert!(
            now <= baseline + one_run.max(3),
            "run {i} ({mode}): {now} objects, baseline {baseline}: {:?}",
            shm_objects(domain)
        );
    }
    // The long-lived participant's next sweep reclaims the last run too.
    me.sweep_dead();
    assert_eq!(
        shm_objects(domain).len(),
        baseline,
        "{:?}",
        shm_objects(domain)
    );
    let st = t.stats();
    assert_eq!((st.publishers, st.subscribers), (1, 0));
    assert_eq!(st.live_samples, 0, "samples held by departed peers leaked");
    drop((publ, t, me));
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn pool_of_a_creator_killed_before_registering_it_is_reclaimed() {
    let domain = unique_domain();
    let topic = "/hostile/unregistered_pool";
    let me = Participant::join(domain).unwrap();
    let mut e = env(domain, topic);
    e.push(("HAZCAT_TEST_HOLD_NEW_POOL", "@@pool".into()));
    let mut creator = spawn(ENTRY, "pool_creator", &e);
    creator.expect("ready");
    let arena = creator.expect("pool");
    assert!(shm_objects(domain).contains(&arena), "{arena} not created");
    // A reclamation pass (a departed peer makes one due) while the creator lives and holds the
    // pool unregistered: the pool stays.
    let mut idle = spawn(ENTRY, "idle", &env(domain, topic));
    idle.expect("slot");
    idle.kill9();
    assert_eq!(me.sweep_dead(), 1);
    assert!(
        shm_objects(domain).contains(&arena),
        "the pool of a live creator was removed"
    );
    // Killed inside the window: the survivor's next sweep removes the pool (and the creator's
    // emptied queue) while the survivor lives on.
    creator.kill9();
    assert_eq!(me.sweep_dead(), 1);
    assert_eq!(
        shm_objects(domain),
        vec![naming::registry(domain)],
        "left behind by a creator killed before registering its pool"
    );
    drop(me);
    assert!(shm_objects(domain).is_empty(), "{:?}", shm_objects(domain));
}

#[test]
fn truncated_objects_give_openers_errors_not_sigbus() {
    for kind in ["registry", "topic", "arena"] {
        for cut in ["zero", "page", "half"] {
            let domain = unique_domain();
            let topic = "/hostile/truncated";
            let mut holder = spawn(ENTRY, "history_holder", &env(domain, topic));
            holder.expect("ready");
            let name = object_of(domain, kind);
            resize(&name, cut);
            let mut opener = spawn(ENTRY, "opener", &env(domain, topic));
            let outcome = opener.recv();
            assert!(
                outcome.starts_with("error") && outcome.contains(&name),
                "{kind} cut to {cut}: {outcome}"
            );
            // It reported an error and exited normally (no SIGBUS).
            opener.join();
            holder.kill9();
            for n in shm_objects(domain) {
                hazcat_core::os::shm_file::unlink(&n).unwrap();
            }
        }
    }
}

#[test]
fn truncated_objects_never_crash_or_hang_the_peers_that_map_them() {
    for kind in ["registry", "topic", "arena"] {
        for cut in ["zero", "page", "half"] {
            let domain = unique_domain();
            let topic = "/hostile/truncated_live";
            let mut peer = spawn(ENTRY, "pubsub", &env(domain, topic));
            peer.expect("ready");
            peer.send("publish");
            assert_eq!(peer.recv(), "ok", "{kind}/{cut}: before the cut");
            // A listener blocked with no timeout in the domain whose registry (where its wake-up
            // word lives) is cut.
            let mut waiter =
                (kind == "registry").then(|| spawn(ENTRY, "waiter", &env(domain, topic)));
            if let Some(w) = waiter.as_mut() {
                w.expect("waiting");
            }
            let name = object_of(domain, kind);
            resize(&name, cut);
            // Every call answers (a result or an error naming the damage), and keeps answering.
            let mut outcomes = Vec::new();
            for _ in 0..3 {
                peer.send("publish");
                let out = peer.recv();
                assert!(out == "ok" || out.starts_with("err"), "{kind}/{cut}: {out}");
                outcomes.push(out);
            }
            eprintln!("{kind} cut to {cut}: {outcomes:?}");
            if outcomes.iter().any(|o| o != "ok") {
                assert!(
                    outcomes.iter().any(|o| o.contains("truncated")
                        || o.contains("corrupt")
                        || o.contains("invalid")),
                    "{kind}/{cut}: errors do not say what happened: {outcomes:?}"
                );
            }
            peer.send("exit");
            // It exited normally: no SIGBUS.
            peer.join();
            // Wake-ups can no longer reach it: it notices the damage and returns instead of
            // sleeping forever.
            if let Some(mut w) = waiter {
                w.expect("woke");
                w.send("exit");
                w.join();
            }
            for n in shm_objects(domain) {
                hazcat_core::os::shm_file::unlink(&n).unwrap();
            }
        }
    }
}

/// The domain's object of `kind` (`registry`, `topic` or `arena`: its first match).
fn object_of(domain: u32, kind: &str) -> String {
    shm_objects(domain)
        .into_iter()
        .find(|n| n.contains(&format!("_{kind}")))
        .expect("object of that kind")
}

/// Sets the size of object `name` as another process could: `zero`, `page` (4 KiB), `half` or
/// `double` its size.
fn resize(name: &str, cut: &str) {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(shm_path(name))
        .unwrap();
    let len = f.metadata().unwrap().len();
    f.set_len(match cut {
        "zero" => 0,
        "page" => 4096,
        "half" => len / 2,
        "double" => len * 2,
        other => panic!("unknown cut {other}"),
    })
    .unwrap();
}

/// The byte ranges of `path` that hold data (tmpfs objects are sparse).
fn data_regions(path: &str) -> Vec<(u64, u64)> {
    use std::os::fd::AsRawFd;
    let f = std::fs::File::open(path).unwrap();
    let len = f.metadata().unwrap().len() as i64;
    let mut out = Vec::new();
    let mut at = 0i64;
    while at < len {
        // SAFETY: lseek on a file we opened; no memory is involved.
        let start = unsafe { libc::lseek(f.as_raw_fd(), at, libc::SEEK_DATA) };
        if start < 0 {
            break;
        }
        // SAFETY: as above.
        let end = unsafe { libc::lseek(f.as_raw_fd(), start, libc::SEEK_HOLE) };
        let end = if end < 0 { len } else { end };
        out.push((start as u64, end as u64));
        at = end;
    }
    out
}

/// Deterministic xorshift64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A random 8-aligned offset inside the data of the object (past its segment header).
    fn offset_in(&mut self, regions: &[(u64, u64)]) -> u64 {
        let (s, e) = regions[(self.next() % regions.len() as u64) as usize];
        let s = s.max(32);
        (s + self.next() % (e.saturating_sub(s).max(8))) & !7
    }
}

const CORRUPTIONS: [&str; 16] = [
    "truncate-zero",
    "truncate-page",
    "truncate-half",
    "grow",
    "zero-header",
    "bad-magic",
    "zero-table-header",
    "ff-table-header",
    "forged-lock",
    "huge-counts",
    "random-words",
    "ff-page",
    "zero-page",
    "random-page",
    "small-indices-page",
    "random-table-header",
];

/// Applies corruption `kind` to object `name` (seeded by `rng`).
fn corrupt(name: &str, kind: &str, rng: &mut Rng) {
    let regions = data_regions(&shm_path(name));
    let page_of = |rng: &mut Rng| rng.offset_in(&regions) & !4095;
    let fill = |off: u64, bytes: Vec<u8>| write_at(name, off, &bytes);
    match kind {
        "truncate-zero" => resize(name, "zero"),
        "truncate-page" => resize(name, "page"),
        "truncate-half" => resize(name, "half"),
        "grow" => resize(name, "double"),
        "zero-header" => fill(0, vec![0; 32]),
        "bad-magic" => fill(0, vec![0x5A; 8]),
        "zero-table-header" => fill(64, vec![0; 4096 - 64]),
        "ff-table-header" => fill(64, vec![0xFF; 4096 - 64]),
        "forged-lock" => write_u32(name, 64, 0x7FFF_FFFF),
        "huge-counts" => fill(64, [0xFF, 0xFF, 0xFF, 0x7F].repeat(64)),
        "random-words" => {
            for _ in 0..64 {
                let off = rng.offset_in(&regions);
                write_u64(name, off, rng.next());
            }
        }
        "ff-page" => fill(page_of(rng), vec![0xFF; 4096]),
        "zero-page" => fill(page_of(rng), vec![0; 4096]),
        "random-page" => {
            let off = page_of(rng);
            fill(off, (0..4096).map(|_| rng.next() as u8).collect())
        }
        "small-indices-page" => {
            let off = page_of(rng);
            fill(
                off,
                (0..1024)
                    .flat_map(|_| ((rng.next() % 16) as u32).to_le_bytes())
                    .collect(),
            )
        }
        "random-table-header" => fill(64, (0..4096 - 64).map(|_| rng.next() as u8).collect()),
        other => panic!("unknown corruption {other}"),
    }
}

/// The hostile-memory campaign: every corruption kind applied to the registry, a topic queue
/// and a pool while a publisher/subscriber process runs, then a new process joins and opens the
/// topic. Every process answers every request (a result or an error) and exits normally: no
/// SIGBUS, no hang, no panic. `HAZCAT_CAMPAIGN_ROUNDS` (default 3) seeds per kind and object.
#[test]
fn hostile_memory_campaign_gives_errors_never_crashes_or_hangs() {
    let rounds: u64 = std::env::var("HAZCAT_CAMPAIGN_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut trials = 0;
    let mut errors = 0;
    for object in ["registry", "topic", "arena"] {
        for (k, kind) in CORRUPTIONS.iter().enumerate() {
            for round in 0..rounds {
                let domain = unique_domain();
                let topic = "/hostile/campaign";
                let mut e = env(domain, topic);
                e.push((SHORT_LOCK_WAIT.0, SHORT_LOCK_WAIT.1.into()));
                let mut peer = spawn(ENTRY, "pubsub", &e);
                peer.expect("ready");
                peer.send("publish");
                assert_eq!(peer.recv(), "ok", "{object}/{kind}: before");
                let name = object_of(domain, object);
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ ((k as u64) << 32) ^ round ^ 1);
                corrupt(&name, kind, &mut rng);
                for _ in 0..2 {
                    peer.send("publish");
                    let out = peer.recv();
                    assert!(
                        out == "ok" || out.starts_with("err"),
                        "{object}/{kind}/{round}: {out}"
                    );
                    errors += usize::from(out != "ok");
                }
                let mut opener = spawn(ENTRY, "opener", &e);
                let out = opener.recv();
                assert!(
                    out.starts_with("took") || out == "empty" || out.starts_with("error"),
                    "{object}/{kind}/{round}: opener said {out}"
                );
                errors += usize::from(out.starts_with("error"));
                opener.join();
                peer.send("exit");
                peer.join();
                for n in shm_objects(domain) {
                    let _ = hazcat_core::os::shm_file::unlink(&n);
                }
                trials += 1;
            }
        }
    }
    eprintln!("campaign: {trials} trials, every process answered and exited normally; {errors} calls returned errors");
}
