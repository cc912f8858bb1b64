//! Entry points for features hazcat does not offer; each returns `RMW_RET_UNSUPPORTED` with a
//! message, after the handle checks where the function has a handle.

use crate::handle;
use crate::ret::{guard_ret, RmwError};
use crate::sys::rosidl::{rosidl_message_type_support_t, rosidl_runtime_c__Sequence__bound};
use crate::sys::*;

/// Preallocation is not needed (publishing writes into shared memory directly).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_init_publisher_allocation(
    type_support: *const rosidl_message_type_support_t,
    message_bounds: *const rosidl_runtime_c__Sequence__bound,
    allocation: *mut rmw_publisher_allocation_t,
) -> rmw_ret_t {
    let _ = (type_support, message_bounds, allocation);
    guard_ret("rmw_init_publisher_allocation", || {
        Err(RmwError::unsupported(
            "publisher allocations are not supported",
        ))
    })
}

/// See `rmw_init_publisher_allocation`.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_fini_publisher_allocation(
    allocation: *mut rmw_publisher_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_fini_publisher_allocation", || {
        Err(RmwError::unsupported(
            "publisher allocations are not supported",
        ))
    })
}

/// Preallocation is not needed (takes read shared memory directly).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_init_subscription_allocation(
    type_support: *const rosidl_message_type_support_t,
    message_bounds: *const rosidl_runtime_c__Sequence__bound,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = (type_support, message_bounds, allocation);
    guard_ret("rmw_init_subscription_allocation", || {
        Err(RmwError::unsupported(
            "subscription allocations are not supported",
        ))
    })
}

/// See `rmw_init_subscription_allocation`.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_fini_subscription_allocation(
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = allocation;
    guard_ret("rmw_fini_subscription_allocation", || {
        Err(RmwError::unsupported(
            "subscription allocations are not supported",
        ))
    })
}

/// Shared memory has no network flows.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_publisher_get_network_flow_endpoints(
    publisher: *const rmw_publisher_t,
    allocator: *mut rcutils_allocator_t,
    network_flow_endpoint_array: *mut rmw_network_flow_endpoint_array_t,
) -> rmw_ret_t {
    let _ = (allocator, network_flow_endpoint_array);
    guard_ret("rmw_publisher_get_network_flow_endpoints", || {
        // SAFETY: `publisher` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(publisher)? };
        Err(RmwError::unsupported(
            "network flow endpoints: hazcat uses shared memory only",
        ))
    })
}

/// Shared memory has no network flows.
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_subscription_get_network_flow_endpoints(
    subscription: *const rmw_subscription_t,
    allocator: *mut rcutils_allocator_t,
    network_flow_endpoint_array: *mut rmw_network_flow_endpoint_array_t,
) -> rmw_ret_t {
    let _ = (allocator, network_flow_endpoint_array);
    guard_ret("rmw_subscription_get_network_flow_endpoints", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(subscription)? };
        Err(RmwError::unsupported(
            "network flow endpoints: hazcat uses shared memory only",
        ))
    })
}

/// Dynamic messages are not offered (`RMW_MIDDLEWARE_CAN_TAKE_DYNAMIC_MESSAGE` is false).
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub unsafe extern "C" fn rmw_take_dynamic_message(
    subscription: *const rmw_subscription_t,
    dynamic_message: *mut crate::sys::rosidl::rosidl_dynamic_typesupport_dynamic_data_t,
    taken: *mut bool,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = (dynamic_message, taken, allocation);
    guard_ret("rmw_take_dynamic_message", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(subscription)? };
        Err(RmwError::unsupported("dynamic messages are not supported"))
    })
}

/// Dynamic messages are not offered.
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub unsafe extern "C" fn rmw_take_dynamic_message_with_info(
    subscription: *const rmw_subscription_t,
    dynamic_message: *mut crate::sys::rosidl::rosidl_dynamic_typesupport_dynamic_data_t,
    taken: *mut bool,
    message_info: *mut rmw_message_info_t,
    allocation: *mut rmw_subscription_allocation_t,
) -> rmw_ret_t {
    let _ = (dynamic_message, taken, message_info, allocation);
    guard_ret("rmw_take_dynamic_message_with_info", || {
        // SAFETY: `subscription` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(subscription)? };
        Err(RmwError::unsupported("dynamic messages are not supported"))
    })
}

/// Dynamic type support serialization is not offered.
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub unsafe extern "C" fn rmw_serialization_support_init(
    serialization_lib_name: *const std::ffi::c_char,
    allocator: *mut rcutils_allocator_t,
    serialization_support: *mut crate::sys::rosidl::rosidl_dynamic_typesupport_serialization_support_t,
) -> rmw_ret_t {
    let _ = (serialization_lib_name, allocator, serialization_support);
    guard_ret("rmw_serialization_support_init", || {
        Err(RmwError::unsupported(
            "dynamic type support is not supported",
        ))
    })
}
