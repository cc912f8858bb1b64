//! Publishers, subscriptions, wait, take, loans, serialized messages, events, graph queries and
//! the bad-argument cases of test_rmw_implementation, in one process (hand-built type supports
//! in the layout of the distro under test).
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::event::*;
use rmw_hazcat_rs::api::graph::*;
use rmw_hazcat_rs::api::loan::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::qos::*;
use rmw_hazcat_rs::api::serialize::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::cmem::{default_allocator, zero_allocator};
use rmw_hazcat_rs::sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

/// Waits (forever, no busy loop) until the subscription has data.
fn wait_for(ctx: &mut Context, sub: *mut rmw_subscription_t) {
    unsafe {
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let mut arr = [(*sub).data];
        let mut subs = rmw_subscriptions_t {
            subscriber_count: 1,
            subscribers: arr.as_mut_ptr(),
        };
        let t = rmw_time_t { sec: 30, nsec: 0 };
        let rc = rmw_wait(
            &mut subs,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            ws,
            &t,
        );
        assert_eq!(rc, RMW_RET_OK, "{}", last_error());
        assert_eq!(arr[0], (*sub).data);
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}

#[test]
fn plain_pubsub_with_info_and_loans() {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    let node = ctx.node("plain", "/");
    unsafe {
        let p = create_pub(&node, plain_ts(), "/plain", &rmw_qos_profile_default);
        let s = create_sub(&node, plain_ts(), "/plain", &rmw_qos_profile_default);
        assert!((*p).can_loan_messages && (*s).can_loan_messages);
        assert_eq!(rs((*p).topic_name), "/plain");
        let mut n = 0usize;
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(p, &mut n),
            RMW_RET_OK
        );
        assert_eq!(n, 1);
        assert_eq!(
            rmw_subscription_count_matched_publishers(s, &mut n),
            RMW_RET_OK
        );
        assert_eq!(n, 1);

        // Empty: taken = false.
        let mut msg = Plain::default();
        let mut taken = true;
        assert_eq!(
            rmw_take(s, (&mut msg as *mut Plain).cast(), &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(!taken);

        let sent = Plain {
            id: 7,
            value: 2.5,
            flag: 1,
        };
        assert_eq!(
            rmw_publish(p, (&sent as *const Plain).cast(), null_mut()),
            RMW_RET_OK
        );
        wait_for(&mut ctx, s);
        let mut info = zero_info();
        assert_eq!(
            rmw_take_with_info(
                s,
                (&mut msg as *mut Plain).cast(),
                &mut taken,
                &mut info,
                null_mut()
            ),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(msg, sent);
        let mut gid: rmw_gid_t = std::mem::zeroed();
        assert_eq!(rmw_get_gid_for_publisher(p, &mut gid), RMW_RET_OK);
        let mut eq = false;
        assert_eq!(
            rmw_compare_gids_equal(&gid, &info.publisher_gid, &mut eq),
            RMW_RET_OK
        );
        assert!(eq);
        assert!(info.source_timestamp > 0 && info.received_timestamp >= info.source_timestamp);
        assert_eq!(info.reception_sequence_number, 1);
        assert!(info.publication_sequence_number >= 1);

        // Publisher loan: borrow, fill, publish (zero copy); subscriber loan: take, return.
        let mut loan: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut loan),
            RMW_RET_OK
        );
        assert!(!loan.is_null());
        let mut again = loan;
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut again),
            RMW_RET_INVALID_ARGUMENT
        );
        loan.cast::<Plain>().write(Plain {
            id: 8,
            value: -1.0,
            flag: 0,
        });
        assert_eq!(rmw_publish_loaned_message(p, loan, null_mut()), RMW_RET_OK);
        let mut unused: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(p, plain_ts(), &mut unused),
            RMW_RET_OK
        );
        assert_eq!(
            rmw_return_loaned_message_from_publisher(p, unused),
            RMW_RET_OK
        );
        wait_for(&mut ctx, s);
        let mut got: *mut c_void = null_mut();
        assert_eq!(
            rmw_take_loaned_message_with_info(s, &mut got, &mut taken, &mut info, null_mut()),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(
            *got.cast::<Plain>(),
            Plain {
                id: 8,
                value: -1.0,
                flag: 0
            }
        );
        assert_eq!(info.reception_sequence_number, 2);
        let mut bogus = 0u64;
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, (&mut bogus as *mut u64).cast()),
            RMW_RET_ERROR
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, got),
            RMW_RET_OK
        );
        let mut none: *mut c_void = null_mut();
        assert_eq!(
            rmw_take_loaned_message(s, &mut none, &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(!taken && none.is_null());

        // Serialized publish of a plain type arrives as the struct.
        let mut ser: rmw_serialized_message_t = std::mem::zeroed();
        ser.allocator = default_allocator();
        let m = Plain {
            id: 9,
            value: 0.25,
            flag: 3,
        };
        assert_eq!(
            rmw_serialize((&m as *const Plain).cast(), plain_ts(), &mut ser),
            RMW_RET_OK
        );
        assert_eq!(&std::slice::from_raw_parts(ser.buffer, 4), &[0, 1, 0, 0]);
        assert_eq!(
            rmw_publish_serialized_message(p, &ser, null_mut()),
            RMW_RET_OK
        );
        wait_for(&mut ctx, s);
        let mut ser2: rmw_serialized_message_t = std::mem::zeroed();
        ser2.allocator = default_allocator();
        assert_eq!(
            rmw_take_serialized_message(s, &mut ser2, &mut taken, null_mut()),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(
            std::slice::from_raw_parts(ser.buffer, ser.buffer_length),
            std::slice::from_raw_parts(ser2.buffer, ser2.buffer_length)
        );
        let mut back = Plain::default();
        assert_eq!(
            rmw_deserialize(&ser2, plain_ts(), (&mut back as *mut Plain).cast()),
            RMW_RET_OK
        );
        assert_eq!(back, m);
        libc::free(ser.buffer.cast());
        libc::free(ser2.buffer.cast());

        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
    drop(node);
    drop(ctx);
    assert_shm_clean(domain);
}

#[test]
fn text_pubsub_sequence_and_no_loans() {
    let mut ctx = Context::new();
    let node = ctx.node("text", "/ns");
    unsafe {
        let p = create_pub(&node, text_ts(), "/text", &rmw_qos_profile_default);
        let s = create_sub(&node, text_ts(), "/text", &rmw_qos_profile_default);
        assert!(!(*p).can_loan_messages && !(*s).can_loan_messages);
        let mut loan: *mut c_void = null_mut();
        assert_eq!(
            rmw_borrow_loaned_message(p, text_ts(), &mut loan),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_borrow_loaned_message(p, null(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_return_loaned_message_from_publisher(p, null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_publish_loaned_message(p, null_mut(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        let mut taken = false;
        assert_eq!(
            rmw_take_loaned_message(s, &mut loan, &mut taken, null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_return_loaned_message_from_subscription(s, null_mut()),
            RMW_RET_UNSUPPORTED
        );

        for (i, t) in ["hello", "", "wörld"].iter().enumerate() {
            let mut m = TextMsg::new(i as u32, t);
            assert_eq!(rmw_publish(p, m.ptr(), null_mut()), RMW_RET_OK);
        }
        wait_for(&mut ctx, s);
        let mut msgs: Vec<TextMsg> = (0..4).map(|_| TextMsg::new(99, "old")).collect();
        let mut ptrs: Vec<*mut c_void> = msgs.iter_mut().map(|m| m.ptr()).collect();
        let mut infos: Vec<rmw_message_info_t> = (0..4).map(|_| zero_info()).collect();
        let mut seq = rmw_message_sequence_t {
            data: ptrs.as_mut_ptr(),
            size: 0,
            capacity: 4,
            allocator: null_mut(),
        };
        let mut iseq = rmw_message_info_sequence_t {
            data: infos.as_mut_ptr(),
            size: 0,
            capacity: 4,
            allocator: null_mut(),
        };
        let mut n = 0usize;
        assert_eq!(
            rmw_take_sequence(s, 0, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_sequence(s, 5, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_take_sequence(s, 4, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_OK
        );
        assert_eq!((n, seq.size, iseq.size), (3, 3, 3));
        assert_eq!((msgs[0].id(), msgs[0].text()), (0, "hello".into()));
        assert_eq!(msgs[1].text(), "");
        assert_eq!((msgs[2].id(), msgs[2].text()), (2, "wörld".into()));
        assert_eq!(msgs[3].text(), "old");
        assert!(infos[0].publication_sequence_number < infos[2].publication_sequence_number);
        assert_eq!(
            rmw_take_sequence(s, 4, &mut seq, &mut iseq, &mut n, null_mut()),
            RMW_RET_OK
        );
        assert_eq!(n, 0);

        // Serialized round trip through the topic (CDR passes through untouched).
        let mut m = TextMsg::new(5, "cdr");
        let mut ser: rmw_serialized_message_t = std::mem::zeroed();
        ser.allocator = default_allocator();
        assert_eq!(rmw_serialize(m.ptr(), text_ts(), &mut ser), RMW_RET_OK);
        assert_eq!(
            rmw_publish_serialized_message(p, &ser, null_mut()),
            RMW_RET_OK
        );
        wait_for(&mut ctx, s);
        let mut out = TextMsg::new(0, "x");
        let mut info = zero_info();
        assert_eq!(
            rmw_take_with_info(s, out.ptr(), &mut taken, &mut info, null_mut()),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!((out.id(), out.text()), (5, "cdr".into()));
        libc::free(ser.buffer.cast());

        // A failing allocator makes serialization fail cleanly.
        let mut bad: rmw_serialized_message_t = std::mem::zeroed();
        bad.allocator = zero_allocator();
        assert_ne!(rmw_serialize(m.ptr(), text_ts(), &mut bad), RMW_RET_OK);

        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

#[test]
fn ignore_local_publications() {
    let mut ctx = Context::new();
    let node = ctx.node("local", "/");
    unsafe {
        let p = create_pub(&node, plain_ts(), "/local", &rmw_qos_profile_default);
        let ignoring = create_sub_with(
            &node,
            plain_ts(),
            "/local",
            &rmw_qos_profile_default,
            &sub_opts(true),
        );
        let plain = create_sub(&node, plain_ts(), "/local", &rmw_qos_profile_default);
        let m = Plain {
            id: 1,
            value: 1.0,
            flag: 1,
        };
        assert_eq!(
            rmw_publish(p, (&m as *const Plain).cast(), null_mut()),
            RMW_RET_OK
        );
        wait_for(&mut ctx, plain);
        let mut got = Plain::default();
        let mut taken = false;
        assert_eq!(
            rmw_take(
                plain,
                (&mut got as *mut Plain).cast(),
                &mut taken,
                null_mut()
            ),
            RMW_RET_OK
        );
        assert!(taken);
        assert_eq!(
            rmw_take(
                ignoring,
                (&mut got as *mut Plain).cast(),
                &mut taken,
                null_mut()
            ),
            RMW_RET_OK
        );
        assert!(
            !taken,
            "a subscription ignoring local publications took a local message"
        );
        for s in [ignoring, plain] {
            assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        }
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

#[test]
fn create_with_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("bad", "/");
    let q = rmw_qos_profile_default;
    let o = pub_opts();
    unsafe {
        let t = cs("/ok");
        assert!(rmw_create_publisher(null(), plain_ts(), t.as_ptr(), &q, &o).is_null());
        assert!(rmw_create_publisher(node.0, null(), t.as_ptr(), &q, &o).is_null());
        assert!(rmw_create_publisher(node.0, plain_ts(), null(), &q, &o).is_null());
        assert!(rmw_create_publisher(node.0, plain_ts(), t.as_ptr(), null(), &o).is_null());
        assert!(rmw_create_publisher(node.0, plain_ts(), t.as_ptr(), &q, null()).is_null());
        for bad in ["", "/foo bar", "foo"] {
            let b = cs(bad);
            assert!(
                rmw_create_publisher(node.0, plain_ts(), b.as_ptr(), &q, &o).is_null(),
                "{bad}"
            );
            assert!(
                rmw_create_subscription(node.0, plain_ts(), b.as_ptr(), &q, &sub_opts(false))
                    .is_null()
            );
        }
        let unknown = rmw_qos_profile_unknown;
        assert!(rmw_create_publisher(node.0, plain_ts(), t.as_ptr(), &unknown, &o).is_null());
        assert!(rmw_create_subscription(
            node.0,
            plain_ts(),
            t.as_ptr(),
            &unknown,
            &sub_opts(false)
        )
        .is_null());
        let mut bogus = std::ptr::read(plain_ts());
        bogus.typesupport_identifier = c"not_a_typesupport".as_ptr();
        bogus.func = None;
        assert!(rmw_create_publisher(node.0, &bogus, t.as_ptr(), &q, &o).is_null());
        let id = (*node.0).implementation_identifier;
        (*node.0).implementation_identifier = c"other".as_ptr();
        assert!(rmw_create_publisher(node.0, plain_ts(), t.as_ptr(), &q, &o).is_null());
        (*node.0).implementation_identifier = id;

        // avoid_ros_namespace_conventions accepts a relative name.
        let mut avoid = q;
        avoid.avoid_ros_namespace_conventions = true;
        let rel = cs("relative");
        let p = rmw_create_publisher(node.0, plain_ts(), rel.as_ptr(), &avoid, &o);
        assert!(!p.is_null(), "{}", last_error());

        // system_default: actual QoS is concrete.
        let sd = create_pub(&node, plain_ts(), "/sd", &rmw_qos_profile_system_default);
        let mut actual = rmw_qos_profile_unknown;
        assert_eq!(rmw_publisher_get_actual_qos(sd, &mut actual), RMW_RET_OK);
        assert_eq!(actual.history, RMW_QOS_POLICY_HISTORY_KEEP_LAST);
        assert_eq!(actual.reliability, RMW_QOS_POLICY_RELIABILITY_RELIABLE);
        assert_eq!(actual.durability, RMW_QOS_POLICY_DURABILITY_VOLATILE);
        assert_eq!(actual.liveliness, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC);

        assert_eq!(rmw_publish(p, null(), null_mut()), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(
            rmw_publish(null(), null(), null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_publisher(null_mut(), p),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, sd), RMW_RET_OK);
    }
}

#[test]
fn qos_matching_and_events() {
    let mut ctx = Context::new();
    let node = ctx.node("events", "/");
    unsafe {
        let p = create_pub(&node, plain_ts(), "/ev", &rmw_qos_profile_sensor_data);
        let mut pev: rmw_event_t = std::mem::zeroed();
        assert_eq!(
            rmw_publisher_event_init(&mut pev, p, RMW_EVENT_OFFERED_QOS_INCOMPATIBLE),
            RMW_RET_OK
        );
        // A subscription's event type on a publisher.
        let mut unsupported: rmw_event_t = std::mem::zeroed();
        assert_eq!(
            rmw_publisher_event_init(&mut unsupported, p, RMW_EVENT_LIVELINESS_CHANGED),
            RMW_RET_UNSUPPORTED
        );
        #[cfg(not(ros_distro = "humble"))]
        let mut matched: rmw_event_t = std::mem::zeroed();
        #[cfg(not(ros_distro = "humble"))]
        {
            assert!(rmw_event_type_is_supported(RMW_EVENT_PUBLICATION_MATCHED));
            assert!(rmw_event_type_is_supported(RMW_EVENT_LIVELINESS_LOST));
            assert!(!rmw_event_type_is_supported(RMW_EVENT_INVALID));
            assert_eq!(
                rmw_publisher_event_init(&mut matched, p, RMW_EVENT_PUBLICATION_MATCHED),
                RMW_RET_OK
            );
            let mut st: rmw_matched_status_t = Default::default();
            let mut taken = false;
            assert_eq!(
                rmw_take_event(
                    &matched,
                    (&mut st as *mut rmw_matched_status_t).cast(),
                    &mut taken
                ),
                RMW_RET_OK
            );
            assert!(taken);
            assert_eq!((st.total_count, st.current_count), (0, 0));
        }
        // Reliable subscription vs best-effort publisher: not matched, incompatible event.
        let s = create_sub(&node, plain_ts(), "/ev", &rmw_qos_profile_default);
        let mut n = 7usize;
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(p, &mut n),
            RMW_RET_OK
        );
        assert_eq!(n, 0);
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        let mut arr = [(&mut pev as *mut rmw_event_t).cast::<c_void>()];
        let mut evs = rmw_events_t {
            event_count: 1,
            events: arr.as_mut_ptr(),
        };
        let forever = null();
        assert_eq!(
            rmw_wait(
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                &mut evs,
                ws,
                forever
            ),
            RMW_RET_OK
        );
        let mut st: rmw_qos_incompatible_event_status_t = Default::default();
        let mut taken = false;
        assert_eq!(
            rmw_take_event(
                &pev,
                (&mut st as *mut rmw_qos_incompatible_event_status_t).cast(),
                &mut taken
            ),
            RMW_RET_OK
        );
        assert_eq!((st.total_count, st.total_count_change), (1, 1));
        assert_eq!(st.last_policy_kind, RMW_QOS_POLICY_RELIABILITY);

        // A best-effort subscription matches.
        let s2 = create_sub(&node, plain_ts(), "/ev", &rmw_qos_profile_sensor_data);
        assert_eq!(
            rmw_publisher_count_matched_subscriptions(p, &mut n),
            RMW_RET_OK
        );
        assert_eq!(n, 1);
        #[cfg(not(ros_distro = "humble"))]
        {
            let mut st: rmw_matched_status_t = Default::default();
            assert_eq!(
                rmw_take_event(
                    &matched,
                    (&mut st as *mut rmw_matched_status_t).cast(),
                    &mut taken
                ),
                RMW_RET_OK
            );
            assert_eq!(
                (
                    st.total_count,
                    st.total_count_change,
                    st.current_count,
                    st.current_count_change
                ),
                (1, 1, 1, 1)
            );
            assert_eq!(rmw_destroy_subscription(node.0, s2), RMW_RET_OK);
            assert_eq!(
                rmw_take_event(
                    &matched,
                    (&mut st as *mut rmw_matched_status_t).cast(),
                    &mut taken
                ),
                RMW_RET_OK
            );
            assert_eq!(
                (
                    st.total_count,
                    st.total_count_change,
                    st.current_count,
                    st.current_count_change
                ),
                (1, 0, 0, -1)
            );
        }
        #[cfg(ros_distro = "humble")]
        assert_eq!(rmw_destroy_subscription(node.0, s2), RMW_RET_OK);

        let mut c = RMW_QOS_COMPATIBILITY_OK;
        let mut reason = [0 as std::ffi::c_char; 128];
        assert_eq!(
            rmw_qos_profile_check_compatible(
                rmw_qos_profile_sensor_data,
                rmw_qos_profile_default,
                &mut c,
                reason.as_mut_ptr(),
                128
            ),
            RMW_RET_OK
        );
        assert_eq!(c, RMW_QOS_COMPATIBILITY_ERROR);
        assert!(rs(reason.as_ptr()).contains("Best effort"));
        assert_eq!(
            rmw_qos_profile_check_compatible(
                rmw_qos_profile_default,
                rmw_qos_profile_default,
                null_mut(),
                null_mut(),
                0
            ),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_qos_profile_check_compatible(
                rmw_qos_profile_default,
                rmw_qos_profile_default,
                &mut c,
                null_mut(),
                4
            ),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(node.0, s), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}

#[test]
fn graph_queries() {
    let mut ctx = Context::new();
    let node = ctx.node("grapher", "/g");
    let other = ctx.node("other", "/");
    unsafe {
        let p = create_pub(&node, plain_ts(), "/g/plain", &rmw_qos_profile_default);
        let s = create_sub(&other, text_ts(), "/g/text", &rmw_qos_profile_sensor_data);

        let mut names: rcutils_string_array_t = std::mem::zeroed();
        let mut nss: rcutils_string_array_t = std::mem::zeroed();
        let mut encs: rcutils_string_array_t = std::mem::zeroed();
        assert_eq!(
            rmw_get_node_names_with_enclaves(node.0, &mut names, &mut nss, &mut encs),
            RMW_RET_OK
        );
        let list: Vec<(String, String, String)> = (0..names.size)
            .map(|i| {
                (
                    rs(*names.data.add(i)),
                    rs(*nss.data.add(i)),
                    rs(*encs.data.add(i)),
                )
            })
            .collect();
        assert!(
            list.contains(&("grapher".into(), "/g".into(), "/".into())),
            "{list:?}"
        );
        assert!(
            list.contains(&("other".into(), "/".into(), "/".into())),
            "{list:?}"
        );
        // Non-zero output → INVALID_ARGUMENT.
        assert_eq!(
            rmw_get_node_names(node.0, &mut names, &mut nss),
            RMW_RET_INVALID_ARGUMENT
        );
        for a in [&mut names, &mut nss, &mut encs] {
            rmw_hazcat_rs::cmem::fini_string_array(a);
        }

        let mut alloc = default_allocator();
        let mut nt: rmw_names_and_types_t = std::mem::zeroed();
        assert_eq!(
            rmw_get_topic_names_and_types(node.0, &mut alloc, false, &mut nt),
            RMW_RET_OK
        );
        let mut found = Vec::new();
        for i in 0..nt.names.size {
            let types = &*nt.types.add(i);
            found.push((rs(*nt.names.data.add(i)), rs(*types.data)));
        }
        assert_eq!(
            found,
            vec![
                ("/g/plain".into(), "fixture_msgs/msg/Plain".into()),
                ("/g/text".into(), "fixture_msgs/msg/Text".into())
            ]
        );
        let mut bad_alloc = zero_allocator();
        let mut nt2: rmw_names_and_types_t = std::mem::zeroed();
        assert_eq!(
            rmw_get_topic_names_and_types(node.0, &mut bad_alloc, false, &mut nt2),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_get_topic_names_and_types(null(), &mut alloc, false, &mut nt2),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_get_topic_names_and_types(node.0, &mut alloc, false, &mut nt),
            RMW_RET_INVALID_ARGUMENT
        );

        let mut by: rmw_names_and_types_t = std::mem::zeroed();
        let (n_other, ns_root) = (cs("other"), cs("/"));
        assert_eq!(
            rmw_get_subscriber_names_and_types_by_node(
                node.0,
                &mut alloc,
                n_other.as_ptr(),
                ns_root.as_ptr(),
                false,
                &mut by
            ),
            RMW_RET_OK
        );
        assert_eq!(by.names.size, 1);
        assert_eq!(rs(*by.names.data), "/g/text");
        let ghost = cs("ghost");
        let mut by2: rmw_names_and_types_t = std::mem::zeroed();
        assert_eq!(
            rmw_get_publisher_names_and_types_by_node(
                node.0,
                &mut alloc,
                ghost.as_ptr(),
                ns_root.as_ptr(),
                false,
                &mut by2
            ),
            RMW_RET_NODE_NAME_NON_EXISTENT
        );
        let bad_name = cs("bad name");
        assert_eq!(
            rmw_get_publisher_names_and_types_by_node(
                node.0,
                &mut alloc,
                bad_name.as_ptr(),
                ns_root.as_ptr(),
                false,
                &mut by2
            ),
            RMW_RET_INVALID_ARGUMENT
        );

        let mut count = 0usize;
        let topic = cs("/g/plain");
        assert_eq!(
            rmw_count_publishers(node.0, topic.as_ptr(), &mut count),
            RMW_RET_OK
        );
        assert_eq!(count, 1);
        assert_eq!(
            rmw_count_subscribers(node.0, topic.as_ptr(), &mut count),
            RMW_RET_OK
        );
        assert_eq!(count, 0);
        let bad_topic = cs("/bad topic");
        assert_eq!(
            rmw_count_publishers(node.0, bad_topic.as_ptr(), &mut count),
            RMW_RET_INVALID_ARGUMENT
        );

        let mut infos: rmw_topic_endpoint_info_array_t = std::mem::zeroed();
        assert_eq!(
            rmw_get_publishers_info_by_topic(node.0, &mut alloc, topic.as_ptr(), false, &mut infos),
            RMW_RET_OK
        );
        assert_eq!(infos.size, 1);
        let i0 = &*infos.info_array;
        assert_eq!(
            (rs(i0.node_name), rs(i0.node_namespace)),
            ("grapher".into(), "/g".into())
        );
        assert_eq!(rs(i0.topic_type), "fixture_msgs/msg/Plain");
        assert_eq!(i0.endpoint_type, RMW_ENDPOINT_PUBLISHER);
        assert_eq!(
            i0.qos_profile.reliability,
            RMW_QOS_POLICY_RELIABILITY_RELIABLE
        );
        let mut gid: rmw_gid_t = std::mem::zeroed();
        assert_eq!(rmw_get_gid_for_publisher(p, &mut gid), RMW_RET_OK);
        assert_eq!(i0.endpoint_gid, gid.data);
        for e in [&i0.node_name, &i0.node_namespace, &i0.topic_type] {
            libc::free(e.cast_mut().cast());
        }
        libc::free(infos.info_array.cast());

        let free_nt = |nt: &mut rmw_names_and_types_t| {
            for i in 0..nt.names.size {
                rmw_hazcat_rs::cmem::fini_string_array(&mut *nt.types.add(i));
            }
            libc::free(nt.types.cast());
            rmw_hazcat_rs::cmem::fini_string_array(&mut nt.names);
        };
        free_nt(&mut nt);
        free_nt(&mut by);

        // Two publishers have different gids.
        let p2 = create_pub(&node, plain_ts(), "/g/plain", &rmw_qos_profile_default);
        let mut gid2: rmw_gid_t = std::mem::zeroed();
        assert_eq!(rmw_get_gid_for_publisher(p2, &mut gid2), RMW_RET_OK);
        let mut eq = true;
        assert_eq!(rmw_compare_gids_equal(&gid, &gid2, &mut eq), RMW_RET_OK);
        assert!(!eq);

        assert_eq!(rmw_destroy_publisher(node.0, p2), RMW_RET_OK);
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
        assert_eq!(rmw_destroy_subscription(other.0, s), RMW_RET_OK);
    }
}
