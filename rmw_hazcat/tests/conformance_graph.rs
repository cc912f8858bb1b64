//! Graph-API assertions of the upstream test_rmw_implementation suite (test_graph_api) that the
//! other test files do not already cover: argument order, outputs left zero on failure,
//! NODE_NAME_NON_EXISTENT, and service/client counts, driven through the exported C functions.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::*;
use rmw_hazcat_rs::api::graph::*;
use rmw_hazcat_rs::cmem::{default_allocator, zero_allocator};
use rmw_hazcat_rs::sys::*;
use std::ffi::c_char;
use std::ptr::{null, null_mut};

fn zero_names_and_types() -> rmw_names_and_types_t {
    unsafe { std::mem::zeroed() }
}

fn is_zero(n: &rmw_names_and_types_t) -> bool {
    n.names.size == 0 && n.names.data.is_null() && n.types.is_null()
}

fn zero_string_array() -> rcutils_string_array_t {
    unsafe { std::mem::zeroed() }
}

fn string_array_is_zero(a: &rcutils_string_array_t) -> bool {
    a.size == 0 && a.data.is_null()
}

/// A names-and-types value that is not zero-initialized (one slot, like
/// `rmw_names_and_types_init(.., 1, ..)`); never handed to a fini.
fn non_zero_names_and_types(slot: &mut *mut c_char) -> rmw_names_and_types_t {
    let mut n = zero_names_and_types();
    n.names.size = 1;
    n.names.data = slot;
    n.names.allocator = default_allocator();
    n
}

type ByNode = unsafe fn(
    *const rmw_node_t,
    *mut rcutils_allocator_t,
    *const c_char,
    *const c_char,
    *mut rmw_names_and_types_t,
) -> rmw_ret_t;

/// test_graph_api get_{publisher,subscriber,service,client}_names_and_types_by_node
/// _with_bad_arguments. As upstream, the fixture has two nodes with the *same* name and
/// namespace, and the queried "other" node does not exist.
#[test]
fn by_node_queries_check_arguments_in_order() {
    let mut ctx = Context::new();
    let node = ctx.node("my_test_node", "/my_test_ns");
    let twin = ctx.node("my_test_node", "/my_test_ns");
    let (other, other_ns) = (cs("my_other_test_node"), cs("/my_other_test_ns"));
    let (bad_name, bad_ns) = (
        cs("not a not valid node name !"),
        cs("not a not valid node namespace !"),
    );
    let missing = cs("a_test_node_that_does_not_exist");
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    let queries: [(&str, ByNode); 4] = [
        ("publishers", |n, a, nn, ns, o| unsafe {
            rmw_get_publisher_names_and_types_by_node(n, a, nn, ns, false, o)
        }),
        ("subscribers", |n, a, nn, ns, o| unsafe {
            rmw_get_subscriber_names_and_types_by_node(n, a, nn, ns, false, o)
        }),
        ("services", |n, a, nn, ns, o| unsafe {
            rmw_get_service_names_and_types_by_node(n, a, nn, ns, o)
        }),
        ("clients", |n, a, nn, ns, o| unsafe {
            rmw_get_client_names_and_types_by_node(n, a, nn, ns, o)
        }),
    ];
    for (what, q) in queries {
        let mut a = default_allocator();
        let mut bad_a = zero_allocator();
        let mut out = zero_names_and_types();
        let check = |rc: rmw_ret_t, want: rmw_ret_t, out: &rmw_names_and_types_t, case: &str| {
            assert_eq!(rc, want, "{what}: {case}");
            assert!(is_zero(out), "{what}: {case} wrote the output");
        };
        unsafe {
            let rc = q(null(), &mut a, other.as_ptr(), other_ns.as_ptr(), &mut out);
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "NULL node");
            let id = (*node.0).implementation_identifier;
            (*node.0).implementation_identifier = foreign;
            let rc = q(node.0, &mut a, other.as_ptr(), other_ns.as_ptr(), &mut out);
            (*node.0).implementation_identifier = id;
            check(
                rc,
                RMW_RET_INCORRECT_RMW_IMPLEMENTATION,
                &out,
                "foreign node",
            );
            let rc = q(
                node.0,
                null_mut(),
                other.as_ptr(),
                other_ns.as_ptr(),
                &mut out,
            );
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "NULL allocator");
            let rc = q(
                node.0,
                &mut bad_a,
                other.as_ptr(),
                other_ns.as_ptr(),
                &mut out,
            );
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "zero allocator");
            let rc = q(node.0, &mut a, null(), other_ns.as_ptr(), &mut out);
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "NULL node name");
            let rc = q(
                node.0,
                &mut a,
                bad_name.as_ptr(),
                other_ns.as_ptr(),
                &mut out,
            );
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "invalid node name");
            let rc = q(node.0, &mut a, other.as_ptr(), null(), &mut out);
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "NULL namespace");
            let rc = q(node.0, &mut a, other.as_ptr(), bad_ns.as_ptr(), &mut out);
            check(rc, RMW_RET_INVALID_ARGUMENT, &out, "invalid namespace");
            let rc = q(
                node.0,
                &mut a,
                other.as_ptr(),
                other_ns.as_ptr(),
                null_mut(),
            );
            assert_eq!(rc, RMW_RET_INVALID_ARGUMENT, "{what}: NULL output");
            // Not zero-initialized, for a node that does not exist: the output check comes first.
            let mut slot: *mut c_char = null_mut();
            let mut dirty = non_zero_names_and_types(&mut slot);
            let rc = q(
                node.0,
                &mut a,
                other.as_ptr(),
                other_ns.as_ptr(),
                &mut dirty,
            );
            assert_eq!(rc, RMW_RET_INVALID_ARGUMENT, "{what}: non-zero output");
            assert_eq!(dirty.names.size, 1, "{what}: non-zero output was rewritten");
            let rc = q(
                node.0,
                &mut a,
                missing.as_ptr(),
                other_ns.as_ptr(),
                &mut out,
            );
            check(rc, RMW_RET_NODE_NAME_NON_EXISTENT, &out, "unknown node");
            // The (duplicated) fixture node itself exists.
            let (me, my_ns) = (cs("my_test_node"), cs("/my_test_ns"));
            let rc = q(node.0, &mut a, me.as_ptr(), my_ns.as_ptr(), &mut out);
            assert_eq!(rc, RMW_RET_OK, "{what}: existing node: {}", last_error());
            assert!(is_zero(&out), "{what}: no endpoints yet");
        }
    }
    drop(twin);
}

/// test_graph_api get_node_names(_with_enclaves)_with_bad_arguments: every failure leaves the
/// other output arrays zero.
#[test]
fn node_names_bad_arguments_leave_outputs_zero() {
    let mut ctx = Context::new();
    let node = ctx.node("names", "/");
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    unsafe {
        let mut names = zero_string_array();
        let mut nss = zero_string_array();
        let mut encs = zero_string_array();
        let all_zero =
            |a: &rcutils_string_array_t, b: &rcutils_string_array_t, c: &rcutils_string_array_t| {
                string_array_is_zero(a) && string_array_is_zero(b) && string_array_is_zero(c)
            };
        assert_eq!(
            rmw_get_node_names(null(), &mut names, &mut nss),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_get_node_names(node.0, null_mut(), &mut nss),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_get_node_names(node.0, &mut names, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_get_node_names_with_enclaves(node.0, &mut names, &mut nss, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let id = (*node.0).implementation_identifier;
        (*node.0).implementation_identifier = foreign;
        assert_eq!(
            rmw_get_node_names(node.0, &mut names, &mut nss),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(
            rmw_get_node_names_with_enclaves(node.0, &mut names, &mut nss, &mut encs),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        (*node.0).implementation_identifier = id;
        assert!(all_zero(&names, &nss, &encs));

        // One output already holds something: INVALID_ARGUMENT, the others stay zero.
        let mut slot: *mut c_char = null_mut();
        for which in 0..3 {
            let mut dirty = zero_string_array();
            dirty.size = 1;
            dirty.data = &mut slot;
            dirty.allocator = default_allocator();
            let (mut a, mut b, mut c) = (
                zero_string_array(),
                zero_string_array(),
                zero_string_array(),
            );
            let target = match which {
                0 => &mut a,
                1 => &mut b,
                _ => &mut c,
            };
            *target = dirty;
            assert_eq!(
                rmw_get_node_names_with_enclaves(node.0, &mut a, &mut b, &mut c),
                RMW_RET_INVALID_ARGUMENT
            );
            let zeros = [&a, &b, &c]
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != which)
                .all(|(_, x)| string_array_is_zero(x));
            assert!(zeros, "output {which}: another output was written");
        }
    }
}

/// test_graph_api get_{topic,service}_names_and_types and *_info_by_topic _with_bad_arguments.
#[test]
fn domain_queries_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("domain_q", "/");
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    let topic = cs("/test_topic");
    unsafe {
        let mut a = default_allocator();
        let mut bad_a = zero_allocator();
        let mut out = zero_names_and_types();
        type Nt = unsafe fn(
            *const rmw_node_t,
            *mut rcutils_allocator_t,
            *mut rmw_names_and_types_t,
        ) -> rmw_ret_t;
        let nts: [Nt; 2] = [
            |n, a, o| rmw_get_topic_names_and_types(n, a, false, o),
            |n, a, o| rmw_get_service_names_and_types(n, a, o),
        ];
        for q in nts {
            assert_eq!(q(null(), &mut a, &mut out), RMW_RET_INVALID_ARGUMENT);
            assert_eq!(q(node.0, null_mut(), &mut out), RMW_RET_INVALID_ARGUMENT);
            assert_eq!(q(node.0, &mut bad_a, &mut out), RMW_RET_INVALID_ARGUMENT);
            assert!(is_zero(&out));
            let mut slot: *mut c_char = null_mut();
            let mut dirty = non_zero_names_and_types(&mut slot);
            assert_eq!(q(node.0, &mut a, &mut dirty), RMW_RET_INVALID_ARGUMENT);
            let id = (*node.0).implementation_identifier;
            (*node.0).implementation_identifier = foreign;
            assert_eq!(
                q(node.0, &mut a, &mut out),
                RMW_RET_INCORRECT_RMW_IMPLEMENTATION
            );
            (*node.0).implementation_identifier = id;
            assert!(is_zero(&out));
        }

        type Info = unsafe fn(
            *const rmw_node_t,
            *mut rcutils_allocator_t,
            *const c_char,
            *mut rmw_topic_endpoint_info_array_t,
        ) -> rmw_ret_t;
        let infos: [Info; 2] = [
            |n, a, t, o| rmw_get_publishers_info_by_topic(n, a, t, false, o),
            |n, a, t, o| rmw_get_subscriptions_info_by_topic(n, a, t, false, o),
        ];
        for q in infos {
            let mut arr: rmw_topic_endpoint_info_array_t = std::mem::zeroed();
            let zero =
                |arr: &rmw_topic_endpoint_info_array_t| arr.size == 0 && arr.info_array.is_null();
            assert_eq!(
                q(null(), &mut a, topic.as_ptr(), &mut arr),
                RMW_RET_INVALID_ARGUMENT
            );
            let id = (*node.0).implementation_identifier;
            (*node.0).implementation_identifier = foreign;
            assert_eq!(
                q(node.0, &mut a, topic.as_ptr(), &mut arr),
                RMW_RET_INCORRECT_RMW_IMPLEMENTATION
            );
            (*node.0).implementation_identifier = id;
            assert_eq!(
                q(node.0, null_mut(), topic.as_ptr(), &mut arr),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                q(node.0, &mut bad_a, topic.as_ptr(), &mut arr),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                q(node.0, &mut a, null(), &mut arr),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                q(node.0, &mut a, topic.as_ptr(), null_mut()),
                RMW_RET_INVALID_ARGUMENT
            );
            assert!(zero(&arr));
            let mut one: rmw_topic_endpoint_info_t = std::mem::zeroed();
            let mut dirty = rmw_topic_endpoint_info_array_t {
                size: 1,
                info_array: &mut one,
            };
            assert_eq!(
                q(node.0, &mut a, topic.as_ptr(), &mut dirty),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(dirty.size, 1);
            // Valid and empty.
            assert_eq!(q(node.0, &mut a, topic.as_ptr(), &mut arr), RMW_RET_OK);
            assert!(zero(&arr));
        }
    }
}

/// test_graph_api count_{publishers,subscribers,clients,services}_with_bad_arguments.
#[test]
fn counts_bad_arguments() {
    let mut ctx = Context::new();
    let node = ctx.node("counts", "/");
    let foreign = c"not-an-rmw-implementation-identifier".as_ptr();
    let name = cs("/test_topic");
    let invalid = cs("not a valid topic name !");
    type Count = unsafe extern "C" fn(*const rmw_node_t, *const c_char, *mut usize) -> rmw_ret_t;
    let counters: Vec<Count> = vec![
        rmw_count_publishers,
        rmw_count_subscribers,
        #[cfg(not(ros_distro = "humble"))]
        rmw_count_clients,
        #[cfg(not(ros_distro = "humble"))]
        rmw_count_services,
    ];
    for f in counters {
        unsafe {
            let mut n = 7usize;
            assert_eq!(f(null(), name.as_ptr(), &mut n), RMW_RET_INVALID_ARGUMENT);
            let id = (*node.0).implementation_identifier;
            (*node.0).implementation_identifier = foreign;
            assert_eq!(
                f(node.0, name.as_ptr(), &mut n),
                RMW_RET_INCORRECT_RMW_IMPLEMENTATION
            );
            (*node.0).implementation_identifier = id;
            assert_eq!(f(node.0, null(), &mut n), RMW_RET_INVALID_ARGUMENT);
            assert_eq!(
                f(node.0, invalid.as_ptr(), &mut n),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(
                f(node.0, name.as_ptr(), null_mut()),
                RMW_RET_INVALID_ARGUMENT
            );
            assert_eq!(n, 7, "a failed count wrote its output");
            assert_eq!(f(node.0, name.as_ptr(), &mut n), RMW_RET_OK);
            assert_eq!(n, 0);
        }
    }
}
