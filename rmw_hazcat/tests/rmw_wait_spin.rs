//! `rmw_wait` with `HAZCAT_WAIT_SPIN_US` set (polling before sleeping on every wait): the same
//! outcomes as a wait that sleeps at once (the adaptive default is what every other test runs). One test function, so the variable is set before any wait of this
//! process reads it (it is read once per process). No timing is asserted.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::guard::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::detail::wait_spin::{wait_spin, SpinPolicy, WAIT_SPIN_ENV};
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};
use std::time::Duration;

/// Waits on one subscription and one guard condition; returns the code and which were ready.
unsafe fn wait(
    ws: *mut rmw_wait_set_t,
    sub: *mut rmw_subscription_t,
    gc: *mut rmw_guard_condition_t,
    t: Option<rmw_time_t>,
) -> (rmw_ret_t, bool, bool) {
    let mut subs: [*mut c_void; 1] = [unsafe { (*sub).data }];
    let mut gcs: [*mut c_void; 1] = [unsafe { (*gc).data }];
    let mut s = rmw_subscriptions_t {
        subscriber_count: 1,
        subscribers: subs.as_mut_ptr(),
    };
    let mut g = rmw_guard_conditions_t {
        guard_condition_count: 1,
        guard_conditions: gcs.as_mut_ptr(),
    };
    let t = t.as_ref().map_or(null(), |t| t as *const rmw_time_t);
    let rc = unsafe { rmw_wait(&mut s, &mut g, null_mut(), null_mut(), null_mut(), ws, t) };
    (rc, !subs[0].is_null(), !gcs[0].is_null())
}

#[test]
fn spinning_waits_report_what_sleeping_waits_report() {
    // SAFETY (set_var): no other thread of this test process runs yet.
    std::env::set_var(WAIT_SPIN_ENV, "5000");
    assert_eq!(
        wait_spin(),
        SpinPolicy::Fixed(Duration::from_millis(1)),
        "capped at 1 ms"
    );

    let mut ctx = Context::new();
    let node = ctx.node("spin", "/");
    let q = rmw_qos_profile_default;
    let p = create_pub(&node, plain_ts(), "/spin", &q);
    let sub = create_sub(&node, plain_ts(), "/spin", &q);
    unsafe {
        let gc = rmw_create_guard_condition(ctx.ptr());
        assert!(!gc.is_null());
        let ws = rmw_create_wait_set(ctx.ptr(), 2);
        assert!(!ws.is_null());
        let ms = |n: u64| rmw_time_t {
            sec: 0,
            nsec: n * 1_000_000,
        };

        // Nothing happens: a poll, a timeout shorter than the spin and a longer one all time out.
        for t in [
            ms(0),
            rmw_time_t {
                sec: 0,
                nsec: 100_000,
            },
            ms(5),
        ] {
            assert_eq!(wait(ws, sub, gc, Some(t)), (RMW_RET_TIMEOUT, false, false));
        }

        // A message published by another thread, before or during the wait.
        let sent = Plain {
            id: 7,
            value: 1.5,
            flag: 1,
        };
        let pp = p as usize;
        let publisher = std::thread::spawn(move || {
            let rc = rmw_publish(
                pp as *const rmw_publisher_t,
                (&sent as *const Plain).cast(),
                null_mut(),
            );
            assert_eq!(rc, RMW_RET_OK);
        });
        assert_eq!(
            wait(ws, sub, gc, Some(ms(10_000))),
            (RMW_RET_OK, true, false)
        );
        publisher.join().unwrap();
        let mut got = Plain::default();
        let mut taken = false;
        assert_eq!(
            rmw_take(sub, (&mut got as *mut Plain).cast(), &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(got, sent);

        // A guard condition triggered by another thread, with no timeout.
        let g = gc as usize;
        let trigger = std::thread::spawn(move || {
            assert_eq!(
                rmw_trigger_guard_condition(g as *const rmw_guard_condition_t),
                RMW_RET_OK
            );
        });
        assert_eq!(wait(ws, sub, gc, None), (RMW_RET_OK, false, true));
        trigger.join().unwrap();
        // Reported once; then nothing again.
        assert_eq!(
            wait(ws, sub, gc, Some(ms(2))),
            (RMW_RET_TIMEOUT, false, false)
        );

        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        assert_eq!(rmw_destroy_guard_condition(gc), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, sub), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
    drop(node);
    let domain = ctx.domain;
    drop(ctx);
    assert_shm_clean(domain);
}
