//! Service clients (rmw/rmw.h): create/destroy, send request, take response, server
//! availability, actual QoS, gid, new-response listener.

use std::ffi::{c_char, c_void};

use crate::api::check_null;
use crate::api::service::{creation_args, destroy_args};
use crate::detail::service::ClientImpl;
use crate::handle::{self, identifier, RmwHandle};
use crate::ret::{guard_ptr, guard_ret, RmwError, RmwResult};
use crate::sys::rosidl::rosidl_service_type_support_t;
use crate::sys::*;

impl RmwHandle for rmw_client_t {
    type Impl = ClientImpl;
    const WHAT: &'static str = "client";
    fn identifier(&self) -> *const c_char {
        self.implementation_identifier
    }
    fn data(&self) -> *mut c_void {
        self.data
    }
}

/// Creates a service client: its response reader, its request writer and its graph entry.
///
/// # Safety
/// `node` is NULL or valid; `type_support` is NULL or a valid service type support whose
/// libraries stay loaded; `service_name` is NULL or NUL-terminated; `qos_policies` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_client(
    node: *const rmw_node_t,
    type_support: *const rosidl_service_type_support_t,
    service_name: *const c_char,
    qos_policies: *const rmw_qos_profile_t,
) -> *mut rmw_client_t {
    guard_ptr("rmw_create_client", || {
        // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `creation_args` checks NULLs and requires no more.
        let (node, spec) =
            unsafe { creation_args(node, type_support, service_name, qos_policies)? };
        let client = Box::new(ClientImpl::new(node, spec)?);
        Ok(handle::into_handle(rmw_client_t {
            implementation_identifier: identifier(),
            service_name: client.spec.name.as_ptr(),
            data: handle::into_data(client),
        }))
    })
}

/// Destroys a client. Responses sent to it afterwards are dropped (the service gets OK).
///
/// # Safety
/// `node` is NULL or valid; `client` is NULL or a client of ours, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_client(
    node: *mut rmw_node_t,
    client: *mut rmw_client_t,
) -> rmw_ret_t {
    guard_ret("rmw_destroy_client", || {
        // SAFETY: `node` and the handle are NULL or live (rmw.h contract): `destroy_args` checks both before use.
        let h = unsafe { destroy_args(node, client)? };
        // SAFETY: made by rmw_create_client (`into_data` / `into_handle`).
        unsafe {
            if !h.data.is_null() {
                drop(handle::take_data::<ClientImpl>(h.data));
            }
            drop(handle::take_handle(client));
        }
        Ok(())
    })
}

/// Sends a request to every service of the client's name and type; `*sequence_id` receives its
/// sequence number (1, 2, ... per client), which the response carries back.
///
/// # Safety
/// Pointers NULL or valid; `ros_request` is a message of the client's request type.
#[no_mangle]
pub unsafe extern "C" fn rmw_send_request(
    client: *const rmw_client_t,
    ros_request: *const c_void,
    sequence_id: *mut i64,
) -> rmw_ret_t {
    guard_ret("rmw_send_request", || {
        // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, c) = unsafe { handle::get(client)? };
        check_null!(ros_request, "ros_request");
        check_null!(sequence_id, "sequence_id");
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe { *sequence_id = c.send_request(ros_request)? };
        Ok(())
    })
}

/// Takes the oldest response for this client: fills `request_header` (the request's sequence
/// number, the client gid, timestamps) and deserializes into `ros_response`; `*taken = false`
/// when none is queued.
///
/// # Safety
/// Pointers NULL or valid; `ros_response` is a message of the client's response type.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_response(
    client: *const rmw_client_t,
    request_header: *mut rmw_service_info_t,
    ros_response: *mut c_void,
    taken: *mut bool,
) -> rmw_ret_t {
    guard_ret("rmw_take_response", || {
        // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, c) = unsafe { handle::get(client)? };
        check_null!(request_header, "request_header");
        check_null!(ros_response, "ros_response");
        check_null!(taken, "taken");
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe {
            *taken = false;
            *taken = c.take_response(&mut *request_header, ros_response)?;
        }
        Ok(())
    })
}

/// Whether a service of the client's name and type exists in the domain (any process).
///
/// A NULL `node`, `client` or `is_available` is what test_client
/// `service_server_is_available_bad_args` asserts: `RMW_RET_ERROR` up to Jazzy,
/// INVALID_ARGUMENT from Kilted ([`super::distro_ret`]).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_server_is_available(
    node: *const rmw_node_t,
    client: *const rmw_client_t,
    is_available: *mut bool,
) -> rmw_ret_t {
    guard_ret("rmw_service_server_is_available", || {
        for (p, what) in [
            (node.cast::<c_void>(), "node"),
            (client.cast(), "client"),
            (is_available.cast_const().cast(), "is_available"),
        ] {
            if p.is_null() {
                let code = super::distro_ret::SERVER_IS_AVAILABLE_NULL;
                return Err(RmwError::new(code, format!("{what} is NULL")));
            }
        }
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(node)? };
        // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, c) = unsafe { handle::get(client)? };
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe { *is_available = c.server_is_available() };
        Ok(())
    })
}

/// # Safety
/// Pointers NULL or valid.
unsafe fn client_qos(
    client: *const rmw_client_t,
    qos: *mut rmw_qos_profile_t,
    f: impl FnOnce(&ClientImpl) -> rmw_qos_profile_t,
) -> RmwResult<()> {
    // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (_, c) = unsafe { handle::get(client)? };
    check_null!(qos, "qos");
    // SAFETY: non-NULL and valid (caller's contract).
    unsafe { *qos = f(c) };
    Ok(())
}

/// The QoS the request writer runs with (the requested profile with system defaults resolved).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_request_publisher_get_actual_qos(
    client: *const rmw_client_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_client_request_publisher_get_actual_qos", || {
        // SAFETY: `client` and `qos` are NULL or valid (rmw.h contract): `client_qos` checks both.
        unsafe { client_qos(client, qos, ClientImpl::request_qos) }
    })
}

/// The QoS the response reader runs with (the requested profile with system defaults resolved).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_response_subscription_get_actual_qos(
    client: *const rmw_client_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_client_response_subscription_get_actual_qos", || {
        // SAFETY: `client` and `qos` are NULL or valid (rmw.h contract): `client_qos` checks both.
        unsafe { client_qos(client, qos, ClientImpl::response_qos) }
    })
}

/// Sets (or clears, with NULL) the callback told how many responses arrived. Responses queued
/// before are announced at once; later ones from this process's notifier thread.
///
/// # Safety
/// `client` is NULL or valid; `callback` and `user_data` stay valid while set.
#[no_mangle]
pub unsafe extern "C" fn rmw_client_set_on_new_response_callback(
    client: *mut rmw_client_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    guard_ret("rmw_client_set_on_new_response_callback", || {
        // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, c) = unsafe { handle::get(client)? };
        c.set_on_new_response_callback(callback, user_data)
    })
}

/// The client's gid: its first `RMW_GID_STORAGE_SIZE` bytes are what services see as the
/// `writer_guid` of its requests.
///
/// # Safety
/// Pointers NULL or valid.
#[cfg(not(ros_distro = "humble"))]
#[no_mangle]
pub unsafe extern "C" fn rmw_get_gid_for_client(
    client: *const rmw_client_t,
    gid: *mut rmw_gid_t,
) -> rmw_ret_t {
    guard_ret("rmw_get_gid_for_client", || {
        // SAFETY: `client` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, c) = unsafe { handle::get(client)? };
        check_null!(gid, "gid");
        let mut data = [0u8; RMW_GID_STORAGE_SIZE];
        data.copy_from_slice(&c.gid[..RMW_GID_STORAGE_SIZE]);
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe {
            *gid = rmw_gid_t {
                implementation_identifier: identifier(),
                data,
            }
        };
        Ok(())
    })
}

/// Clients of a service with their QoS (Lyrical): not supported yet.
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
    clients_info: *mut rmw_service_endpoint_info_array_t,
) -> rmw_ret_t {
    let _ = (allocator, service_name, no_mangle, clients_info);
    guard_ret("rmw_get_clients_info_by_service", || {
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(node)? };
        Err(RmwError::unsupported(
            "rmw_get_clients_info_by_service is not supported by rmw_hazcat_rs yet",
        ))
    })
}
