//! MATCHED-event assertions of the upstream test_rmw_implementation suite (test_event):
//! status before any peer, listener callback once per (un)match, statuses after waiting on the
//! event, one publisher with several subscriptions and the reverse. (Deadline, liveliness and
//! lifespan events are not covered here.)
#![cfg(not(ros_distro = "humble"))]
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::event::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::atomic::{AtomicUsize, Ordering};

fn new_pub(node: &Node) -> *mut rmw_publisher_t {
    create_pub(node, plain_ts(), "/test_topic", &rmw_qos_profile_default)
}

fn new_sub(node: &Node) -> *mut rmw_subscription_t {
    create_sub(node, plain_ts(), "/test_topic", &rmw_qos_profile_default)
}

fn take(event: &mut rmw_event_t) -> (i64, i64, i64, i64) {
    let mut st: rmw_matched_status_t = unsafe { std::mem::zeroed() };
    let mut taken = false;
    let rc = unsafe {
        rmw_take_event(
            event,
            (&mut st as *mut rmw_matched_status_t).cast(),
            &mut taken,
        )
    };
    assert_eq!(rc, RMW_RET_OK, "{}", last_error());
    assert!(taken, "a MATCHED event is always taken");
    (
        st.total_count as i64,
        st.total_count_change as i64,
        st.current_count as i64,
        i64::from(st.current_count_change),
    )
}

/// Waits (up to 1 s, as upstream) for the event, then takes it.
fn wait_and_take(ctx: &mut Context, event: &mut rmw_event_t) -> (i64, i64, i64, i64) {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let mut arr = [(event as *mut rmw_event_t).cast::<c_void>()];
        let mut evs = rmw_events_t {
            event_count: 1,
            events: arr.as_mut_ptr(),
        };
        let t = rmw_time_t { sec: 1, nsec: 0 };
        let rc = rmw_wait(
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            &mut evs,
            ws,
            &t,
        );
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        assert_eq!(rc, RMW_RET_OK, "the MATCHED event did not become ready");
        assert!(!arr[0].is_null());
    }
    take(event)
}

unsafe extern "C" fn count_callback(user_data: *const c_void, _n: usize) {
    let counter = unsafe { &*user_data.cast::<AtomicUsize>() };
    counter.fetch_add(1, Ordering::SeqCst);
}

/// basic_publisher_matched_event and basic_subscription_matched_event.
#[test]
fn matched_event_status_and_callback() {
    for publisher_side in [true, false] {
        let mut ctx = Context::new();
        let node = ctx.node("events", "/");
        let calls = Box::new(AtomicUsize::new(0));
        unsafe {
            let mut event: rmw_event_t = std::mem::zeroed();
            let (own_pub, own_sub) = if publisher_side {
                let p = new_pub(&node);
                assert_eq!(
                    rmw_publisher_event_init(&mut event, p, RMW_EVENT_PUBLICATION_MATCHED),
                    RMW_RET_OK
                );
                (p, null_mut())
            } else {
                let s = new_sub(&node);
                assert_eq!(
                    rmw_subscription_event_init(&mut event, s, RMW_EVENT_SUBSCRIPTION_MATCHED),
                    RMW_RET_OK
                );
                (null_mut(), s)
            };
            assert_eq!(
                rmw_event_set_callback(
                    &mut event,
                    Some(count_callback),
                    (&*calls as *const AtomicUsize).cast()
                ),
                RMW_RET_OK
            );
            assert_eq!(take(&mut event), (0, 0, 0, 0), "no peer yet");

            // Peers arrive one at a time: one callback each.
            let peer_a = if publisher_side {
                new_sub(&node).cast::<c_void>()
            } else {
                new_pub(&node).cast()
            };
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            let peer_b = if publisher_side {
                new_sub(&node).cast::<c_void>()
            } else {
                new_pub(&node).cast()
            };
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            assert_eq!(wait_and_take(&mut ctx, &mut event), (2, 2, 2, 2));

            calls.store(0, Ordering::SeqCst);
            let drop_peer = |p: *mut c_void| {
                let rc = if publisher_side {
                    rmw_destroy_subscription(node.0, p.cast())
                } else {
                    rmw_destroy_publisher(node.0, p.cast())
                };
                assert_eq!(rc, RMW_RET_OK);
            };
            drop_peer(peer_a);
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            drop_peer(peer_b);
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            assert_eq!(wait_and_take(&mut ctx, &mut event), (2, 0, 0, -2));

            assert_eq!(
                rmw_event_set_callback(&mut event, None, std::ptr::null()),
                RMW_RET_OK
            );
            if publisher_side {
                assert_eq!(rmw_destroy_publisher(node.0, own_pub), RMW_RET_OK);
            } else {
                assert_eq!(rmw_destroy_subscription(node.0, own_sub), RMW_RET_OK);
            }
        }
    }
}

/// one_pub_multi_sub_connect_disconnect and one_sub_multi_pub_matched_unmatched_event.
#[test]
fn matched_event_counts_one_peer_leaving_at_a_time() {
    for publisher_side in [true, false] {
        let mut ctx = Context::new();
        let node = ctx.node("events_multi", "/");
        unsafe {
            let mut event: rmw_event_t = std::mem::zeroed();
            let own: *mut c_void = if publisher_side {
                let p = new_pub(&node);
                assert_eq!(
                    rmw_publisher_event_init(&mut event, p, RMW_EVENT_PUBLICATION_MATCHED),
                    RMW_RET_OK
                );
                p.cast()
            } else {
                let s = new_sub(&node);
                assert_eq!(
                    rmw_subscription_event_init(&mut event, s, RMW_EVENT_SUBSCRIPTION_MATCHED),
                    RMW_RET_OK
                );
                s.cast()
            };
            let peers: Vec<*mut c_void> = (0..2)
                .map(|_| {
                    if publisher_side {
                        new_sub(&node).cast()
                    } else {
                        new_pub(&node).cast()
                    }
                })
                .collect();
            assert_eq!(take(&mut event), (2, 2, 2, 2));
            let mut left = 2;
            for p in peers {
                let rc = if publisher_side {
                    rmw_destroy_subscription(node.0, p.cast())
                } else {
                    rmw_destroy_publisher(node.0, p.cast())
                };
                assert_eq!(rc, RMW_RET_OK);
                left -= 1;
                assert_eq!(wait_and_take(&mut ctx, &mut event), (2, 0, left, -1));
            }
            let rc = if publisher_side {
                rmw_destroy_publisher(node.0, own.cast())
            } else {
                rmw_destroy_subscription(node.0, own.cast())
            };
            assert_eq!(rc, RMW_RET_OK);
        }
    }
}
