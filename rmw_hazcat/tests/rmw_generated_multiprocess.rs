//! Separate processes with Debian's generated type supports (Humble layout): one publisher
//! process (LargeFixed through loans, Strings and Sequences by copy, C and C++ handles) and two
//! subscriber processes (mixed C / C++ handles) verify every message field by field, the
//! LargeFixed loans zero-copy across processes (the subscriber's loan is the same offset of the
//! same `/dev/shm` file as the publisher's). Then the publisher is SIGKILLed while streaming:
//! the subscribers' `rmw_count_publishers` drop to 0 and nothing of the domain is left in
//! `/dev/shm` at the end.
//!
//! Children re-execute this test binary with `HAZCAT_RMW_ROLE` set; synchronisation uses pipes
//! and `rmw_wait`, never sleeps (wait timeouts only turn a hang into a failure).
//!
//! Needs `scripts/build_test_msgs.sh` and `ROS_DISTRO=humble`; otherwise the test prints
//! `SKIPPED: ...` (and fails with `HAZCAT_REQUIRE_TEST_MSGS=1` when only the package is missing).

mod common;

use common::child::{expect_line, role_and_domain, say, send_line, wait_for_stdin_close};
use common::generated::*;
use common::*;
use rmw_hazcat_rs::api::graph::*;
use rmw_hazcat_rs::api::loan::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::io::BufReader;
use std::process::{Child, ChildStdout};
use std::ptr::null_mut;
use std::time::Duration;

const ROUNDS: u32 = 6;
/// Seed of the messages published while streaming (before the kill).
const STREAM: u32 = 1000;
const TOPICS: [(&str, &str); 3] = [
    ("/mp/large", "LargeFixed"),
    ("/mp/strings", "Strings"),
    ("/mp/seq", "Sequences"),
];

fn round_value(topic: usize, r: u32) -> V {
    match topic {
        0 => large_fixed_value(r),
        1 => strings_value(r, r.is_multiple_of(2)),
        _ => sequences_value(r, r % 2 == 1),
    }
}

/// A child process, SIGKILLed and reaped on drop (so a failing parent leaves no orphans).
struct Proc {
    child: Child,
    out: BufReader<ChildStdout>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn(role: &str, domain: usize) -> Proc {
    let (child, out) = common::child::spawn(role, domain);
    Proc { child, out }
}

fn loc_string(p: *const u8) -> String {
    assert_in_shm(p, "LargeFixed loan").identity()
}

fn count_publishers(node: &Node, topic: &str) -> usize {
    let t = cs(topic);
    let mut n = 0usize;
    // SAFETY: live node, NUL-terminated topic, writable count.
    let rc = unsafe { rmw_count_publishers(node.0, t.as_ptr(), &mut n) };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    n
}

/// Publisher process: LargeFixed (C handle) via loans, Strings (C++ handle), Sequences (C).
fn role_publisher(libs: &'static Libs, domain: usize) {
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("gen_pub", "/mp");
    let ws = WaitSet::new(&mut ctx);
    let langs = [Lang::C, Lang::Cpp, Lang::C];
    let ts = [0, 1, 2].map(|i| libs.ts(langs[i], TOPICS[i].1));
    let mm = [0, 1, 2].map(|i| libs.members(langs[i], TOPICS[i].1));
    let pubs = [0, 1, 2].map(|i| create_pub(&node, ts[i], TOPICS[i].0, &qos(4)));
    // SAFETY: live publisher.
    assert!(unsafe { (*pubs[0]).can_loan_messages });
    // Wait (graph guard condition) until both subscriber processes match every publisher.
    // SAFETY: live node.
    let gc = unsafe { rmw_node_get_graph_guard_condition(node.0) };
    let matched = || {
        pubs.iter().all(|p| {
            let mut n = 0usize;
            // SAFETY: live publisher.
            let rc = unsafe { rmw_publisher_count_matched_subscriptions(*p, &mut n) };
            assert_eq!(rc, RMW_RET_OK);
            n == 2
        })
    };
    let mut guard = 0;
    while !matched() {
        ws.wait(&[], Some(gc), Duration::from_millis(500));
        guard += 1;
        assert!(guard < 120, "subscribers never matched");
    }
    say("MATCHED");

    let publish_round = |r: u32| -> String {
        let mut loan: *mut c_void = null_mut();
        // SAFETY: live loaning publisher; NULL-initialized out pointer; the loan is a plain
        // LargeFixed of `size_of` writable bytes, published once.
        let loc = unsafe {
            let rc = rmw_borrow_loaned_message(pubs[0], ts[0], &mut loan);
            assert_eq!(rc, RMW_RET_OK, "{}", last_error());
            write_msg(libs, &mm[0], loan.cast(), &round_value(0, r));
            let loc = loc_string(loan.cast());
            let rc = rmw_publish_loaned_message(pubs[0], loan, null_mut());
            assert_eq!(rc, RMW_RET_OK, "{}", last_error());
            loc
        };
        for i in 1..3 {
            let m = Msg::with(libs, &mm[i], &round_value(i, r));
            // SAFETY: live publisher; a message of its type.
            let rc = unsafe { rmw_publish(pubs[i], m.as_ptr(), null_mut()) };
            assert_eq!(rc, RMW_RET_OK, "{}", last_error());
        }
        loc
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    for r in 0..ROUNDS {
        assert_eq!(expect_line(&mut input, "GO "), r.to_string());
        let loc = publish_round(r);
        say(&format!("SENT {r} {loc}"));
    }
    expect_line(&mut input, "STREAM");
    // Publish until SIGKILLed.
    let mut first = true;
    loop {
        publish_round(STREAM);
        if first {
            say("STREAMING");
            first = false;
        }
    }
}

/// Subscriber process `id` (1 or 2): each takes LargeFixed as a loan, with the C (1) or C++ (2)
/// handle, and the other topics with the other language.
fn role_subscriber(libs: &'static Libs, domain: usize, id: u32) {
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node(&format!("gen_sub_{id}"), "/mp");
    let ws = WaitSet::new(&mut ctx);
    let langs = if id == 1 {
        [Lang::C, Lang::Cpp, Lang::C]
    } else {
        [Lang::Cpp, Lang::C, Lang::Cpp]
    };
    let ts = [0, 1, 2].map(|i| libs.ts(langs[i], TOPICS[i].1));
    let mm = [0, 1, 2].map(|i| libs.members(langs[i], TOPICS[i].1));
    let subs = [0, 1, 2].map(|i| create_sub(&node, ts[i], TOPICS[i].0, &qos(4)));
    // SAFETY: live subscription.
    assert!(unsafe { (*subs[0]).can_loan_messages });
    say("READY");

    // Takes everything queued on topic `i`; checks each message equals `expected`; returns how
    // many there were and the shared-memory location of the last LargeFixed loan.
    let take_all = |i: usize, expected: &V, by_loan: bool| -> (usize, String) {
        let mut n = 0;
        let mut loc = String::new();
        loop {
            let what = format!("sub {id} {} ({:?})", TOPICS[i].0, langs[i]);
            let mut taken = false;
            let mut info: rmw_message_info_t =
                // SAFETY: all-zero is a valid message info.
                unsafe { std::mem::zeroed() };
            if by_loan {
                let mut loan: *mut c_void = null_mut();
                // SAFETY: live loaning subscription; NULL-initialized out pointer; the loan is
                // read while held and returned once.
                unsafe {
                    let rc = rmw_take_loaned_message_with_info(
                        subs[i],
                        &mut loan,
                        &mut taken,
                        &mut info,
                        null_mut(),
                    );
                    assert_eq!(rc, RMW_RET_OK, "{what}: {}", last_error());
                    if !taken {
                        return (n, loc);
                    }
                    loc = loc_string(loan.cast());
                    assert_same(expected, &read_msg(&mm[i], loan.cast()), &what);
                    let rc = rmw_return_loaned_message_from_subscription(subs[i], loan);
                    assert_eq!(rc, RMW_RET_OK);
                }
            } else {
                let mut m = Msg::new(&mm[i]);
                // SAFETY: live subscription; a message of its type.
                let rc = unsafe {
                    rmw_take_with_info(
                        subs[i],
                        m.as_mut_ptr().cast(),
                        &mut taken,
                        &mut info,
                        null_mut(),
                    )
                };
                assert_eq!(rc, RMW_RET_OK, "{what}: {}", last_error());
                if !taken {
                    return (n, loc);
                }
                assert_same(expected, &m.value(), &what);
            }
            n += 1;
        }
    };

    for r in 0..ROUNDS {
        let mut got = [0usize; 3];
        let mut loc = String::new();
        let mut idle = 0;
        while got.contains(&0) {
            let (ready, _) = ws.wait(&subs, None, Duration::from_secs(10));
            idle = if ready.contains(&true) { 0 } else { idle + 1 };
            assert!(idle < 3, "sub {id}: round {r} incomplete: {got:?}");
            for i in 0..3 {
                if ready[i] {
                    let (n, l) = take_all(i, &round_value(i, r), i == 0);
                    got[i] += n;
                    if i == 0 && n > 0 {
                        loc = l;
                    }
                }
            }
        }
        assert_eq!(
            got,
            [1, 1, 1],
            "sub {id}: one message per topic in round {r}"
        );
        say(&format!("TOOK {r} {loc}"));
    }

    // Streaming until the publisher is killed: everything taken is intact; then the graph
    // drops the dead publisher.
    // SAFETY: live node.
    let gc = unsafe { rmw_node_get_graph_guard_condition(node.0) };
    let mut streamed = 0;
    let mut polls = 0;
    loop {
        // rcl-style wait with a timeout; the count query below also sweeps dead peers.
        let (ready, _) = ws.wait(&subs, Some(gc), Duration::from_millis(100));
        for (i, _) in ready.iter().enumerate().filter(|(_, r)| **r) {
            streamed += take_all(i, &round_value(i, STREAM), i == 0 && id == 1).0;
        }
        if TOPICS.iter().all(|(t, _)| count_publishers(&node, t) == 0) {
            break;
        }
        polls += 1;
        assert!(
            polls < 1200,
            "sub {id}: the killed publisher never left the graph"
        );
    }
    say(&format!("GONE {streamed}"));
    // Stay alive (and in the graph) until the parent closes stdin.
    wait_for_stdin_close();
    // SAFETY: live handles of `node`, destroyed once.
    unsafe {
        for s in subs {
            assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        }
    }
}

/// Entry point of child processes.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_entry() {
    let Some((role, domain)) = role_and_domain() else {
        return;
    };
    let libs = load("child").expect("children run only when the parent loaded the package");
    match role.as_str() {
        "pub" => role_publisher(libs, domain),
        "sub1" => role_subscriber(libs, domain, 1),
        "sub2" => role_subscriber(libs, domain, 2),
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn publisher_and_two_subscriber_processes_then_kill_9() {
    if load("rmw_generated_multiprocess::publisher_and_two_subscriber_processes_then_kill_9")
        .is_none()
    {
        return;
    }
    let domain = unique_domain();
    let mut subs: Vec<Proc> = ["sub1", "sub2"].iter().map(|r| spawn(r, domain)).collect();
    for s in &mut subs {
        expect_line(&mut s.out, "READY");
    }
    let mut publisher = spawn("pub", domain);
    expect_line(&mut publisher.out, "MATCHED");
    let mut pub_in = publisher.child.stdin.take().unwrap();
    for r in 0..ROUNDS {
        send_line(&mut pub_in, &format!("GO {r}"));
        let sent = expect_line(&mut publisher.out, "SENT ");
        let (round, pub_loc) = sent.split_once(' ').unwrap();
        assert_eq!(round, r.to_string());
        for (i, s) in subs.iter_mut().enumerate() {
            let took = expect_line(&mut s.out, "TOOK ");
            let (round, sub_loc) = took.split_once(' ').unwrap();
            assert_eq!(round, r.to_string());
            assert_eq!(
                sub_loc,
                pub_loc,
                "round {r}: subscriber {} reads the publisher's loan in place (zero copy)",
                i + 1
            );
        }
    }
    send_line(&mut pub_in, "STREAM");
    expect_line(&mut publisher.out, "STREAMING");
    publisher.child.kill().unwrap(); // SIGKILL, mid-stream
    let status = publisher.child.wait().unwrap();
    assert!(!status.success(), "{status:?}");
    drop(pub_in);
    for s in &mut subs {
        let streamed = expect_line(&mut s.out, "GONE ");
        eprintln!("subscriber took {streamed} streamed messages before the kill");
    }
    for s in &mut subs {
        drop(s.child.stdin.take());
        assert!(s.child.wait().unwrap().success());
    }
    drop(subs);
    assert_shm_clean(domain);
    let prefix = hazcat_core::naming::prefix(domain as u32);
    let dir = hazcat_core::os::shm_file::shm_dir();
    // (The per-user directory itself is removed once empty: absent means nothing is left.)
    let left: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "left in {dir}: {left:?}");
}
