//! Init options, init/shutdown/fini, nodes, guard conditions and wait sets through the exported
//! C functions, including the bad-argument cases of test_rmw_implementation
//! (test_init_options, test_init_shutdown, test_create_destroy_node, test_wait_set).
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::*;
use rmw_hazcat_rs::api::guard::*;
use rmw_hazcat_rs::api::identifier::*;
use rmw_hazcat_rs::api::init::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::api::wait::*;
use rmw_hazcat_rs::cmem::{default_allocator, zero_allocator};
use rmw_hazcat_rs::sys::*;
use std::ptr::{null, null_mut};

#[test]
fn identifier_and_format() {
    assert_eq!(rs(rmw_get_implementation_identifier()), "rmw_hazcat_rs");
    assert_eq!(
        rmw_get_implementation_identifier(),
        rmw_get_implementation_identifier()
    );
    assert_eq!(rs(rmw_get_serialization_format()), "cdr");
    assert!(rmw_feature_supported(
        RMW_FEATURE_MESSAGE_INFO_PUBLICATION_SEQUENCE_NUMBER
    ));
    assert_eq!(rmw_set_log_severity(RMW_LOG_SEVERITY_INFO), RMW_RET_OK);
    assert_eq!(rmw_set_log_severity(7), RMW_RET_INVALID_ARGUMENT);
}

#[test]
fn init_options_contract() {
    unsafe {
        let mut o = zero_options();
        assert_eq!(
            rmw_init_options_init(null_mut(), default_allocator()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_init_options_init(&mut o, zero_allocator()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_init_options_init(&mut o, default_allocator()),
            RMW_RET_OK
        );
        assert_eq!(o.domain_id, RMW_DEFAULT_DOMAIN_ID);
        assert!(o.enclave.is_null());
        // init twice
        assert_eq!(
            rmw_init_options_init(&mut o, default_allocator()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(last_error().contains("already initialized"));
        o.enclave = rmw_hazcat_rs::cmem::strdup(&o.allocator, "/secure").unwrap();

        let mut copy = zero_options();
        assert_eq!(
            rmw_init_options_copy(null(), &mut copy),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_init_options_copy(&o, null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        let zero = zero_options();
        assert_eq!(
            rmw_init_options_copy(&zero, &mut copy),
            RMW_RET_INVALID_ARGUMENT
        );
        let id = o.implementation_identifier;
        o.implementation_identifier = c"not-hazcat".as_ptr();
        assert_eq!(
            rmw_init_options_copy(&o, &mut copy),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        o.implementation_identifier = id;
        assert_eq!(rmw_init_options_copy(&o, &mut copy), RMW_RET_OK);
        assert_ne!(copy.enclave, o.enclave);
        assert_eq!(rs(copy.enclave), "/secure");
        // copy twice into an initialized dst
        assert_eq!(
            rmw_init_options_copy(&o, &mut copy),
            RMW_RET_INVALID_ARGUMENT
        );

        assert_eq!(rmw_init_options_fini(null_mut()), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_init_options_fini(&mut copy), RMW_RET_OK);
        assert_eq!(rmw_init_options_fini(&mut copy), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
    }
}

#[test]
fn init_shutdown_contract() {
    let domain = unique_domain();
    unsafe {
        let mut o = options(domain);
        let mut c = zero_context();
        assert_eq!(rmw_init(null(), &mut c), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_init(&o, null_mut()), RMW_RET_INVALID_ARGUMENT);
        let zero = zero_options();
        assert_eq!(rmw_init(&zero, &mut c), RMW_RET_INVALID_ARGUMENT);
        let id = o.implementation_identifier;
        o.implementation_identifier = c"not-hazcat".as_ptr();
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_INCORRECT_RMW_IMPLEMENTATION);
        o.implementation_identifier = id;
        let enclave = o.enclave;
        o.enclave = null_mut();
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_INVALID_ARGUMENT);
        o.enclave = enclave;

        assert_eq!(rmw_init(&o, &mut c), RMW_RET_OK, "{}", last_error());
        assert_eq!(c.actual_domain_id, domain);
        assert_eq!(
            c.implementation_identifier,
            rmw_get_implementation_identifier()
        );
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_INVALID_ARGUMENT, "init twice");
        assert_eq!(
            rmw_context_fini(&mut c),
            RMW_RET_INVALID_ARGUMENT,
            "fini before shutdown"
        );
        assert_eq!(rmw_shutdown(null_mut()), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_OK);
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_OK, "second shutdown is OK");
        let node = rmw_create_node(&mut c, c"n".as_ptr(), c"/".as_ptr());
        assert!(node.is_null(), "no node after shutdown");
        assert_eq!(rmw_context_fini(&mut c), RMW_RET_OK);
        assert_eq!(
            rmw_context_fini(&mut c),
            RMW_RET_INVALID_ARGUMENT,
            "fini twice"
        );
        // re-init after fini
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_OK);
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_OK);
        assert_eq!(rmw_context_fini(&mut c), RMW_RET_OK);
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
    }
    assert_shm_clean(domain);
}

#[test]
fn node_create_destroy_contract() {
    let mut ctx = Context::new();
    let domain = ctx.domain;
    unsafe {
        let c = ctx.ptr();
        for (name, ns) in [
            ("my node", "/ns"),
            ("n", "/my ns"),
            ("1n", "/"),
            ("", "/"),
            ("n", "ns"),
        ] {
            let (n, s) = (cs(name), cs(ns));
            assert!(
                rmw_create_node(c, n.as_ptr(), s.as_ptr()).is_null(),
                "{name} {ns}"
            );
            assert!(!last_error().is_empty());
        }
        assert!(rmw_create_node(c, null(), c"/".as_ptr()).is_null());
        assert!(rmw_create_node(c, c"n".as_ptr(), null()).is_null());
        assert!(rmw_create_node(null_mut(), c"n".as_ptr(), c"/".as_ptr()).is_null());
        let mut zero = zero_context();
        assert!(rmw_create_node(&mut zero, c"n".as_ptr(), c"/".as_ptr()).is_null());

        let node = rmw_create_node(c, c"talker".as_ptr(), c"/demo".as_ptr());
        assert!(!node.is_null(), "{}", last_error());
        assert_eq!(rs((*node).name), "talker");
        assert_eq!(rs((*node).namespace_), "/demo");
        assert_eq!((*node).context, c);
        let gc = rmw_node_get_graph_guard_condition(node);
        assert!(!gc.is_null());
        assert!(rmw_node_get_graph_guard_condition(null()).is_null());

        let id = (*node).implementation_identifier;
        (*node).implementation_identifier = c"other".as_ptr();
        assert_eq!(rmw_destroy_node(node), RMW_RET_INCORRECT_RMW_IMPLEMENTATION);
        assert!(rmw_node_get_graph_guard_condition(node).is_null());
        (*node).implementation_identifier = id;
        assert_eq!(rmw_destroy_node(null_mut()), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_destroy_node(node), RMW_RET_OK);
    }
    drop(ctx);
    assert_shm_clean(domain);
}

fn wait(
    ws: *mut rmw_wait_set_t,
    gcs: &mut [*mut std::ffi::c_void],
    timeout: Option<rmw_time_t>,
) -> rmw_ret_t {
    let mut g = rmw_guard_conditions_t {
        guard_condition_count: gcs.len(),
        guard_conditions: gcs.as_mut_ptr(),
    };
    let t = timeout.as_ref().map_or(null(), |t| t as *const _);
    unsafe {
        rmw_wait(
            null_mut(),
            &mut g,
            null_mut(),
            null_mut(),
            null_mut(),
            ws,
            t,
        )
    }
}

#[test]
fn guard_conditions_and_wait_sets() {
    let mut ctx = Context::new();
    unsafe {
        assert!(rmw_create_guard_condition(null_mut()).is_null());
        assert!(rmw_create_wait_set(null_mut(), 0).is_null());
        let gc = rmw_create_guard_condition(ctx.ptr());
        assert!(!gc.is_null());
        let ws = rmw_create_wait_set(ctx.ptr(), 1);
        assert!(!ws.is_null());
        let zero = rmw_time_t { sec: 0, nsec: 0 };
        let short = rmw_time_t {
            sec: 0,
            nsec: 1_000_000,
        };

        // Nothing ready: TIMEOUT and the entry is NULLed, for a poll and a short timeout.
        for t in [zero, short] {
            let mut arr = [(*gc).data];
            assert_eq!(wait(ws, &mut arr, Some(t)), RMW_RET_TIMEOUT);
            assert!(arr[0].is_null());
        }
        // Empty wait: TIMEOUT.
        assert_eq!(wait(ws, &mut [], Some(zero)), RMW_RET_TIMEOUT);
        assert_eq!(
            rmw_wait(
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                null_mut(),
                &zero
            ),
            RMW_RET_INVALID_ARGUMENT
        );
        // Wrong wait set identifier: INCORRECT, arrays unchanged.
        let id = (*ws).implementation_identifier;
        (*ws).implementation_identifier = c"other".as_ptr();
        let mut arr = [(*gc).data];
        assert_eq!(
            wait(ws, &mut arr, Some(zero)),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert_eq!(arr[0], (*gc).data);
        (*ws).implementation_identifier = id;

        // Triggered before the wait: reported once, then cleared.
        assert_eq!(rmw_trigger_guard_condition(gc), RMW_RET_OK);
        let mut arr = [(*gc).data];
        assert_eq!(wait(ws, &mut arr, None), RMW_RET_OK);
        assert_eq!(arr[0], (*gc).data);
        let mut arr = [(*gc).data];
        assert_eq!(wait(ws, &mut arr, Some(zero)), RMW_RET_TIMEOUT);

        // Triggered from another thread while blocked forever.
        let gc_addr = gc as usize;
        let t = std::thread::spawn(move || {
            let gc = gc_addr as *const rmw_guard_condition_t;
            assert_eq!(rmw_trigger_guard_condition(gc), RMW_RET_OK);
        });
        let mut arr = [(*gc).data];
        assert_eq!(wait(ws, &mut arr, None), RMW_RET_OK);
        t.join().unwrap();

        // The node graph guard condition fires for a node created after it was read.
        let node = ctx.node("watcher", "/");
        let ggc = rmw_node_get_graph_guard_condition(node.0);
        let mut arr = [(*ggc).data];
        let _ = wait(ws, &mut arr, Some(zero)); // consume anything pending
        let other = ctx.node("newcomer", "/");
        let mut arr = [(*ggc).data];
        assert_eq!(wait(ws, &mut arr, None), RMW_RET_OK);
        drop(other);

        assert_eq!(
            rmw_trigger_guard_condition(null()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_guard_condition(null_mut()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert_eq!(
            rmw_destroy_wait_set(null_mut()),
            common::upstream::DESTROY_WAIT_SET_NULL
        );
        assert_eq!(rmw_destroy_guard_condition(gc), RMW_RET_OK);
        assert_eq!(rmw_destroy_wait_set(ws), RMW_RET_OK);
    }
}
