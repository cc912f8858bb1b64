//! Out-of-range QoS values (a policy outside its enumeration, the deprecated MANUAL_BY_NODE
//! liveliness, a keep-last depth no history can hold) are rejected when an endpoint is created,
//! as rmw_fastrtps does: the call returns NULL and the error names the policy and the value.
//! Nothing is created on the side.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::fixture::*;
use common::*;
use rmw_hazcat_rs::api::client::*;
use rmw_hazcat_rs::api::publisher::*;
use rmw_hazcat_rs::api::service::*;
use rmw_hazcat_rs::api::subscription::*;
use rmw_hazcat_rs::sys::*;

/// The profiles to reject, each with what its error must mention.
fn bad_profiles(base: rmw_qos_profile_t) -> Vec<(rmw_qos_profile_t, &'static str, &'static str)> {
    type Edit = fn(&mut rmw_qos_profile_t);
    let edits: [(Edit, &str, &str); 6] = [
        (|q| q.reliability = 99, "reliability", "99"),
        (|q| q.durability = 77, "durability", "77"),
        (|q| q.liveliness = 55, "liveliness", "55"),
        // Deprecated upstream; rmw_fastrtps rejects it like an out-of-range value.
        (
            |q| q.liveliness = RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_NODE,
            "liveliness",
            "MANUAL_BY_NODE",
        ),
        (|q| q.history = 42, "history", "42"),
        (
            |q| {
                q.history = RMW_QOS_POLICY_HISTORY_KEEP_LAST;
                q.depth = 1 << 40;
            },
            "depth",
            "1099511627776",
        ),
    ];
    edits
        .into_iter()
        .map(|(edit, policy, value)| {
            let mut q = base;
            edit(&mut q);
            (q, policy, value)
        })
        .collect()
}

fn assert_names(what: &str, policy: &str, value: &str) {
    let e = last_error();
    assert!(
        e.contains(policy) && e.contains(value),
        "{what}: error does not name {policy} {value}: '{e}'"
    );
}

#[test]
fn out_of_range_policies_and_depth_are_rejected_by_every_endpoint_kind() {
    let mut ctx = Context::new();
    let node = ctx.node("qos_range", "/");
    let topic = cs("/qos_range");
    for (q, policy, value) in bad_profiles(rmw_qos_profile_default) {
        unsafe {
            let p = rmw_create_publisher(node.0, plain_ts(), topic.as_ptr(), &q, &pub_opts());
            assert!(p.is_null(), "publisher created with {policy} {value}");
            assert_names("publisher", policy, value);
            let s =
                rmw_create_subscription(node.0, plain_ts(), topic.as_ptr(), &q, &sub_opts(false));
            assert!(s.is_null(), "subscription created with {policy} {value}");
            assert_names("subscription", policy, value);
        }
    }
    let service = cs("/qos_range_srv");
    for (q, policy, value) in bad_profiles(rmw_qos_profile_services_default) {
        unsafe {
            let s = rmw_create_service(node.0, plain_echo_ts(), service.as_ptr(), &q);
            assert!(s.is_null(), "service created with {policy} {value}");
            assert_names("service", policy, value);
            let c = rmw_create_client(node.0, plain_echo_ts(), service.as_ptr(), &q);
            assert!(c.is_null(), "client created with {policy} {value}");
            assert_names("client", policy, value);
        }
    }
    // In-range values still work, a large keep-all depth included (it is not a history size).
    let mut q = rmw_qos_profile_default;
    q.history = RMW_QOS_POLICY_HISTORY_KEEP_ALL;
    q.depth = 1 << 40;
    let p = create_pub(&node, plain_ts(), "/qos_range", &q);
    unsafe {
        assert_eq!(rmw_destroy_publisher(node.0, p), RMW_RET_OK);
    }
}
