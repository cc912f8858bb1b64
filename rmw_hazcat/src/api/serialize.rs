//! Serialization (rmw.h): `rmw_serialize`, `rmw_deserialize`, serialized publish/take. Works
//! without `rmw_init` (no context needed). Format: classic CDR little-endian with the 4-byte
//! encapsulation header, byte-identical to rmw_cyclonedds / rmw_fastrtps.

use std::ffi::c_void;

use crate::api::{check_null, fill_message_info};
use crate::detail::subscription::SubscriptionImpl;
use crate::handle;
use crate::ret::{guard_ret, RmwError, RmwResult};
use crate::sys::rosidl::{rosidl_message_type_support_t, rosidl_runtime_c__Sequence__bound};
use crate::sys::*;
use crate::typesupport::{self, MessageType, OwnedMessage};

/// Makes room for `n` bytes in a serialized message with its own allocator (like
/// `rmw_serialized_message_resize`) and sets its length.
fn resize(m: &mut rmw_serialized_message_t, n: usize) -> RmwResult<()> {
    if m.buffer_capacity < n || m.buffer.is_null() {
        let realloc = m
            .allocator
            .reallocate
            .ok_or_else(|| RmwError::invalid("serialized message has an invalid allocator"))?;
        // SAFETY: the buffer was allocated by this allocator (or is NULL).
        let p = unsafe { realloc(m.buffer.cast(), n.max(1), m.allocator.state) };
        if p.is_null() {
            return Err(RmwError::bad_alloc(format!(
                "cannot grow serialized message to {n} bytes"
            )));
        }
        m.buffer = p.cast();
        m.buffer_capacity = n.max(1);
    }
    m.buffer_length = n;
    Ok(())
}

/// Serializes a message in memory into `out`.
///
/// # Safety
/// `msg` is a message of `ty`.
unsafe fn serialize_to(
    ty: &MessageType,
    msg: *const u8,
    out: &mut rmw_serialized_message_t,
) -> RmwResult<()> {
    // SAFETY: `msg` is a valid message of type `ty`, per this function's `# Safety`:
    // `serialized_size`'s requirement.
    let n = unsafe { typesupport::serialized_size(ty, msg)? };
    resize(out, n)?;
    // SAFETY: `buffer` has at least `n` bytes after the resize.
    let buf = unsafe { std::slice::from_raw_parts_mut(out.buffer, n) };
    // SAFETY: `msg` is a valid message of type `ty` and `buf` is its exact serialized length, as
    // `serialize_into` requires.
    unsafe { typesupport::serialize_into(ty, msg, buf)? };
    Ok(())
}

fn serialized_bytes(m: &rmw_serialized_message_t) -> &[u8] {
    if m.buffer.is_null() || m.buffer_length == 0 {
        &[]
    } else {
        // SAFETY: `buffer_length` bytes of `buffer` are valid (serialized message contract).
        unsafe { std::slice::from_raw_parts(m.buffer, m.buffer_length) }
    }
}

/// Serializes `ros_message` to CDR, growing `serialized_message` with its allocator.
///
/// # Safety
/// Pointers NULL or valid; `ros_message` of the type of `type_support`.
#[no_mangle]
pub unsafe extern "C" fn rmw_serialize(
    ros_message: *const c_void,
    type_support: *const rosidl_message_type_support_t,
    serialized_message: *mut rmw_serialized_message_t,
) -> rmw_ret_t {
    guard_ret("rmw_serialize", || {
        check_null!(ros_message, "ros_message");
        check_null!(type_support, "type_support");
        check_null!(serialized_message, "serialized_message");
        // SAFETY: valid type support of a loaded library.
        let ty = unsafe { typesupport::message_type(type_support)? };
        crate::ret::reset_rcutils_error();
        // SAFETY: non-NULL, writable; `ros_message` of this type.
        unsafe { serialize_to(&ty, ros_message.cast(), &mut *serialized_message) }
    })
}

/// Deserializes CDR into an initialized `ros_message`.
///
/// # Safety
/// Pointers NULL or valid; `ros_message` an initialized message of the type.
#[no_mangle]
pub unsafe extern "C" fn rmw_deserialize(
    serialized_message: *const rmw_serialized_message_t,
    type_support: *const rosidl_message_type_support_t,
    ros_message: *mut c_void,
) -> rmw_ret_t {
    guard_ret("rmw_deserialize", || {
        check_null!(serialized_message, "serialized_message");
        check_null!(type_support, "type_support");
        check_null!(ros_message, "ros_message");
        // SAFETY: valid type support of a loaded library.
        let ty = unsafe { typesupport::message_type(type_support)? };
        crate::ret::reset_rcutils_error();
        // SAFETY: non-NULL, valid.
        let bytes = serialized_bytes(unsafe { &*serialized_message });
        // SAFETY: `ros_message` is an initialized message of this type.
        unsafe { typesupport::deserialize(&ty, bytes, ros_message.cast())? };
        Ok(())
    })
}

/// Not computed ahead of time: `RMW_RET_UNSUPPORTED` (allowed by the conformance suite).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_get_serialized_message_size(
    type_support: *const rosidl_message_type_support_t,
    message_bounds: *const rosidl_runtime_c__Sequence__bound,
    size: *mut usize,
) -> rmw_ret_t {
    let _ = (type_support, message_bounds, size);
    guard_ret("rmw_get_serialized_message_size", || {
        Err(RmwError::unsupported(
            "rmw_get_serialized_message_size is not supported by rmw_hazcat_rs",
        ))
    })
}

/// Publishes CDR bytes: copied as they are for non-plain types, converted to the raw struct
/// bytes for plain ones.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publish_serialized_message(
    publisher: *const rmw_publisher_t,
    serialized_message: *const rmw_serialized_message_t,
    allocation: *mut rmw_publisher_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_publish_serialized_message", || {
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, p) = unsafe { handle::get(publisher)? };
        check_null!(serialized_message, "serialized_message");
        // SAFETY: non-NULL, valid.
        let bytes = serialized_bytes(unsafe { &*serialized_message });
        if p.is_plain() {
            let mut m = OwnedMessage::new(p.ty.model.clone())?;
            // SAFETY: `m` is an initialized message of the type.
            unsafe { typesupport::deserialize(&p.ty.model, bytes, m.as_mut_ptr())? };
            let n = p.ty.model.size_of;
            // SAFETY: a plain message is `size_of` bytes without pointers.
            let src = unsafe { std::slice::from_raw_parts(m.as_ptr(), n) };
            p.publish_with(n, |buf| {
                buf.copy_from_slice(src);
                Ok(())
            })
        } else {
            if bytes.len() < 4 {
                return Err(RmwError::invalid(
                    "serialized message is shorter than the CDR header",
                ));
            }
            p.publish_with(bytes.len(), |buf| {
                buf.copy_from_slice(bytes);
                Ok(())
            })
        }
    })
}

/// # Safety
/// As `rmw_take_serialized_message_with_info`.
unsafe fn take_serialized(
    subscription: *const rmw_subscription_t,
    serialized_message: *mut rmw_serialized_message_t,
    taken: *mut bool,
    message_info: Option<*mut rmw_message_info_t>,
) -> RmwResult<()> {
    // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's);
    // `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (_, s) = unsafe { handle::get::<rmw_subscription_t>(subscription)? };
    let s: &SubscriptionImpl = s;
    check_null!(serialized_message, "serialized_message");
    check_null!(taken, "taken");
    if let Some(info) = message_info {
        check_null!(info, "message_info");
    }
    // SAFETY: non-NULL, writable.
    let out = unsafe { &mut *serialized_message };
    // SAFETY: non-NULL, writable.
    unsafe { *taken = false };
    let plain = s.is_plain();
    let ty = s.ty.model.clone();
    let t = s.take_with(|bytes| {
        if plain {
            // SAFETY: plain bytes are a complete message of the type (same layout everywhere).
            unsafe { serialize_to(&ty, bytes.as_ptr(), out) }
        } else {
            resize(out, bytes.len())?;
            // SAFETY: the buffer holds at least `bytes.len()` bytes after the resize.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), out.buffer, bytes.len()) };
            Ok(())
        }
    })?;
    if let Some(t) = t {
        if let Some(info) = message_info {
            // SAFETY: non-NULL, writable.
            fill_message_info(unsafe { &mut *info }, &t);
        }
        // SAFETY: non-NULL, writable.
        unsafe { *taken = true };
    }
    Ok(())
}

/// Takes one message as CDR.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_serialized_message(
    subscription: *const rmw_subscription_t,
    serialized_message: *mut rmw_serialized_message_t,
    taken: *mut bool,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `take_serialized` checks
    // NULLs and requires no more.
    guard_ret("rmw_take_serialized_message", || unsafe {
        take_serialized(subscription, serialized_message, taken, None)
    })
}

/// Takes one message as CDR, with its info.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_serialized_message_with_info(
    subscription: *const rmw_subscription_t,
    serialized_message: *mut rmw_serialized_message_t,
    taken: *mut bool,
    message_info: *mut rmw_message_info_t,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `take_serialized` checks
    // NULLs and requires no more.
    guard_ret("rmw_take_serialized_message_with_info", || unsafe {
        take_serialized(subscription, serialized_message, taken, Some(message_info))
    })
}
