//! Publishers (rmw/rmw.h): create/destroy, publish, gid, QoS, matching, liveliness, acks.

use std::ffi::c_void;

use crate::api::{check_null, endpoint_type, rmw_gid};
use crate::cmem;
use crate::detail::publisher::PublisherImpl;
use crate::handle::{self, identifier};
use crate::ret::{guard_ptr, guard_ret, RmwError};
use crate::sys::rosidl::rosidl_message_type_support_t;
use crate::sys::*;
use crate::typesupport;

/// Creates a publisher. `type_support` may be any C or C++ handle that reaches introspection.
///
/// # Safety
/// Pointers are NULL or valid; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_publisher(
    node: *const rmw_node_t,
    type_support: *const rosidl_message_type_support_t,
    topic_name: *const std::ffi::c_char,
    qos_profile: *const rmw_qos_profile_t,
    publisher_options: *const rmw_publisher_options_t,
) -> *mut rmw_publisher_t {
    guard_ptr("rmw_create_publisher", || {
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, n) = unsafe { handle::get(node)? };
        check_null!(type_support, "type_support");
        check_null!(topic_name, "topic_name");
        check_null!(qos_profile, "qos_profile");
        check_null!(publisher_options, "publisher_options");
        // SAFETY: non-NULL, NUL-terminated.
        let topic = unsafe { cmem::str_arg(topic_name) }.unwrap_or_default();
        // SAFETY: non-NULL, valid per the caller's contract.
        let (q, opts) = unsafe { (*qos_profile, *publisher_options) };
        if topic.is_empty() {
            return Err(RmwError::invalid("topic_name is empty"));
        }
        // SAFETY: non-NULL type support of a loaded library.
        let ty = unsafe { endpoint_type(type_support) }
            .map_err(|e| RmwError::invalid(format!("type support: {e}")))?;
        // SAFETY: the payload pointer comes from the caller's options (options.h contract).
        let payload = unsafe {
            crate::detail::endpoint_options::read_payload(opts.rmw_specific_publisher_payload)
        }?;
        let p = Box::new(PublisherImpl::new(n, &topic, ty, &q, payload.as_ref())?);
        Ok(handle::into_handle(rmw_publisher_t {
            implementation_identifier: identifier(),
            topic_name: p.topic_name.as_ptr(),
            options: opts,
            can_loan_messages: p.is_plain(),
            data: handle::into_data(p),
        }))
    })
}

/// Destroys a publisher (outstanding loans are released).
///
/// # Safety
/// `node`, `publisher` NULL or valid; `publisher` not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_publisher(
    node: *mut rmw_node_t,
    publisher: *mut rmw_publisher_t,
) -> rmw_ret_t {
    guard_ret("rmw_destroy_publisher", || {
        check_null!(node, "node");
        check_null!(publisher, "publisher");
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(node)? };
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, _) = unsafe { handle::get(publisher)? };
        // SAFETY: made by rmw_create_publisher.
        unsafe {
            drop(handle::take_data::<PublisherImpl>(h.data));
            drop(handle::take_handle(publisher));
        }
        Ok(())
    })
}

/// Publishes a message: raw bytes for plain types, CDR otherwise, written straight into
/// shared memory.
///
/// # Safety
/// `ros_message` is NULL or a message of the publisher's type and language.
#[no_mangle]
pub unsafe extern "C" fn rmw_publish(
    publisher: *const rmw_publisher_t,
    ros_message: *const c_void,
    allocation: *mut rmw_publisher_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_publish", || {
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        check_null!(ros_message, "ros_message");
        let ty = &p.ty.model;
        let msg = ros_message.cast::<u8>();
        if p.is_plain() {
            let n = ty.size_of;
            // SAFETY: a plain message is `size_of` readable bytes with no pointers.
            let src = unsafe { std::slice::from_raw_parts(msg, n) };
            p.publish_with(n, |buf| {
                buf.copy_from_slice(src);
                Ok(())
            })
        } else {
            // SAFETY: `msg` is a message of this type (caller's contract).
            let n = unsafe { typesupport::serialized_size(ty, msg)? };
            p.publish_with(n, |buf| {
                // SAFETY: `msg` is a message of this type (caller's contract) and `buf` has
                // exactly the `n` bytes `serialized_size` computed for it.
                unsafe { typesupport::serialize_into(ty, msg, buf)? };
                Ok(())
            })
        }
    })
}

/// The publisher's gid (unique across processes; what message infos carry).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_gid_for_publisher(
    publisher: *const rmw_publisher_t,
    gid: *mut rmw_gid_t,
) -> rmw_ret_t {
    guard_ret("rmw_get_gid_for_publisher", || {
        check_null!(publisher, "publisher");
        check_null!(gid, "gid");
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        // SAFETY: non-NULL, writable.
        unsafe { *gid = rmw_gid(&p.gid) };
        Ok(())
    })
}

/// Compares two gids of this implementation.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_compare_gids_equal(
    gid1: *const rmw_gid_t,
    gid2: *const rmw_gid_t,
    result: *mut bool,
) -> rmw_ret_t {
    guard_ret("rmw_compare_gids_equal", || {
        check_null!(gid1, "gid1");
        check_null!(gid2, "gid2");
        check_null!(result, "result");
        // SAFETY: non-NULL, valid.
        let (a, b) = unsafe { (&*gid1, &*gid2) };
        handle::check_ours(a.implementation_identifier, "gid1")?;
        handle::check_ours(b.implementation_identifier, "gid2")?;
        // SAFETY: non-NULL, writable.
        unsafe { *result = a.data == b.data };
        Ok(())
    })
}

/// The QoS the publisher runs with (SYSTEM_DEFAULT / BEST_AVAILABLE resolved).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_get_actual_qos(
    publisher: *const rmw_publisher_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_publisher_get_actual_qos", || {
        check_null!(publisher, "publisher");
        check_null!(qos, "qos");
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        // SAFETY: non-NULL, writable.
        unsafe { *qos = p.qos };
        Ok(())
    })
}

/// Matched subscriptions in the domain (same type, QoS-compatible).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_count_matched_subscriptions(
    publisher: *const rmw_publisher_t,
    subscription_count: *mut usize,
) -> rmw_ret_t {
    guard_ret("rmw_publisher_count_matched_subscriptions", || {
        check_null!(publisher, "publisher");
        check_null!(subscription_count, "subscription_count");
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        // SAFETY: non-NULL, writable.
        unsafe { *subscription_count = p.matched_count() };
        Ok(())
    })
}

/// Asserts the publisher's liveliness (what MANUAL_BY_TOPIC subscriptions and the publisher's
/// LIVELINESS_LOST event judge, besides its publishes).
///
/// # Safety
/// `publisher` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_assert_liveliness(
    publisher: *const rmw_publisher_t,
) -> rmw_ret_t {
    guard_ret("rmw_publisher_assert_liveliness", || {
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        p.assert_liveliness();
        Ok(())
    })
}

/// Publishing is synchronous into every subscriber queue, so everything is "acknowledged" once
/// `rmw_publish` returned: OK at once.
///
/// # Safety
/// `publisher` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_wait_for_all_acked(
    publisher: *const rmw_publisher_t,
    wait_timeout: rmw_time_t,
) -> rmw_ret_t {
    let _ = wait_timeout;
    guard_ret("rmw_publisher_wait_for_all_acked", || {
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(publisher)? };
        Ok(())
    })
}
