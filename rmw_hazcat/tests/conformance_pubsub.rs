//! Publisher, subscription, serialization and loan assertions of the upstream
//! test_rmw_implementation suite (test_publisher, test_subscription, test_serialize_deserialize,
//! test_duration_infinite) that the other test files do not already cover, driven through the
//! exported C functions.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::loan::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::qos::*;
use rmw_hazcat_rs::api::serialize::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::cmem::default_allocator;
use rmw_hazcat_rs::sys::rosidl::rosidl_message_type_support_t;
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

fn serialized() -> rmw_serialized_message_t {
    let mut m: rmw_serialized_message_t = unsafe { std::mem::zeroed() };
    m.allocator = default_allocator();
    m
}

fn free_serialized(m: &mut rmw_serialized_message_t) {
    unsafe { libc::free(m.buffer.cast()) };
    m.buffer = null_mut();
}

/// Waits (bounded) until `sub` is ready; returns which of `subs` were reported ready.
fn wait_subs(ctx: &mut Context, subs: &[*mut rmw_subscription_t]) -> (rmw_ret_t, Vec<bool>) {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), subs.len());
        assert!(!ws.is_null());
        let mut arr: Vec<*mut c_void> = subs.iter().map(|s| (**s).data).collect();
        let mut s = rmw_subscriptions_t {
            subscriber_count: arr.len(),
            subscribers: arr.as_mut_ptr(),
        };
        let t = rmw_time_t { sec: 10, nsec: 0 };
        let rc = rmw_wait(
            &mut s,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            ws,
            &t,
        );
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        (rc, arr.iter().map(|p| !p.is_null()).collect())
    }
}

fn info_bytes(i: &rmw_message_info_t) -> Vec<u8> {
    unsafe {
        std::slice::from_raw_parts(
            (i as *const rmw_message_info_t).cast::<u8>(),
            std::mem::size_of::<rmw_message_info_t>(),
        )
    }
    .to_vec()
}

/// `rmw_publisher_count_matched_subscriptions`, asserting success.
fn matched_subscriptions(p: *mut rmw_publisher_t) -> usize {
    let mut n = 99usize;
    assert_eq!(
        unsafe { rmw_publisher_count_matched_subscriptions(p, &mut n) },
        RMW_RET_OK
    );
    n
}

/// `rmw_subscription_count_matched_publishers`, asserting success.
fn matched_publishers(s: *mut rmw_subscription_t) -> usize {
    let mut n = 99usize;
    assert_eq!(
        unsafe { rmw_subscription_count_matched_publishers(s, &mut n) },
        RMW_RET_OK
    );
    n
}

/// Publishes `m` on `p`, waits until `s` is ready, takes one message from it: `m` again.
fn round_trip(ctx: &mut Context, p: *mut rmw_publisher_t, s: *mut rmw_subscription_t, m: &Plain) {
    unsafe {
        assert_eq!(
            rmw_publish(p, (m as *const Plain).cast(), null_mut()),
            RMW_RET_OK
        );
        let (rc, ready) = wait_subs(ctx, &[s]);
        assert_eq!((rc, ready), (RMW_RET_OK, vec![true]));
        let mut out = Plain::default();
        let mut taken = false;
        assert_eq!(
            rmw_take(s, (&mut out as *mut Plain).cast(), &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(out, *m);
    }
}

/// test_publisher / test_subscription / test_serialize_deserialize overwrite the
/// `typesupport_identifier` of the very handle they used before and expect every entry point to
/// reject it, then restore it and expect success again.
#[test]
fn bogus_identifier_on_a_handle_already_used_is_rejected() {
    let mut ctx = Context::new();
    let node = ctx.node("bogus_ts", "/");
    // A private, writable copy of the Plain handle (the fixture's own is shared by all tests).
    let ts: &'static mut rosidl_message_type_support_t =
        Box::leak(Box::new(unsafe { std::ptr::read(plain_ts()) }));
    let tsp: *mut rosidl_message_type_support_t = ts;
    let q = rmw_qos_profile_default;
    let topic = cs("/bogus_ts");
    let m = Plain {
        id: 4,
        value: 1.5,
        flag: 1,
    };
    unsafe {
        // The handle works (and whatever the implementation caches about it is now cached).
        let p = create_pub(&node, tsp, "/bogus_ts", &q);
        let s = create_sub(&node, tsp, "/bogus_ts", &q);
        let mut ser = serialized();
        assert_eq!(
            rmw_serialize((&m as *const Plain).cast(), tsp, &mut ser),
            RMW_RET_OK
        );

        let id = (*tsp).typesupport_identifier;
        (*tsp).typesupport_identifier = c"not-a-typesupport-identifier".as_ptr();
        let bad_pub = rmw_create_publisher(node.0, tsp, topic.as_ptr(), &q, &pub_opts());
        assert!(
            bad_pub.is_null(),
            "publisher created with a bogus type support"
        );
        assert!(!last_error().is_empty());
        let bad_sub = rmw_create_subscription(node.0, tsp, topic.as_ptr(), &q, &sub_opts(false));
        assert!(
            bad_sub.is_null(),
            "subscription created with a bogus type support"
        );
        let mut ser2 = serialized();
        assert_ne!(
            rmw_serialize((&m as *const Plain).cast(), tsp, &mut ser2),
            RMW_RET_OK,
            "rmw_serialize accepted a bogus type support"
        );
        let mut back = Plain::default();
        assert_ne!(
            rmw_deserialize(&ser, tsp, (&mut back as *mut Plain).cast()),
            RMW_RET_OK,
            "rmw_deserialize accepted a bogus type support"
        );
        assert_eq!(back, Plain::default());
        (*tsp).typesupport_identifier = id;

        // Restored: everything works again.
        let p2 = create_pub(&node, tsp, "/bogus_ts", &q);
        assert_eq!(
            rmw_deserialize(&ser, tsp, (&mut back as *mut Plain).cast()),
            RMW_RET_OK
        );
        assert_eq!(back, m);
        free_serialized(&mut ser);
        free_serialized(&mut ser2);
        assert_eq!(rmw_destroy_publisher(node.0, p2), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_subscription take_with_bad_args / take_with_info_with_bad_args /
/// take_serialized_with_bad_args / take_sequence_with_bad_args: every failure leaves the
/// outputs (taken flag, message, info, sequence sizes) untouched.
#[test]
fn take_bad_arguments_leave_outputs_unchanged() {
    let mut ctx = Context::new();
    let node = ctx.node("take_args", "/ns");
    let mut q = rmw_qos_profile_default;
    q.reliability = RMW_QOS_POLICY_RELIABILITY_RELIABLE;
    let sub = create_sub(&node, plain_ts(), "/take_args", &q);
    let original = Plain {
        id: 77,
        value: 0.42,
        flag: 1,
    };
    unsafe {
        let msg_ptr = |m: &mut Plain| (m as *mut Plain).cast::<c_void>();
        let mut out = original;
        let mut taken = false;

        // rmw_take
        assert_eq!(
            rmw_take(null(), msg_ptr(&mut out), &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(!taken);
        assert_eq!(out, original);
        assert_eq!(
            rmw_take(sub, null_mut(), &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(!taken);
        assert_eq!(
            rmw_take(sub, msg_ptr(&mut out), null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(out, original);
        let id = (*sub).implementation_identifier;
        (*sub).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_take(sub, msg_ptr(&mut out), &mut taken, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*sub).implementation_identifier = id;
        assert!(!taken);
        assert_eq!(out, original);

        // rmw_take_with_info
        let mut info = zero_info();
        let original_info = info_bytes(&info);
        assert_eq!(
            rmw_take_with_info(null(), msg_ptr(&mut out), &mut taken, &mut info, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_with_info(sub, null_mut(), &mut taken, &mut info, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_with_info(sub, msg_ptr(&mut out), null_mut(), &mut info, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_with_info(sub, msg_ptr(&mut out), &mut taken, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        (*sub).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_take_with_info(sub, msg_ptr(&mut out), &mut taken, &mut info, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*sub).implementation_identifier = id;
        assert!(!taken);
        assert_eq!(out, original);
        assert_eq!(info_bytes(&info), original_info);

        // rmw_take_serialized_message(_with_info)
        let mut ser = serialized();
        assert_eq!(
            rmw_take_serialized_message(null(), &mut ser, &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_serialized_message(sub, null_mut(), &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_serialized_message(sub, &mut ser, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_serialized_message_with_info(
                sub,
                &mut ser,
                &mut taken,
                null_mut(),
                null_mut()
            ),
            RMW_RET_INVALID_ARGUMENT
        );
        (*sub).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_take_serialized_message(sub, &mut ser, &mut taken, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_take_serialized_message_with_info(sub, &mut ser, &mut taken, &mut info, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*sub).implementation_identifier = id;
        assert!(!taken);
        assert_eq!(ser.buffer_length, 0);

        // rmw_take_sequence
        let mut slot = original;
        let mut slots = [msg_ptr(&mut slot)];
        let mut infos = [zero_info()];
        let mut seq = rmw_message_sequence_t {
            data: slots.as_mut_ptr(),
            size: 0,
            capacity: 1,
            allocator: null_mut(),
        };
        let mut iseq = rmw_message_info_sequence_t {
            data: infos.as_mut_ptr(),
            size: 0,
            capacity: 1,
            allocator: null_mut(),
        };
        let mut n = 0usize;
        assert_eq!(
            rmw_take_sequence(null(), 1, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_sequence(sub, 0, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT,
            "count 0"
        );
        assert_eq!(
            rmw_take_sequence(sub, 1, null_mut(), &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut seq, null_mut(), &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut seq, &mut iseq, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let mut empty_seq = rmw_message_sequence_t {
            data: null_mut(),
            size: 0,
            capacity: 0,
            allocator: null_mut(),
        };
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut empty_seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT,
            "message sequence smaller than count"
        );
        let mut empty_iseq = rmw_message_info_sequence_t {
            data: null_mut(),
            size: 0,
            capacity: 0,
            allocator: null_mut(),
        };
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut seq, &mut empty_iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT,
            "info sequence smaller than count"
        );
        (*sub).implementation_identifier = c"not-an-rmw-implementation-identifier".as_ptr();
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*sub).implementation_identifier = id;
        assert_eq!((seq.size, iseq.size, n), (0, 0, 0));
        assert_eq!((empty_seq.size, empty_iseq.size), (0, 0));

        // Nothing published: OK, nothing taken (taken starts non-zero to see it written).
        n = 10;
        assert_eq!(
            rmw_take_sequence(sub, 1, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_OK
        );
        assert_eq!(n, 0);
        assert_eq!(slot, original);
        assert_eq!(rmw_destroy_subscription(node.0, sub), RMW_RET_OK);
    }
}

/// test_publisher: publish / publish_serialized / get_actual_qos / count_matched /
/// wait_for_all_acked argument checks.
#[test]
fn publisher_use_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("pub_args", "/");
    let mut q = rmw_qos_profile_default;
    q.reliability = RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT;
    let p = create_pub(&node, plain_ts(), "/pub_args", &q);
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    unsafe {
        let m = Plain::default();
        let mp = (&m as *const Plain).cast::<c_void>();
        assert_eq!(
            rmw_publish(null(), mp, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(rmw_publish(p, null(), null_mut()), RMW_RET_INVALID_ARGUMENT);
        let ser = serialized();
        assert_eq!(
            rmw_publish_serialized_message(null(), &ser, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publish_serialized_message(p, null(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let mut actual = rmw_qos_profile_unknown;
        assert_eq!(
            rmw_publisher_get_actual_qos(null(), &mut actual),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publisher_get_actual_qos(p, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let mut count = 0usize;
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(null(), &mut count),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(p, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publisher_wait_for_all_acked(null(), rmw_time_t { sec: 0, nsec: 0 }),
            RMW_RET_INVALID_ARGUMENT
        );
        // Best effort: acknowledged at once.
        assert_eq!(
            rmw_publisher_wait_for_all_acked(p, rmw_time_t { sec: 0, nsec: 0 }),
            RMW_RET_OK
        );

        let id = (*p).implementation_identifier;
        (*p).implementation_identifier = foreign;
        assert_eq!(
            rmw_publish(p, mp, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_publish_serialized_message(p, &ser, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_publisher_get_actual_qos(p, &mut actual),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(p, &mut count),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*p).implementation_identifier = id;

        // get_actual_qos echoes history, depth, reliability and durability.
        assert_eq!(rmw_publisher_get_actual_qos(p, &mut actual), RMW_RET_OK);
        assert_eq!(
            (
                actual.history,
                actual.depth,
                actual.reliability,
                actual.durability
            ),
            (q.history, q.depth, q.reliability, q.durability)
        );

        // destroy: NULL node, NULL publisher, foreign node.
        assert_eq!(
            rmw_destroy_publisher(null_mut(), p),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_publisher(node.0, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let nid = (*node.0).implementation_identifier;
        (*node.0).implementation_identifier = foreign;
        assert_eq!(
            rmw_destroy_publisher(node.0, p),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*node.0).implementation_identifier = nid;
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_publisher count_matched_subscriptions / count_mismatched_subscriptions and the
/// subscription counterparts: 0 → 1 → 0, and a BEST_EFFORT publisher never matches a RELIABLE
/// subscription (what `rmw_qos_profile_check_compatible` says).
#[test]
fn count_matched_follows_qos_compatibility() {
    let mut ctx = Context::new();
    let node = ctx.node("matched", "/");
    let mut best_effort = rmw_qos_profile_default;
    best_effort.reliability = RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT;
    let reliable = rmw_qos_profile_default;
    let p = create_pub(&node, plain_ts(), "/matched", &best_effort);
    unsafe {
        assert_eq!(matched_subscriptions(p), 0);
        let s = create_sub(&node, plain_ts(), "/matched", &best_effort);
        assert_eq!(matched_subscriptions(p), 1);
        assert_eq!(matched_publishers(s), 1);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(matched_subscriptions(p), 0);

        let mut compat = RMW_QOS_COMPATIBILITY_OK;
        assert_eq!(
            rmw_qos_profile_check_compatible(best_effort, reliable, &mut compat, null_mut(), 0),
            RMW_RET_OK
        );
        assert_eq!(compat, RMW_QOS_COMPATIBILITY_ERROR);
        let strict = create_sub(&node, plain_ts(), "/matched", &reliable);
        assert_eq!(
            matched_subscriptions(p),
            0,
            "BEST_EFFORT publisher matched a RELIABLE subscription"
        );
        assert_eq!(matched_publishers(strict), 0);
        assert_eq!(rmw_destroy_subscription(node.0, strict), RMW_RET_OK);
        assert_eq!(matched_subscriptions(p), 0);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_duration_infinite: infinite deadline, lifespan and lease are accepted and match.
#[test]
fn infinite_durations_are_accepted_and_match() {
    let mut ctx = Context::new();
    let node = ctx.node("infinite", "/");
    let mut q = rmw_qos_profile_default;
    q.deadline = RMW_DURATION_INFINITE;
    q.lifespan = RMW_DURATION_INFINITE;
    q.liveliness = RMW_QOS_POLICY_LIVELINESS_AUTOMATIC;
    q.liveliness_lease_duration = RMW_DURATION_INFINITE;
    let p = create_pub(&node, plain_ts(), "/infinite", &q);
    let s = create_sub(&node, plain_ts(), "/infinite", &q);
    assert_eq!(matched_subscriptions(p), 1);
    assert_eq!(matched_publishers(s), 1);
    let m = Plain {
        id: 1,
        value: 2.0,
        flag: 3,
    };
    round_trip(&mut ctx, p, s, &m);
    unsafe {
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_subscription ignore_local_publications(_serialized): a subscription that ignores local
/// publications takes nothing (plain or serialized) from a publisher of its own context; a
/// plain one takes the message, field for field.
#[test]
fn ignore_local_publications_plain_and_serialized() {
    let mut ctx = Context::new();
    let node = ctx.node("ignore_local", "/");
    let q = rmw_qos_profile_default;
    let p = create_pub(&node, plain_ts(), "/ignore_local", &q);
    let ignoring = create_sub_with(&node, plain_ts(), "/ignore_local", &q, &sub_opts(true));
    let plain = create_sub(&node, plain_ts(), "/ignore_local", &q);
    let m = Plain {
        id: 3,
        value: std::f64::consts::PI,
        flag: 1,
    };
    assert_eq!(matched_subscriptions(p), 2);
    unsafe {
        for round in 0..2 {
            assert_eq!(
                rmw_publish(p, (&m as *const Plain).cast(), null_mut()),
                RMW_RET_OK
            );
            let (rc, ready) = wait_subs(&mut ctx, &[ignoring, plain]);
            assert_eq!(rc, RMW_RET_OK);
            assert!(ready[1]);
            let mut taken = true;
            if round == 0 {
                let mut out = Plain::default();
                assert_eq!(
                    rmw_take(
                        ignoring,
                        (&mut out as *mut Plain).cast(),
                        &mut taken,
                        null_mut()
                    ),
                    RMW_RET_OK
                );
                assert!(!taken, "ignore_local_publications took a local message");
                assert_eq!(
                    rmw_take(
                        plain,
                        (&mut out as *mut Plain).cast(),
                        &mut taken,
                        null_mut()
                    ),
                    RMW_RET_OK
                );
                assert!(taken);
                assert_eq!(out, m);
            } else {
                let mut ser = serialized();
                assert_eq!(
                    rmw_take_serialized_message(ignoring, &mut ser, &mut taken, null_mut()),
                    RMW_RET_OK
                );
                assert!(
                    !taken,
                    "ignore_local_publications took a local serialized message"
                );
                assert_eq!(
                    rmw_take_serialized_message(plain, &mut ser, &mut taken, null_mut()),
                    RMW_RET_OK
                );
                assert!(taken);
                assert!(ser.buffer_length > 0);
                free_serialized(&mut ser);
            }
        }
        assert_eq!(rmw_destroy_subscription(node.0, plain), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, ignoring), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_subscription create with content filter options / no_content_filter_get / _set and
/// TestContentFilterSubscriptionUse: options given at creation are accepted (the caller frees
/// them right after), `is_cft_enabled` is false, and get/set report UNSUPPORTED; messages are
/// delivered unfiltered.
#[test]
fn content_filter_options_are_accepted_and_unsupported() {
    let mut ctx = Context::new();
    let node = ctx.node("cft", "/");
    let q = rmw_qos_profile_default;
    let a = default_allocator();
    unsafe {
        let expr = rmw_hazcat_rs::cmem::strdup(&a, "id = %0").unwrap();
        let mut param = rmw_hazcat_rs::cmem::strdup(&a, "3").unwrap();
        let mut cft = rmw_subscription_content_filter_options_t {
            filter_expression: expr,
            expression_parameters: rcutils_string_array_t {
                size: 1,
                data: &mut param,
                allocator: a,
            },
        };
        let mut opts = sub_opts(false);
        opts.content_filter_options = &mut cft;
        let t = cs("/cft");
        let s = rmw_create_subscription(node.0, plain_ts(), t.as_ptr(), &q, &opts);
        assert!(!s.is_null(), "{}", last_error());
        // The caller frees its filter options right after creation.
        libc::free(expr.cast());
        libc::free(param.cast());
        assert!(!(*s).is_cft_enabled);

        let mut got: rmw_subscription_content_filter_options_t = std::mem::zeroed();
        let mut alloc = default_allocator();
        assert_eq!(
            rmw_subscription_get_content_filter(s, &mut alloc, &mut got),
            RMW_RET_UNSUPPORTED
        );
        let mut set: rmw_subscription_content_filter_options_t = std::mem::zeroed();
        set.filter_expression = c"id = 4".as_ptr().cast_mut();
        assert_eq!(
            rmw_subscription_set_content_filter(s, &set),
            RMW_RET_UNSUPPORTED
        );

        let p = create_pub(&node, plain_ts(), "/cft", &q);
        let m = Plain {
            id: 9,
            value: 0.0,
            flag: 0,
        };
        round_trip(&mut ctx, p, s, &m);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
    }
}

/// TestPublisherUseLoan / TestSubscriptionUseLoan SetUp: without loans every loan function
/// answers UNSUPPORTED before looking at its other arguments.
#[test]
fn loans_unsupported_for_non_plain_types() {
    let mut ctx = Context::new();
    let node = ctx.node("no_loans", "/");
    let q = rmw_qos_profile_default;
    let p = create_pub(&node, text_ts(), "/no_loans", &q);
    let s = create_sub(&node, text_ts(), "/no_loans", &q);
    unsafe {
        assert!(!(*p).can_loan_messages);
        assert!(!(*s).can_loan_messages);
        let mut ptr: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(p, text_ts(), &mut ptr),
            RMW_RET_UNSUPPORTED
        );
        assert!(ptr.is_null());
        assert_eq!(
            rmw_return_loaned_message_from_publisher(p, (&mut ptr as *mut *mut c_void).cast()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_publish_loaned_message(p, (&mut ptr as *mut *mut c_void).cast(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        let mut taken = false;
        let mut info = zero_info();
        assert_eq!(
            rmw_take_loaned_message(s, &mut ptr, &mut taken, null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_take_loaned_message_with_info(s, &mut ptr, &mut taken, &mut info, null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert!(ptr.is_null() && !taken);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// TestPublisherUseLoan / TestSubscriptionUseLoan with loans: argument checks, the leak guard,
/// foreign handles, an empty take, and returning something that was never lent.
#[test]
fn loan_bad_arguments_for_plain_types() {
    let mut ctx = Context::new();
    let node = ctx.node("loans", "/");
    let mut q = rmw_qos_profile_default;
    q.reliability = RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT;
    let p = create_pub(&node, plain_ts(), "/loans", &q);
    let s = create_sub(&node, plain_ts(), "/loans", &q);
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    unsafe {
        assert!((*p).can_loan_messages && (*s).can_loan_messages);
        // Publisher side.
        let mut ptr: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(null(), plain_ts(), &mut ptr),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_borrow_loaned_message(p, null(), &mut ptr),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(ptr.is_null());
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut ptr),
            RMW_RET_OK
        );
        assert!(!ptr.is_null());
        let held = ptr;
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut ptr),
            RMW_RET_INVALID_ARGUMENT,
            "borrow into a non-NULL pointer"
        );
        assert_eq!(ptr, held);
        assert_eq!(
            rmw_return_loaned_message_from_publisher(null(), ptr),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_return_loaned_message_from_publisher(p, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publish_loaned_message(null(), ptr, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_publish_loaned_message(p, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let id = (*p).implementation_identifier;
        (*p).implementation_identifier = foreign;
        assert_eq!(
            rmw_return_loaned_message_from_publisher(p, ptr),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        let mut other: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut other),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*p).implementation_identifier = id;
        assert_eq!(rmw_return_loaned_message_from_publisher(p, ptr), RMW_RET_OK);

        // Subscription side.
        let mut loaned: *mut c_void = null_mut();
        let mut taken = false;
        let mut info = zero_info();
        assert_eq!(
            rmw_take_loaned_message(null(), &mut loaned, &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_loaned_message(s, null_mut(), &mut taken, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_loaned_message(s, &mut loaned, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_loaned_message_with_info(s, &mut loaned, &mut taken, null_mut(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(loaned.is_null() && !taken);
        assert_eq!(
            rmw_take_loaned_message(s, &mut loaned, &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(loaned.is_null() && !taken, "empty take lent something");
        assert_eq!(
            rmw_take_loaned_message_with_info(s, &mut loaned, &mut taken, &mut info, null_mut()),
            RMW_RET_OK
        );
        assert!(loaned.is_null() && !taken);
        let mut not_lent = Plain::default();
        let not_lent = (&mut not_lent as *mut Plain).cast::<c_void>();
        assert_eq!(
            rmw_return_loaned_message_from_subscription(null(), not_lent),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, not_lent),
            RMW_RET_ERROR,
            "returning a message that was never lent"
        );
        let sid = (*s).implementation_identifier;
        (*s).implementation_identifier = foreign;
        assert_eq!(
            rmw_take_loaned_message(s, &mut loaned, &mut taken, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_take_loaned_message_with_info(s, &mut loaned, &mut taken, &mut info, null_mut()),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, not_lent),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*s).implementation_identifier = sid;
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

/// test_serialize_deserialize serialize_with_bad_arguments: an allocator that cannot allocate
/// makes rmw_serialize fail (not crash), and `rmw_get_serialized_message_size` is UNSUPPORTED
/// (which lets the upstream test skip its size checks); no context is needed.
#[test]
fn serialize_with_failing_allocator_fails() {
    unsafe extern "C" fn fail_alloc(_: usize, _: *mut c_void) -> *mut c_void {
        null_mut()
    }
    unsafe extern "C" fn fail_realloc(_: *mut c_void, _: usize, _: *mut c_void) -> *mut c_void {
        null_mut()
    }
    unsafe extern "C" fn fail_zalloc(_: usize, _: usize, _: *mut c_void) -> *mut c_void {
        null_mut()
    }
    unsafe extern "C" fn no_free(_: *mut c_void, _: *mut c_void) {}
    let mut ser = serialized();
    ser.allocator = rcutils_allocator_t {
        allocate: Some(fail_alloc),
        deallocate: Some(no_free),
        reallocate: Some(fail_realloc),
        zero_allocate: Some(fail_zalloc),
        state: null_mut(),
    };
    let m = Plain::default();
    unsafe {
        let rc = rmw_serialize((&m as *const Plain).cast(), plain_ts(), &mut ser);
        assert_ne!(rc, RMW_RET_OK);
        assert!(!last_error().is_empty());
        assert!(ser.buffer.is_null());
        let mut size = 0usize;
        assert_eq!(
            rmw_get_serialized_message_size(null(), null(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_get_serialized_message_size(plain_ts(), null(), &mut size),
            RMW_RET_UNSUPPORTED
        );
    }
}
