//! Clients (rmw/rmw.h). Placeholders returning `RMW_RET_ERROR` ("not implemented yet") so the
//! exported symbol set is complete; the service work replaces them. The graph side
//! (`rmw_get_client_names_and_types_by_node`, `rmw_count_clients`) is already real in `graph.rs`: it
//! lists `EntryKind::Client` entries of the registry.

use std::ffi::{c_char, c_void};

use crate::ret::{guard_ptr, guard_ret, RmwError};
use crate::sys::rosidl::rosidl_service_type_support_t;
use crate::sys::*;

/// Creates a service client. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_client(
    node: *const rmw_node_t,
    type_support: *const rosidl_service_type_support_t,
    service_name: *const c_char,
    qos_policies: *const rmw_qos_profile_t,
) -> *mut rmw_client_t {
    let _ = (node, type_support, service_name, qos_policies);
    guard_ptr("rmw_create_client", || {
        Err(RmwError::error("rmw_create_client: not implemented yet"))
    })
}

/// Destroys a client. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_client(
    node: *mut rmw_node_t,
    client: *mut rmw_client_t,
) -> rmw_ret_t {
    let _ = (node, client);
    guard_ret("rmw_destroy_client", || {
        Err(RmwError::error("rmw_destroy_client: not implemented yet"))
    })
}

/// Sends a request. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_send_request(
    client: *const rmw_client_t,
    ros_request: *const c_void,
    sequence_id: *mut i64,
) -> rmw_ret_t {
    let _ = (client, ros_request, sequence_id);
    guard_ret("rmw_send_request", || {
        Err(RmwError::error("rmw_send_request: not implemented yet"))
    })
}

/// Takes a response. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_response(
    client: *const rmw_client_t,
    request_header: *mut rmw_service_info_t,
    ros_response: *mut c_void,
    taken: *mut bool,
) -> rmw_ret_t {
    let _ = (client, request_header, ros_response, taken);
    guard_ret("rmw_take_response", || {
        Err(RmwError::error("rmw_take_response: not implemented yet"))
    })
}

/// Whether a server exists for the client. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_server_is_available(
    node: *const rmw_node_t,
    client: *const rmw_client_t,
    is_available: *mut bool,
) -> rmw_ret_t {
    let _ = (node, client, is_available);
    guard_ret("rmw_service_server_is_available", || {
        Err(RmwError::error(
            "rmw_service_server_is_available: not implemented yet",
        ))
    })
}

/// QoS of the request writer. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_request_publisher_get_actual_qos(
    client: *const rmw_client_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    let _ = (client, qos);
    guard_ret("rmw_client_request_publisher_get_actual_qos", || {
        Err(RmwError::error(
            "rmw_client_request_publisher_get_actual_qos: not implemented yet",
        ))
    })
}

/// QoS of the response reader. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_response_subscription_get_actual_qos(
    client: *const rmw_client_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    let _ = (client, qos);
    guard_ret("rmw_client_response_subscription_get_actual_qos", || {
        Err(RmwError::error(
            "rmw_client_response_subscription_get_actual_qos: not implemented yet",
        ))
    })
}

/// Sets the new-response callback. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_set_on_new_response_callback(
    client: *mut rmw_client_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    let _ = (client, callback, user_data);
    guard_ret("rmw_client_set_on_new_response_callback", || {
        Err(RmwError::error(
            "rmw_client_set_on_new_response_callback: not implemented yet",
        ))
    })
}

/// The client's gid. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub unsafe extern "C" fn rmw_get_gid_for_client(
    client: *const rmw_client_t,
    gid: *mut rmw_gid_t,
) -> rmw_ret_t {
    let _ = (client, gid);
    guard_ret("rmw_get_gid_for_client", || {
        Err(RmwError::error(
            "rmw_get_gid_for_client: not implemented yet",
        ))
    })
}

/// Clients of a service with their QoS. Not implemented yet (services and clients land on top of this infrastructure).
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(ros_distro = "lyrical")]
#[no_mangle]
pub unsafe extern "C" fn rmw_get_clients_info_by_service(
    node: *const rmw_node_t,
    allocator: *mut rcutils_allocator_t,
    service_name: *const c_char,
    no_mangle: bool,
    clients_info: *mut c_void,
) -> rmw_ret_t {
    let _ = (node, allocator, service_name, no_mangle, clients_info);
    guard_ret("rmw_get_clients_info_by_service", || {
        Err(RmwError::error(
            "rmw_get_clients_info_by_service: not implemented yet",
        ))
    })
}
