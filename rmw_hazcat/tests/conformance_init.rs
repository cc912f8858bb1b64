//! Init-options, init/shutdown and node assertions of the upstream test_rmw_implementation
//! suite (test_init_options, test_init_shutdown, test_create_destroy_node,
//! test_publisher_allocator, test_subscription_allocator) that rmw_init_node.rs does not
//! already cover.
#![allow(clippy::undocumented_unsafe_blocks)]

mod common;

use common::*;
use rmw_hazcat_rs::api::init::*;
use rmw_hazcat_rs::api::node::*;
use rmw_hazcat_rs::api::unsupported::*;
use rmw_hazcat_rs::cmem::{default_allocator, zero_allocator};
use rmw_hazcat_rs::sys::*;
use std::ptr::{null, null_mut};

const FOREIGN: &std::ffi::CStr = c"not-an-rmw-implementation-identifier";

/// test_init_options fini_with_bad_arguments / init_with_bad_arguments: a foreign identifier
/// is INCORRECT_RMW_IMPLEMENTATION and leaves the options usable; fini zeroes the options, so
/// they can be initialized again.
#[test]
fn init_options_foreign_identifier_and_reuse() {
    unsafe {
        let mut o = zero_options();
        assert_eq!(
            rmw_init_options_init(&mut o, zero_allocator()),
            RMW_RET_INVALID_ARGUMENT
        );
        assert!(o.implementation_identifier.is_null(), "failed init wrote");
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(
            rmw_init_options_init(&mut o, default_allocator()),
            RMW_RET_OK
        );
        let id = o.implementation_identifier;
        o.implementation_identifier = FOREIGN.as_ptr();
        assert_eq!(
            rmw_init_options_fini(&mut o),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        let mut dst = zero_options();
        assert_eq!(
            rmw_init_options_copy(&o, &mut dst),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        assert!(dst.implementation_identifier.is_null(), "failed copy wrote");
        o.implementation_identifier = id;
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
        let zero = zero_options();
        let bytes = |x: &rmw_init_options_t| {
            std::slice::from_raw_parts(
                (x as *const rmw_init_options_t).cast::<u8>(),
                std::mem::size_of::<rmw_init_options_t>(),
            )
            .to_vec()
        };
        assert_eq!(bytes(&o), bytes(&zero), "fini did not zero the options");
        // Initialization and finalization still succeed.
        assert_eq!(
            rmw_init_options_init(&mut o, default_allocator()),
            RMW_RET_OK
        );
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
    }
}

/// test_init_shutdown shutdown_with_bad_arguments / context_fini_with_bad_arguments: zero
/// contexts are INVALID_ARGUMENT, foreign ones INCORRECT_RMW_IMPLEMENTATION, and both leave
/// the context usable; fini zeroes it.
#[test]
fn shutdown_and_fini_bad_arguments() {
    let domain = unique_domain();
    unsafe {
        let mut o = options(domain);
        let mut c = zero_context();
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_context_fini(null_mut()), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_context_fini(&mut c), RMW_RET_INVALID_ARGUMENT);
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_OK, "{}", last_error());
        let id = c.implementation_identifier;
        c.implementation_identifier = FOREIGN.as_ptr();
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_INCORRECT_RMW_IMPLEMENTATION);
        assert_eq!(
            rmw_context_fini(&mut c),
            RMW_RET_INCORRECT_RMW_IMPLEMENTATION
        );
        c.implementation_identifier = id;
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_OK);
        assert_eq!(rmw_context_fini(&mut c), RMW_RET_OK);
        let zero = zero_context();
        let bytes = |x: &rmw_context_t| {
            std::slice::from_raw_parts(
                (x as *const rmw_context_t).cast::<u8>(),
                std::mem::size_of::<rmw_context_t>(),
            )
            .to_vec()
        };
        assert_eq!(bytes(&c), bytes(&zero), "fini did not zero the context");
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
    }
    assert_shm_clean(domain);
}

/// test_create_destroy_node: a foreign context gives no node, and so does a shut-down one;
/// TestLocalhostNodeConstructionDestruction: `localhost_only = ENABLED` initializes and makes
/// nodes (Humble/Jazzy field).
#[test]
fn node_creation_context_checks_and_localhost_only() {
    let domain = unique_domain();
    unsafe {
        let mut o = options(domain);
        #[cfg(any(ros_distro = "humble", ros_distro = "jazzy"))]
        {
            o.localhost_only = RMW_LOCALHOST_ONLY_ENABLED;
        }
        let mut c = zero_context();
        assert_eq!(rmw_init(&o, &mut c), RMW_RET_OK, "{}", last_error());
        let (name, ns) = (c"my_node", c"/my_ns");
        let id = c.implementation_identifier;
        c.implementation_identifier = FOREIGN.as_ptr();
        assert!(rmw_create_node(&mut c, name.as_ptr(), ns.as_ptr()).is_null());
        c.implementation_identifier = id;
        let node = rmw_create_node(&mut c, name.as_ptr(), ns.as_ptr());
        assert!(!node.is_null(), "{}", last_error());
        assert_eq!(rmw_destroy_node(node), RMW_RET_OK);
        assert_eq!(rmw_shutdown(&mut c), RMW_RET_OK);
        assert!(rmw_create_node(&mut c, name.as_ptr(), ns.as_ptr()).is_null());
        assert!(!last_error().is_empty());
        assert_eq!(rmw_context_fini(&mut c), RMW_RET_OK);
        assert_eq!(rmw_init_options_fini(&mut o), RMW_RET_OK);
    }
    assert_shm_clean(domain);
}

/// test_publisher_allocator / test_subscription_allocator: allocations are UNSUPPORTED, and
/// then fini of an allocation is UNSUPPORTED too.
#[test]
fn endpoint_allocations_are_unsupported_both_ways() {
    unsafe {
        assert_eq!(
            rmw_init_publisher_allocation(null(), null(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_fini_publisher_allocation(null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_init_subscription_allocation(null(), null(), null_mut()),
            RMW_RET_UNSUPPORTED
        );
        assert_eq!(
            rmw_fini_subscription_allocation(null_mut()),
            RMW_RET_UNSUPPORTED
        );
    }
}
