//! Subscriptions (rmw/rmw.h): create/destroy, take (plain, with info, sequence), QoS,
//! matching, new-message callback, content filter (unsupported).

use std::ffi::c_void;

use crate::api::{check_null, endpoint_type, fill_message_info};
use crate::cmem;
use crate::detail::subscription::{SubscriptionImpl, TakenInfo};
use crate::handle::{self, identifier};
use crate::ret::{guard_ptr, guard_ret, RmwError, RmwResult};
use crate::sys::rosidl::rosidl_message_type_support_t;
use crate::sys::*;
use crate::typesupport;

/// Creates a subscription. The content filter in the options is ignored (`is_cft_enabled` stays
/// false, the filter functions return `RMW_RET_UNSUPPORTED`).
///
/// # Safety
/// Pointers are NULL or valid; strings NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_subscription(
    node: *const rmw_node_t,
    type_support: *const rosidl_message_type_support_t,
    topic_name: *const std::ffi::c_char,
    qos_policies: *const rmw_qos_profile_t,
    subscription_options: *const rmw_subscription_options_t,
) -> *mut rmw_subscription_t {
    guard_ptr("rmw_create_subscription", || {
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, n) = unsafe { handle::get(node)? };
        check_null!(type_support, "type_support");
        check_null!(topic_name, "topic_name");
        check_null!(qos_policies, "qos_policies");
        check_null!(subscription_options, "subscription_options");
        // SAFETY: non-NULL, NUL-terminated.
        let topic = unsafe { cmem::str_arg(topic_name) }.unwrap_or_default();
        // SAFETY: non-NULL, valid per the caller's contract.
        let (q, mut opts) = unsafe { (*qos_policies, *subscription_options) };
        if topic.is_empty() {
            return Err(RmwError::invalid("topic_name is empty"));
        }
        // SAFETY: non-NULL type support of a loaded library.
        let ty = unsafe { endpoint_type(type_support) }
            .map_err(|e| RmwError::invalid(format!("type support: {e}")))?;
        // SAFETY: the payload pointer comes from the caller's options (options.h contract).
        let payload = unsafe {
            crate::detail::endpoint_options::read_payload(opts.rmw_specific_subscription_payload)
        }?;
        let s = Box::new(SubscriptionImpl::new(
            n,
            &topic,
            ty,
            &q,
            opts.ignore_local_publications,
            payload.as_ref(),
        )?);
        // The caller frees the filter options right after creation; we keep no filter.
        opts.content_filter_options = std::ptr::null_mut();
        Ok(handle::into_handle(rmw_subscription_t {
            implementation_identifier: identifier(),
            topic_name: s.topic_name.as_ptr(),
            options: opts,
            can_loan_messages: s.is_plain(),
            is_cft_enabled: false,
            data: handle::into_data(s),
        }))
    })
}

/// Destroys a subscription (outstanding loans are released).
///
/// # Safety
/// `node`, `subscription` NULL or valid; `subscription` not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_subscription(
    node: *mut rmw_node_t,
    subscription: *mut rmw_subscription_t,
) -> rmw_ret_t {
    guard_ret("rmw_destroy_subscription", || {
        check_null!(node, "node");
        check_null!(subscription, "subscription");
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(node)? };
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (h, _) = unsafe { handle::get(subscription)? };
        // SAFETY: made by rmw_create_subscription.
        unsafe {
            drop(handle::take_data::<SubscriptionImpl>(h.data));
            drop(handle::take_handle(subscription));
        }
        Ok(())
    })
}

/// Takes one message into `msg` (copy for plain types, CDR deserialization otherwise).
///
/// # Safety
/// `msg` is an initialized message of the subscription's type and language.
pub(crate) unsafe fn take_into(
    s: &SubscriptionImpl,
    msg: *mut c_void,
) -> RmwResult<Option<TakenInfo>> {
    let ty = &s.ty.model;
    let plain = s.is_plain();
    s.take_with(|bytes| {
        if plain {
            if bytes.len() != ty.size_of {
                return Err(RmwError::error(format!(
                    "take: sample of {} bytes for a {}-byte message",
                    bytes.len(),
                    ty.size_of
                )));
            }
            // SAFETY: a plain message is `size_of` writable bytes without pointers.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), msg.cast(), bytes.len()) };
            Ok(())
        } else {
            // SAFETY: `msg` is an initialized message of this type (caller's contract).
            unsafe { typesupport::deserialize(ty, bytes, msg.cast())? };
            Ok(())
        }
    })
}

/// # Safety
/// As `rmw_take_with_info`.
unsafe fn take_common(
    subscription: *const rmw_subscription_t,
    ros_message: *mut c_void,
    taken: *mut bool,
    message_info: Option<*mut rmw_message_info_t>,
) -> RmwResult<()> {
    // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (_, s) = unsafe { handle::get(subscription)? };
    check_null!(ros_message, "ros_message");
    check_null!(taken, "taken");
    if let Some(info) = message_info {
        check_null!(info, "message_info");
    }
    // SAFETY: non-NULL, writable.
    unsafe { *taken = false };
    // SAFETY: `ros_message` is a message of the subscription's type (caller's contract).
    if let Some(t) = unsafe { take_into(s, ros_message)? } {
        if let Some(info) = message_info {
            // SAFETY: non-NULL, writable.
            fill_message_info(unsafe { &mut *info }, &t);
        }
        // SAFETY: non-NULL, writable.
        unsafe { *taken = true };
    }
    Ok(())
}

/// Takes one message; `*taken = false` when none is queued.
///
/// # Safety
/// Pointers NULL or valid; `ros_message` a message of the subscription's type and language.
#[no_mangle]
pub unsafe extern "C" fn rmw_take(
    subscription: *const rmw_subscription_t,
    ros_message: *mut c_void,
    taken: *mut bool,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: the pointers are NULL or valid and `ros_message` has the subscription's type (this
    // entry point's `# Safety`, from rmw.h): `take_common` checks NULLs and requires no more.
    guard_ret("rmw_take", || unsafe {
        take_common(subscription, ros_message, taken, None)
    })
}

/// Takes one message with its info (timestamps, sequence numbers, publisher gid).
///
/// # Safety
/// As `rmw_take`; `message_info` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_with_info(
    subscription: *const rmw_subscription_t,
    ros_message: *mut c_void,
    taken: *mut bool,
    message_info: *mut rmw_message_info_t,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: as for `rmw_take`, and `message_info` is NULL or writable (checked by
    // `take_common`).
    guard_ret("rmw_take_with_info", || unsafe {
        take_common(subscription, ros_message, taken, Some(message_info))
    })
}

/// Takes up to `count` messages into the sequence's preallocated messages.
///
/// # Safety
/// Pointers NULL or valid; the sequences hold `capacity` initialized entries.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_sequence(
    subscription: *const rmw_subscription_t,
    count: usize,
    message_sequence: *mut rmw_message_sequence_t,
    message_info_sequence: *mut rmw_message_info_sequence_t,
    taken: *mut usize,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_take_sequence", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(subscription)? };
        check_null!(message_sequence, "message_sequence");
        check_null!(message_info_sequence, "message_info_sequence");
        check_null!(taken, "taken");
        if count == 0 {
            return Err(RmwError::invalid("count is 0"));
        }
        // SAFETY: non-NULL, valid.
        let (msgs, infos) = unsafe { (&mut *message_sequence, &mut *message_info_sequence) };
        if count > msgs.capacity || count > infos.capacity {
            return Err(RmwError::invalid(
                "count exceeds the capacity of the sequences",
            ));
        }
        // SAFETY: non-NULL, writable.
        unsafe { *taken = 0 };
        let mut n = 0;
        while n < count {
            // SAFETY: entry `n < capacity` is a message of the subscription's type.
            let msg = unsafe { *msgs.data.add(n) };
            // SAFETY: `msg` is entry `n` of the sequence, an initialized message of the
            // subscription's type (this entry point's `# Safety`): `take_into`'s requirement.
            let Some(t) = (unsafe { take_into(s, msg)? }) else {
                break;
            };
            // SAFETY: `n < capacity` entries of infos.
            fill_message_info(unsafe { &mut *infos.data.add(n) }, &t);
            n += 1;
        }
        msgs.size = n;
        infos.size = n;
        // SAFETY: non-NULL, writable.
        unsafe { *taken = n };
        Ok(())
    })
}

/// The QoS the subscription runs with.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_get_actual_qos(
    subscription: *const rmw_subscription_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_get_actual_qos", || {
        check_null!(subscription, "subscription");
        check_null!(qos, "qos");
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(subscription)? };
        // SAFETY: non-NULL, writable.
        unsafe { *qos = s.qos };
        Ok(())
    })
}

/// Matched publishers in the domain (same type, QoS-compatible).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_count_matched_publishers(
    subscription: *const rmw_subscription_t,
    publisher_count: *mut usize,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_count_matched_publishers", || {
        check_null!(subscription, "subscription");
        check_null!(publisher_count, "publisher_count");
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(subscription)? };
        // SAFETY: non-NULL, writable.
        unsafe { *publisher_count = s.matched_count() };
        Ok(())
    })
}

/// Sets the new-message callback (NULL clears it). Messages already queued are announced at
/// once; later ones, published by any process, from the participant's notifier thread.
///
/// # Safety
/// `subscription` NULL or valid; the callback and user data stay valid while set.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_set_on_new_message_callback(
    subscription: *mut rmw_subscription_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_set_on_new_message_callback", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(subscription)? };
        s.listener.set(callback, user_data)
    })
}

/// Content-filtered topics are not implemented: `RMW_RET_UNSUPPORTED`.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_set_content_filter(
    subscription: *mut rmw_subscription_t,
    options: *const rmw_subscription_content_filter_options_t,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_set_content_filter", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(subscription)? };
        check_null!(options, "options");
        Err(RmwError::unsupported(
            "content filtered topics are not supported by rmw_hazcat_rs",
        ))
    })
}

/// Content-filtered topics are not implemented: `RMW_RET_UNSUPPORTED`.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_get_content_filter(
    subscription: *const rmw_subscription_t,
    allocator: *mut rcutils_allocator_t,
    options: *mut rmw_subscription_content_filter_options_t,
) -> rmw_ret_t {
    guard_ret("rmw_subscription_get_content_filter", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(subscription)? };
        check_null!(allocator, "allocator");
        check_null!(options, "options");
        Err(RmwError::unsupported(
            "content filtered topics are not supported by rmw_hazcat_rs",
        ))
    })
}
