//! Services (rmw/rmw.h). Placeholders returning `RMW_RET_ERROR` ("not implemented yet") so the
//! exported symbol set is complete; the service work replaces them. The graph side
//! (`rmw_get_service_names_and_types*`, `rmw_count_services`) is already real in `graph.rs`: it
//! lists `EntryKind::Service` entries of the registry.

use std::ffi::{c_char, c_void};

use crate::ret::{guard_ptr, guard_ret, RmwError};
use crate::sys::rosidl::rosidl_service_type_support_t;
use crate::sys::*;

/// Creates a service server. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_service(
    node: *const rmw_node_t,
    type_support: *const rosidl_service_type_support_t,
    service_name: *const c_char,
    qos_profile: *const rmw_qos_profile_t,
) -> *mut rmw_service_t {
    let _ = (node, type_support, service_name, qos_profile);
    guard_ptr("rmw_create_service", || {
        Err(RmwError::error("rmw_create_service: not implemented yet"))
    })
}

/// Destroys a service server. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_service(
    node: *mut rmw_node_t,
    service: *mut rmw_service_t,
) -> rmw_ret_t {
    let _ = (node, service);
    guard_ret("rmw_destroy_service", || {
        Err(RmwError::error("rmw_destroy_service: not implemented yet"))
    })
}

/// Takes a request. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_request(
    service: *const rmw_service_t,
    request_header: *mut rmw_service_info_t,
    ros_request: *mut c_void,
    taken: *mut bool,
) -> rmw_ret_t {
    let _ = (service, request_header, ros_request, taken);
    guard_ret("rmw_take_request", || {
        Err(RmwError::error("rmw_take_request: not implemented yet"))
    })
}

/// Sends a response. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_send_response(
    service: *const rmw_service_t,
    request_header: *mut rmw_request_id_t,
    ros_response: *mut c_void,
) -> rmw_ret_t {
    let _ = (service, request_header, ros_response);
    guard_ret("rmw_send_response", || {
        Err(RmwError::error("rmw_send_response: not implemented yet"))
    })
}

/// QoS of the request reader. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_request_subscription_get_actual_qos(
    service: *const rmw_service_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    let _ = (service, qos);
    guard_ret("rmw_service_request_subscription_get_actual_qos", || {
        Err(RmwError::error(
            "rmw_service_request_subscription_get_actual_qos: not implemented yet",
        ))
    })
}

/// QoS of the response writer. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_response_publisher_get_actual_qos(
    service: *const rmw_service_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    let _ = (service, qos);
    guard_ret("rmw_service_response_publisher_get_actual_qos", || {
        Err(RmwError::error(
            "rmw_service_response_publisher_get_actual_qos: not implemented yet",
        ))
    })
}

/// Sets the new-request callback. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_set_on_new_request_callback(
    service: *mut rmw_service_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    let _ = (service, callback, user_data);
    guard_ret("rmw_service_set_on_new_request_callback", || {
        Err(RmwError::error(
            "rmw_service_set_on_new_request_callback: not implemented yet",
        ))
    })
}

/// Servers of a service with their QoS. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(ros_distro = "lyrical")]
#[no_mangle]
pub unsafe extern "C" fn rmw_get_servers_info_by_service(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    service_name: *const c_char,
    no_mangle: bool,
    servers_info: *mut c_void,
) -> rmw_ret_t {
    let _ = (node, allocator, service_name, no_mangle, servers_info);
    guard_ret("rmw_get_servers_info_by_service", || {
        Err(RmwError::error(
            "rmw_get_servers_info_by_service: not implemented yet",
        ))
    })
}
