//! Wait-set assertions of the upstream test_rmw_implementation suite (test_wait_set) that the
//! other test files do not already cover: every entity kind in one wait, foreign wait sets
//! leaving the arrays unchanged, and many guard conditions triggered from another thread.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::client::*;
use rmw_hazcat_rs::api::event::*;
use rmw_hazcat_rs::api::guard::*;
use rmw_hazcat_rs::api::service::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

struct Arrays {
    subs: [*mut c_void; 1],
    gcs: [*mut c_void; 1],
    srvs: [*mut c_void; 1],
    clis: [*mut c_void; 1],
    evs: [*mut c_void; 1],
}

impl Arrays {
    /// Calls rmw_wait with the categories selected by `use_` (sub, gc, srv, client, event).
    unsafe fn wait(
        &mut self,
        use_: [bool; 5],
        ws: *mut rmw_wait_set_t,
        t: Option<rmw_time_t>,
    ) -> rmw_ret_t {
        let mut s = rmw_subscriptions_t {
            subscriber_count: 1,
            subscribers: self.subs.as_mut_ptr(),
        };
        let mut g = rmw_guard_conditions_t {
            guard_condition_count: 1,
            guard_conditions: self.gcs.as_mut_ptr(),
        };
        let mut sv = rmw_services_t {
            service_count: 1,
            services: self.srvs.as_mut_ptr(),
        };
        let mut c = rmw_clients_t {
            client_count: 1,
            clients: self.clis.as_mut_ptr(),
        };
        let mut e = rmw_events_t {
            event_count: 1,
            events: self.evs.as_mut_ptr(),
        };
        let pick = |on: bool, p: *mut c_void| if on { p } else { null_mut() };
        let t = t.as_ref().map_or(null(), |t| t as *const rmw_time_t);
        unsafe {
            rmw_wait(
                pick(use_[0], (&mut s as *mut rmw_subscriptions_t).cast()).cast(),
                pick(use_[1], (&mut g as *mut rmw_guard_conditions_t).cast()).cast(),
                pick(use_[2], (&mut sv as *mut rmw_services_t).cast()).cast(),
                pick(use_[3], (&mut c as *mut rmw_clients_t).cast()).cast(),
                pick(use_[4], (&mut e as *mut rmw_events_t).cast()).cast(),
                ws,
                t,
            )
        }
    }
}

/// test_wait_set rmw_wait: NULL wait set, foreign wait set (arrays left unchanged), empty waits
/// and idle entities of every kind (set to NULL) time out for a poll and a short timeout.
#[test]
fn every_kind_of_idle_entity_times_out_and_is_nulled() {
    let mut ctx = Context::new();
    let node = ctx.node("my_node", "/my_ns");
    let topic = cs("/test");
    let q = rmw_qos_profile_default;
    unsafe {
        let sopts = sub_opts(false);
        let sub = rmw_create_subscription(node.0, plain_ts(), topic.as_ptr(), &q, &sopts);
        assert!(!sub.is_null(), "{}", last_error());
        let gc = rmw_create_guard_condition(ctx.ptr());
        assert!(!gc.is_null());
        let srv = rmw_create_service(node.0, plain_echo_ts(), topic.as_ptr(), &q);
        assert!(!srv.is_null(), "{}", last_error());
        let cli = rmw_create_client(node.0, plain_echo_ts(), topic.as_ptr(), &q);
        assert!(!cli.is_null(), "{}", last_error());
        // Upstream uses LIVELINESS_CHANGED where supported; any event of the subscription
        // exercises the same path here.
        let mut event: rmw_event_t = std::mem::zeroed();
        #[cfg(not(ros_distro = "humble"))]
        let event_type = RMW_EVENT_SUBSCRIPTION_MATCHED;
        #[cfg(ros_distro = "humble")]
        let event_type = RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE;
        assert_eq!(
            rmw_subscription_event_init(&mut event, sub, event_type),
            RMW_RET_OK
        );
        let ws = rmw_create_wait_set(ctx.ptr(), 5);
        assert!(!ws.is_null());
        let ev_ptr = (&mut event as *mut rmw_event_t).cast::<c_void>();
        let fresh = || Arrays {
            subs: [(*sub).data],
            gcs: [(*gc).data],
            srvs: [(*srv).data],
            clis: [(*cli).data],
            evs: [ev_ptr],
        };
        let all = [true; 5];

        assert_eq!(
            rmw_wait(
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null()
            ),
            RMW_RET_INVALID_ARGUMENT
        );
        let id = (*ws).implementation_identifier;
        (*ws).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        let mut a = fresh();
        let short = rmw_time_t {
            sec: 0,
            nsec: 10_000_000,
        };
        assert_eq!(
            a.wait(all, ws, Some(short)),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*ws).implementation_identifier = id;
        assert!(
            [a.subs[0], a.gcs[0], a.srvs[0], a.clis[0], a.evs[0]]
                .iter()
                .all(|p| !p.is_null()),
            "a foreign wait set changed the arrays"
        );

        let zero = rmw_time_t { sec: 0, nsec: 0 };
        for t in [short, zero] {
            let mut a = fresh();
            assert_eq!(a.wait([false; 5], ws, Some(t)), RMW_RET_TIMEOUT);
            // Growing sets of categories, as upstream does.
            for n in 1..=5 {
                let mut use_ = [false; 5];
                use_[..n].iter_mut().for_each(|u| *u = true);
                let mut a = fresh();
                assert_eq!(a.wait(use_, ws, Some(t)), RMW_RET_TIMEOUT, "{n} kinds");
                let got = [a.subs[0], a.gcs[0], a.srvs[0], a.clis[0], a.evs[0]];
                for (i, p) in got.iter().enumerate().take(n) {
                    assert!(p.is_null(), "kind {i} not set to NULL ({n} kinds)");
                }
            }
        }

        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        assert_eq!(rmw_destroy_client(node.0, cli), RMW_RET_OK);
        assert_eq!(rmw_destroy_service(node.0, srv), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, sub), RMW_RET_OK);
        assert_eq!(rmw_destroy_guard_condition(gc), RMW_RET_OK);
    }
}

/// test_wait_set rmw_destroy_wait_set: NULL (RMW_RET_ERROR up to Jazzy, INVALID_ARGUMENT from
/// Kilted) and foreign wait sets.
#[test]
fn destroy_wait_set_bad_arguments() {
    let mut ctx = Context::new();
    unsafe {
        assert_eq!(
            rmw_destroy_wait_set(null_mut()),
            upstream::DESTROY_WAIT_SET_NULL
        );
        assert!(!last_error().is_empty());
        assert!(rmw_create_wait_set(null_mut(), 0).is_null());
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        assert!(!ws.is_null());
        let id = (*ws).implementation_identifier;
        (*ws).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_destroy_wait_set(ws),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*ws).implementation_identifier = id;
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}

/// test_wait_set rmw_wait_guard_conditions: 100 guard conditions triggered (in reverse order)
/// from another thread while the wait blocks; every one is reported exactly once across the
/// wait and one follow-up poll, and a further wait times out.
#[test]
fn many_guard_conditions_each_reported_once() {
    const N: usize = 100;
    let mut ctx = Context::new();
    unsafe {
        let gcs: Vec<*mut rmw_guard_condition_t> = (0..N)
            .map(|_| rmw_create_guard_condition(ctx.ptr()))
            .collect();
        assert!(gcs.iter().all(|g| !g.is_null()));
        let ws = rmw_create_wait_set(ctx.ptr(), N);
        assert!(!ws.is_null());
        let wait = |arr: &mut Vec<*mut c_void>, t: rmw_time_t| {
            let mut g = rmw_guard_conditions_t {
                guard_condition_count: arr.len(),
                guard_conditions: arr.as_mut_ptr(),
            };
            rmw_wait(
                null_mut(),
                &mut g,
                null_mut(),
                null_mut(),
                null_mut(),
                ws,
                &t,
            )
        };
        let long = rmw_time_t { sec: 10, nsec: 0 };
        let tiny = rmw_time_t { sec: 0, nsec: 1 };
        for _run in 0..20 {
            let mut seen = [false; N];
            let addrs: Vec<usize> = gcs.iter().map(|g| *g as usize).collect();
            let trigger = std::thread::spawn(move || {
                for &g in addrs.iter().rev() {
                    let rc = rmw_trigger_guard_condition(g as *const rmw_guard_condition_t);
                    assert_eq!(rc, RMW_RET_OK);
                }
            });
            let mut arr: Vec<*mut c_void> = gcs.iter().map(|g| (**g).data).collect();
            assert_eq!(wait(&mut arr, long), RMW_RET_OK);
            trigger.join().unwrap();
            for (j, p) in arr.iter().enumerate() {
                if !p.is_null() {
                    seen[j] = true;
                }
            }
            if seen.iter().any(|s| !s) {
                let mut arr: Vec<*mut c_void> = gcs.iter().map(|g| (**g).data).collect();
                assert_eq!(wait(&mut arr, tiny), RMW_RET_OK);
                for (j, p) in arr.iter().enumerate() {
                    if !p.is_null() {
                        assert!(!seen[j], "guard condition {j} reported twice");
                        seen[j] = true;
                    }
                }
            }
            assert!(seen.iter().all(|s| *s), "not every trigger was reported");
            let mut arr: Vec<*mut c_void> = gcs.iter().map(|g| (**g).data).collect();
            assert_eq!(wait(&mut arr, tiny), RMW_RET_TIMEOUT);
        }
        for g in gcs {
            assert_eq!(rmw_destroy_guard_condition(g), RMW_RET_OK);
        }
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}
