//! Deadline, lifespan and liveliness QoS, their events (in wait sets and as listener callbacks),
//! the QoS delivery filter, and new-message callbacks for messages from another process.
//!
//! Time is the subject of these tests, so some of them let time pass: always by blocking in
//! `rmw_wait` until the event under test becomes ready (or, for lifespan, until a wait set with
//! nothing in it times out). No assertion depends on how fast the machine is: counts are
//! checked as "at least" where a slow scheduler could add periods, and exact where the
//! semantics fix them. Child processes re-execute this binary with `HAZCAT_RMW_ROLE` set.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::announce::*;
use common::child::*;
use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::event::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::time::Duration;

fn ms(v: u64) -> rmw_time_t {
    rmw_time_t {
        sec: v / 1000,
        nsec: (v % 1000) * 1_000_000,
    }
}

/// Default profile with a deadline, lifespan, liveliness kind and lease.
fn qos(deadline: u64, lifespan: u64, liveliness: u32, lease: u64) -> rmw_qos_profile_t {
    let mut q = rmw_qos_profile_default;
    q.deadline = ms(deadline);
    q.lifespan = ms(lifespan);
    q.liveliness = liveliness;
    q.liveliness_lease_duration = ms(lease);
    q
}

fn publish(p: *mut rmw_publisher_t, id: u32) {
    let m = Plain {
        id,
        value: 0.5,
        flag: 1,
    };
    assert_eq!(
        unsafe { rmw_publish(p, (&m as *const Plain).cast(), null_mut()) },
        RMW_RET_OK,
        "{}",
        last_error()
    );
}

/// Takes every queued message; returns their ids.
fn take_all(s: *mut rmw_subscription_t) -> Vec<u32> {
    let mut ids = Vec::new();
    loop {
        let mut m = Plain::default();
        let mut taken = false;
        let rc = unsafe { rmw_take(s, (&mut m as *mut Plain).cast(), &mut taken, null_mut()) };
        assert_eq!(rc, RMW_RET_OK, "{}", last_error());
        if !taken {
            return ids;
        }
        ids.push(m.id);
    }
}

fn pub_event(p: *mut rmw_publisher_t, t: rmw_event_type_t) -> Box<rmw_event_t> {
    let mut e: Box<rmw_event_t> = Box::new(unsafe { std::mem::zeroed() });
    assert_eq!(
        unsafe { rmw_publisher_event_init(&mut *e, p, t) },
        RMW_RET_OK,
        "{}",
        last_error()
    );
    e
}

fn sub_event(s: *mut rmw_subscription_t, t: rmw_event_type_t) -> Box<rmw_event_t> {
    let mut e: Box<rmw_event_t> = Box::new(unsafe { std::mem::zeroed() });
    assert_eq!(
        unsafe { rmw_subscription_event_init(&mut *e, s, t) },
        RMW_RET_OK,
        "{}",
        last_error()
    );
    e
}

fn take_status<T: Default>(e: &rmw_event_t) -> T {
    let mut st = T::default();
    let mut taken = false;
    assert_eq!(
        unsafe { rmw_take_event(e, (&mut st as *mut T).cast(), &mut taken) },
        RMW_RET_OK,
        "{}",
        last_error()
    );
    assert!(taken);
    st
}

/// Blocks in `rmw_wait` on `events` until one is ready; returns which are (hang guard: 60 s).
fn wait_events(ctx: &mut Context, events: &[&rmw_event_t]) -> Vec<bool> {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), events.len());
        let mut arr: Vec<*mut c_void> = events
            .iter()
            .map(|e| (*e as *const rmw_event_t).cast_mut().cast())
            .collect();
        let mut evs = rmw_events_t {
            event_count: arr.len(),
            events: arr.as_mut_ptr(),
        };
        let t = rmw_time_t { sec: 60, nsec: 0 };
        let rc = rmw_wait(
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut evs,
            ws,
            &t,
        );
        assert_eq!(rc, RMW_RET_OK, "no event became ready: {}", last_error());
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        arr.iter().map(|p| !p.is_null()).collect()
    }
}

/// Lets at least `d` pass by waiting on an empty wait set until it times out.
fn let_time_pass(ctx: &mut Context, d: Duration) {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let gc = rmw_hazcat_rs::api::guard::rmw_create_guard_condition(ctx.ptr());
        let mut arr = [(*gc).data];
        let mut gcs = rmw_guard_conditions_t {
            guard_condition_count: 1,
            guard_conditions: arr.as_mut_ptr(),
        };
        let t = rmw_time_t {
            sec: d.as_secs(),
            nsec: u64::from(d.subsec_nanos()),
        };
        let rc = rmw_wait(
            null_mut(),
            &mut gcs,
            null_mut(),
            null_mut(),
            null_mut(),
            ws,
            &t,
        );
        assert_eq!(rc, RMW_RET_TIMEOUT);
        assert_eq!(
            rmw_hazcat_rs::api::guard::rmw_destroy_guard_condition(gc),
            RMW_RET_OK
        );
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}

fn matched(s: *mut rmw_subscription_t) -> usize {
    let mut n = 0;
    assert_eq!(
        unsafe { rmw_subscription_count_matched_publishers(s, &mut n) },
        RMW_RET_OK
    );
    n
}

#[test]
fn deadline_missed_on_both_sides_after_the_first_message() {
    let mut ctx = Context::new();
    let node = ctx.node("deadline", "/");
    let q = qos(100, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0);
    let p = create_pub(&node, plain_ts(), "/dl", &q);
    let s = create_sub(&node, plain_ts(), "/dl", &q);
    let pe = pub_event(p, RMW_EVENT_OFFERED_DEADLINE_MISSED);
    let se = sub_event(s, RMW_EVENT_REQUESTED_DEADLINE_MISSED);
    // Before the first message there is no deadline to miss (DDS: per instance).
    let st: rmw_offered_deadline_missed_status_t = take_status(&pe);
    assert_eq!((st.total_count, st.total_count_change), (0, 0));

    publish(p, 1);
    assert_eq!(take_all(s), [1]);
    // The wait returns when a period has passed without a message, for either side; then for
    // the other.
    let mut seen = [false, false];
    while !(seen[0] && seen[1]) {
        let r = wait_events(&mut ctx, &[&pe, &se]);
        if r[0] {
            let st: rmw_offered_deadline_missed_status_t = take_status(&pe);
            assert!(st.total_count >= 1);
            assert_eq!(st.total_count_change, st.total_count);
            seen[0] = true;
        }
        if r[1] {
            let st: rmw_requested_deadline_missed_status_t = take_status(&se);
            assert!(st.total_count >= 1);
            assert_eq!(st.total_count_change, st.total_count);
            seen[1] = true;
        }
    }
    // Counts keep growing by whole periods and the change resets on take.
    let before: rmw_offered_deadline_missed_status_t = take_status(&pe);
    wait_events(&mut ctx, &[&pe]);
    let after: rmw_offered_deadline_missed_status_t = take_status(&pe);
    assert!(after.total_count > before.total_count);
    assert_eq!(
        after.total_count_change,
        after.total_count - before.total_count
    );
    unsafe {
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

#[test]
fn deadline_met_reports_nothing() {
    let mut ctx = Context::new();
    let node = ctx.node("deadline_met", "/");
    // A deadline no test run reaches.
    let q = qos(600_000, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0);
    let p = create_pub(&node, plain_ts(), "/dl_met", &q);
    let s = create_sub(&node, plain_ts(), "/dl_met", &q);
    let pe = pub_event(p, RMW_EVENT_OFFERED_DEADLINE_MISSED);
    let se = sub_event(s, RMW_EVENT_REQUESTED_DEADLINE_MISSED);
    publish(p, 1);
    assert_eq!(take_all(s), [1]);
    let a: rmw_offered_deadline_missed_status_t = take_status(&pe);
    let b: rmw_requested_deadline_missed_status_t = take_status(&se);
    assert_eq!((a.total_count, a.total_count_change), (0, 0));
    assert_eq!((b.total_count, b.total_count_change), (0, 0));
    unsafe {
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

#[test]
fn lifespan_drops_expired_messages_including_transient_local_history() {
    let mut ctx = Context::new();
    let node = ctx.node("lifespan", "/");
    let mut short = qos(0, 20, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0);
    short.durability = RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL;
    let mut long = short;
    long.lifespan = ms(600_000);
    let ps = create_pub(&node, plain_ts(), "/ls_short", &short);
    let pl = create_pub(&node, plain_ts(), "/ls_long", &long);
    let live = create_sub(&node, plain_ts(), "/ls_short", &short);
    for i in 0..2 {
        publish(ps, i);
        publish(pl, i);
    }
    let_time_pass(&mut ctx, Duration::from_millis(50));
    // Queued, but expired before the take.
    assert_eq!(take_all(live), Vec::<u32>::new());
    // Late joiners: the history of the short-lived topic expired, the other did not.
    let late_short = create_sub(&node, plain_ts(), "/ls_short", &short);
    let late_long = create_sub(&node, plain_ts(), "/ls_long", &long);
    assert_eq!(take_all(late_short), Vec::<u32>::new());
    assert_eq!(take_all(late_long), [0, 1]);
    // A fresh message within its lifespan arrives.
    publish(ps, 7);
    let mut got = take_all(live);
    // (Unless this process was descheduled for the whole 20 ms: then it expired, correctly.)
    assert!(got.is_empty() || got == [7], "{got:?}");
    got.clear();
    unsafe {
        for s in [live, late_short, late_long] {
            assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        }
        assert_eq!(rmw_destroy_publisher(node.0, ps), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, pl), RMW_RET_OK);
    }
}

#[test]
fn manual_liveliness_lost_changed_and_regained() {
    let mut ctx = Context::new();
    let node = ctx.node("liveliness", "/");
    let q = qos(0, 0, RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC, 100);
    let p = create_pub(&node, plain_ts(), "/lv", &q);
    let s = create_sub(&node, plain_ts(), "/lv", &q);
    assert_eq!(matched(s), 1);
    let pe = pub_event(p, RMW_EVENT_LIVELINESS_LOST);
    let se = sub_event(s, RMW_EVENT_LIVELINESS_CHANGED);

    // The publisher is alive from its creation.
    let st: rmw_liveliness_changed_status_t = take_status(&se);
    assert_eq!((st.alive_count, st.not_alive_count), (1, 0));
    assert_eq!((st.alive_count_change, st.not_alive_count_change), (1, 0));

    // Nobody asserts: the lease runs out on both sides.
    let mut seen = [false, false];
    while !(seen[0] && seen[1]) {
        let r = wait_events(&mut ctx, &[&pe, &se]);
        if r[0] {
            let st: rmw_liveliness_lost_status_t = take_status(&pe);
            assert_eq!((st.total_count, st.total_count_change), (1, 1));
            seen[0] = true;
        }
        if r[1] {
            let st: rmw_liveliness_changed_status_t = take_status(&se);
            assert_eq!((st.alive_count, st.not_alive_count), (0, 1));
            assert_eq!((st.alive_count_change, st.not_alive_count_change), (-1, 1));
            seen[1] = true;
        }
    }
    // An explicit assertion brings it back (the subscription looks again once per lease).
    assert_eq!(unsafe { rmw_publisher_assert_liveliness(p) }, RMW_RET_OK);
    wait_events(&mut ctx, &[&se]);
    let st: rmw_liveliness_changed_status_t = take_status(&se);
    assert_eq!((st.alive_count, st.not_alive_count), (1, 0));
    assert_eq!((st.alive_count_change, st.not_alive_count_change), (1, -1));

    // Destroying the publisher: it leaves (alive -1, not alive unchanged).
    unsafe { assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK) };
    wait_events(&mut ctx, &[&se]);
    let st: rmw_liveliness_changed_status_t = take_status(&se);
    // It may have lost its lease again before leaving: count from whichever state.
    assert_eq!((st.alive_count, st.not_alive_count), (0, 0));
    unsafe { assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK) };
}

#[test]
fn publishing_asserts_manual_liveliness() {
    let mut ctx = Context::new();
    let node = ctx.node("liveliness_pub", "/");
    // Lease long enough that publishing right away keeps it.
    let q = qos(0, 0, RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC, 600_000);
    let p = create_pub(&node, plain_ts(), "/lv_pub", &q);
    let pe = pub_event(p, RMW_EVENT_LIVELINESS_LOST);
    publish(p, 1);
    let st: rmw_liveliness_lost_status_t = take_status(&pe);
    assert_eq!((st.total_count, st.total_count_change), (0, 0));
    let _ = ctx.domain;
    unsafe { assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK) };
}

#[test]
fn qos_requests_not_offered_are_neither_matched_nor_delivered() {
    let mut ctx = Context::new();
    let node = ctx.node("qos_filter", "/");
    let plain = qos(0, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0);
    let cases = [
        // Subscription deadline, publisher none.
        (plain, qos(1000, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0)),
        // Subscription deadline shorter than the publisher's.
        (
            qos(2000, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0),
            qos(1000, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0),
        ),
        // Manual liveliness requested, automatic offered.
        (
            plain,
            qos(0, 0, RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC, 0),
        ),
        // Lease requested shorter than offered.
        (
            qos(0, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 2000),
            qos(0, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 1000),
        ),
    ];
    for (i, (pq, sq)) in cases.iter().enumerate() {
        let topic = format!("/qf{i}");
        let p = create_pub(&node, plain_ts(), &topic, pq);
        let s = create_sub(&node, plain_ts(), &topic, sq);
        assert_eq!(matched(s), 0, "case {i}");
        publish(p, 1);
        assert_eq!(take_all(s), Vec::<u32>::new(), "case {i}");
        // The reverse pairing offers more than requested: matched and delivered.
        let p2 = create_pub(&node, plain_ts(), &format!("{topic}r"), sq);
        let s2 = create_sub(&node, plain_ts(), &format!("{topic}r"), pq);
        assert_eq!(matched(s2), 1, "case {i} reversed");
        publish(p2, 2);
        assert_eq!(take_all(s2), [2], "case {i} reversed");
        unsafe {
            assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
            assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
            assert_eq!(rmw_destroy_subscription(node.0, s2), RMW_RET_OK);
            assert_eq!(rmw_destroy_publisher(node.0, p2), RMW_RET_OK);
        }
    }
}

#[test]
fn deadline_and_liveliness_callbacks_fire_from_the_notifier() {
    let ctx = Context::new();
    let mut ctx = ctx;
    let node = ctx.node("event_cb", "/");
    let q = qos(50, 0, RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC, 50);
    let p = create_pub(&node, plain_ts(), "/ecb", &q);
    let s = create_sub(&node, plain_ts(), "/ecb", &q);
    let mut pe = pub_event(p, RMW_EVENT_OFFERED_DEADLINE_MISSED);
    let mut se = sub_event(s, RMW_EVENT_REQUESTED_DEADLINE_MISSED);
    let mut lost = pub_event(p, RMW_EVENT_LIVELINESS_LOST);
    let offered = Box::new(Announced::default());
    let requested = Box::new(Announced::default());
    let lost_n = Box::new(Announced::default());
    unsafe {
        for (e, a) in [
            (&mut pe, &offered),
            (&mut se, &requested),
            (&mut lost, &lost_n),
        ] {
            assert_eq!(
                rmw_event_set_callback(&mut **e, Some(announce), (&**a as *const Announced).cast()),
                RMW_RET_OK
            );
        }
    }
    // Nothing published yet: no deadline; the first message starts the clock (and the
    // notifier, which slept without a due time, is told).
    publish(p, 1);
    assert!(offered.wait_for(1) >= 1);
    assert!(requested.wait_for(1) >= 1);
    assert!(lost_n.wait_for(1) >= 1);
    let st: rmw_offered_deadline_missed_status_t = take_status(&pe);
    assert!(st.total_count as usize >= 1);
    unsafe {
        for e in [&mut pe, &mut se, &mut lost] {
            assert_eq!(rmw_event_set_callback(&mut **e, None, null()), RMW_RET_OK);
        }
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
    let _ = ctx.ptr();
}

// ---- across processes ----

const CALLBACK_MESSAGES: u32 = 50;

/// Publishes when told (a line on stdin), then waits for stdin to close.
fn role_publisher(domain: usize, q: rmw_qos_profile_t, topic: &str) {
    let mut ctx = Context::with_domain(domain);
    let node = ctx.node("child_pub", "/");
    let p = create_pub(&node, plain_ts(), topic, &q);
    say("READY");
    read_stdin_line();
    for i in 0..CALLBACK_MESSAGES {
        publish(p, i);
    }
    say("SENT");
    wait_for_stdin_close();
    unsafe { assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK) };
}

/// Entry point of child processes.
#[test]
#[ignore = "child process entry point; run by the other tests"]
fn child_entry() {
    let Some((role, domain)) = role_and_domain() else {
        return;
    };
    match role.as_str() {
        "callback_publisher" => {
            let mut q = rmw_qos_profile_default;
            q.depth = CALLBACK_MESSAGES as usize;
            role_publisher(domain, q, "/mp_cb");
        }
        "subscriber" => {
            let mut ctx = Context::with_domain(domain);
            let node = ctx.node("child_sub", "/");
            let s = create_sub(&node, plain_ts(), "/mp_match", &rmw_qos_profile_default);
            say("READY");
            wait_for_stdin_close();
            unsafe { assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK) };
        }
        "automatic_publisher" => role_publisher(
            domain,
            qos(0, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 100),
            "/mp_live",
        ),
        other => panic!("unknown role {other}"),
    }
}

#[test]
fn new_message_callback_counts_messages_from_another_process() {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("cb_parent", "/");
    let mut q = rmw_qos_profile_default;
    q.depth = CALLBACK_MESSAGES as usize;
    let s = create_sub(&node, plain_ts(), "/mp_cb", &q);
    let announced = Box::new(Announced::default());
    assert_eq!(
        unsafe {
            rmw_subscription_set_on_new_message_callback(
                s,
                Some(announce),
                (&*announced as *const Announced).cast(),
            )
        },
        RMW_RET_OK
    );
    let (mut child, mut out) = spawn("callback_publisher", domain);
    expect_line(&mut out, "READY");
    send_line(child.stdin.as_mut().unwrap(), "go");
    expect_line(&mut out, "SENT");
    // Announced by this process's notifier thread, without any rmw_wait here.
    assert_eq!(
        announced.wait_for(CALLBACK_MESSAGES as usize),
        CALLBACK_MESSAGES as usize
    );
    let ids = take_all(s);
    assert_eq!(ids, (0..CALLBACK_MESSAGES).collect::<Vec<_>>());
    assert_eq!(
        unsafe { rmw_subscription_set_on_new_message_callback(s, None, null()) },
        RMW_RET_OK
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    unsafe { assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK) };
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

#[test]
fn killed_automatic_publisher_is_no_longer_alive() {
    killed_automatic_publisher(false);
}

/// As rclpy does: the status is looked at (here: a matched count) while no publisher exists
/// yet, then a publisher of another process matches and is killed.
#[test]
fn killed_automatic_publisher_matched_after_a_first_look_is_no_longer_alive() {
    killed_automatic_publisher(true);
}

fn killed_automatic_publisher(look_before: bool) {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("live_parent", "/");
    let q = qos(0, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 100);
    let s = create_sub(&node, plain_ts(), "/mp_live", &q);
    let se = sub_event(s, RMW_EVENT_LIVELINESS_CHANGED);
    if look_before {
        assert_eq!(matched(s), 0);
    }
    let (mut child, mut out) = spawn("automatic_publisher", domain);
    expect_line(&mut out, "READY");
    // The child's publisher becomes alive here.
    loop {
        wait_events(&mut ctx, &[&se]);
        let st: rmw_liveliness_changed_status_t = take_status(&se);
        if st.alive_count == 1 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // Within a lease its process is found dead (or its graph entry swept): no longer alive.
    loop {
        wait_events(&mut ctx, &[&se]);
        let st: rmw_liveliness_changed_status_t = take_status(&se);
        if st.alive_count == 0 {
            assert_eq!(st.alive_count_change, -1);
            break;
        }
    }
    unsafe { assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK) };
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

#[test]
fn idle_liveliness_event_times_out_and_message_lost_callback_fires() {
    let mut ctx = Context::new();
    let node = ctx.node("lost_cb", "/");
    let mut q = rmw_qos_profile_default;
    q.depth = 1;
    let s = create_sub(&node, plain_ts(), "/lost", &q);
    // test_wait_set's setup: a LIVELINESS_CHANGED event of a subscription without publishers
    // is accepted and idle (NULLed on timeout).
    let live = sub_event(s, RMW_EVENT_LIVELINESS_CHANGED);
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let mut arr = [(&*live as *const rmw_event_t).cast_mut().cast::<c_void>()];
        let mut evs = rmw_events_t {
            event_count: 1,
            events: arr.as_mut_ptr(),
        };
        let t = rmw_time_t { sec: 0, nsec: 0 };
        let rc = rmw_wait(
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut evs,
            ws,
            &t,
        );
        assert_eq!(rc, RMW_RET_TIMEOUT);
        assert!(arr[0].is_null());
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
    // Overflow of a depth-1 queue is announced to a MESSAGE_LOST callback by the notifier.
    let mut lost = sub_event(s, RMW_EVENT_MESSAGE_LOST);
    let announced = Box::new(Announced::default());
    assert_eq!(
        unsafe {
            rmw_event_set_callback(
                &mut *lost,
                Some(announce),
                (&*announced as *const Announced).cast(),
            )
        },
        RMW_RET_OK
    );
    let p = create_pub(&node, plain_ts(), "/lost", &rmw_qos_profile_default);
    for i in 0..3 {
        publish(p, i);
    }
    assert_eq!(announced.wait_for(2), 2);
    let st: rmw_message_lost_status_t = take_status(&lost);
    assert_eq!((st.total_count, st.total_count_change), (2, 2));
    assert_eq!(take_all(s), [2]);
    unsafe {
        assert_eq!(rmw_event_set_callback(&mut *lost, None, null()), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
    }
}

#[test]
fn late_joiner_counts_deadlines_from_its_creation() {
    let mut ctx = Context::new();
    let node = ctx.node("deadline_late", "/");
    let mut q = qos(200, 0, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC, 0);
    q.durability = RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL;
    let p = create_pub(&node, plain_ts(), "/dl_late", &q);
    publish(p, 1);
    // Two and a half periods pass before the subscription exists.
    let_time_pass(&mut ctx, Duration::from_millis(500));
    let s = create_sub(&node, plain_ts(), "/dl_late", &q);
    let se = sub_event(s, RMW_EVENT_REQUESTED_DEADLINE_MISSED);
    let st: rmw_requested_deadline_missed_status_t = take_status(&se);
    // Counted from its own creation (the history message arrived then), not from the publish
    // (which would already give 2).
    assert!(st.total_count < 2, "{}", st.total_count);
    assert_eq!(take_all(s), [1]);
    unsafe {
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// A context, its domain, a node and a publisher on the topic of the "subscriber" child role.
fn match_publisher(node_name: &str) -> (Context, usize, Node, *mut rmw_publisher_t) {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node(node_name, "/");
    let p = create_pub(&node, plain_ts(), "/mp_match", &rmw_qos_profile_default);
    (ctx, domain, node, p)
}

/// A subscriber process killed with SIGKILL leaves the graph without telling anyone: the
/// publisher's matched count (asked with no graph query in between) drops all the same.
#[test]
fn matched_count_drops_when_the_peer_process_is_killed() {
    let (ctx, domain, node, p) = match_publisher("kill_parent");
    let count = || {
        let mut n = 0;
        assert_eq!(
            unsafe { rmw_publisher_count_matched_subscriptions(p, &mut n) },
            RMW_RET_OK
        );
        n
    };
    let (mut child, mut out) = spawn("subscriber", domain);
    expect_line(&mut out, "READY");
    assert_eq!(count(), 1);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(count(), 0);
    unsafe { assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK) };
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

/// The EventsExecutor path for graph events: a match and an unmatch made by another process
/// reach the callback through this process's notifier thread, with no rmw_wait anywhere.
#[cfg(not(ros_distro = "humble"))]
#[test]
fn matched_callback_fires_for_peers_of_another_process() {
    let (ctx, domain, node, p) = match_publisher("match_parent");
    let mut ev = pub_event(p, RMW_EVENT_PUBLICATION_MATCHED);
    let announced = Box::new(Announced::default());
    assert_eq!(
        unsafe {
            rmw_event_set_callback(
                &mut *ev,
                Some(announce),
                (&*announced as *const Announced).cast(),
            )
        },
        RMW_RET_OK
    );
    let (mut child, mut out) = spawn("subscriber", domain);
    expect_line(&mut out, "READY");
    assert_eq!(announced.wait_for(1), 1, "matched");
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    assert_eq!(announced.wait_for(2), 2, "unmatched");
    let st: rmw_matched_status_t = take_status(&ev);
    assert_eq!((st.total_count, st.current_count), (1, 0));
    unsafe {
        assert_eq!(rmw_event_set_callback(&mut *ev, None, null()), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}
