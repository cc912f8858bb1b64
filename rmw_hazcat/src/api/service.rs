//! Service servers (rmw/rmw.h): create/destroy, take request, send response, actual QoS,
//! new-request listener. The transport is described in [`crate::detail::service`]; graph
//! queries over services read the `EntryKind::Service` entries registered here.

use std::ffi::{c_char, c_void};

use crate::api::check_null;
use crate::cmem;
use crate::detail::node::NodeImpl;
use crate::detail::service::{ServiceImpl, ServiceSpec};
use crate::handle::{self, identifier, RmwHandle};
#[cfg(ros_distro = "lyrical")]
use crate::ret::RmwError;
use crate::ret::{guard_ptr, guard_ret, RmwResult};
use crate::sys::rosidl::rosidl_service_type_support_t;
use crate::sys::*;

impl RmwHandle for rmw_service_t {
    type Impl = ServiceImpl;
    const WHAT: &'static str = "service";
    fn identifier(&self) -> *const c_char {
        self.implementation_identifier
    }
    fn data(&self) -> *mut c_void {
        self.data
    }
}

/// Arguments shared by service and client creation, checked in the upstream order: node (NULL,
/// identifier), type support, name, QoS.
///
/// # Safety
/// Pointers NULL or valid; `name` NUL-terminated.
pub(crate) unsafe fn creation_args<'a>(
    node: *const rmw_node_t,
    type_support: *const rosidl_service_type_support_t,
    name: *const c_char,
    qos_profile: *const rmw_qos_profile_t,
) -> RmwResult<(&'a NodeImpl, ServiceSpec)> {
    // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (_, node) = unsafe { handle::get(node)? };
    check_null!(type_support, "type_support");
    check_null!(name, "service_name");
    check_null!(qos_profile, "qos_profile");
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let name = unsafe { cmem::str_arg(name) }.unwrap_or_default();
    // SAFETY: non-NULL and valid per the caller's contract.
    let qos_profile = unsafe { &*qos_profile };
    // SAFETY: the type support is valid and its libraries stay loaded (rcl's contract).
    let spec = unsafe { ServiceSpec::new(type_support, &name, qos_profile)? };
    Ok((node, spec))
}

/// `(node, handle, object)` for destroy functions: node NULL/identifier, then the handle.
///
/// # Safety
/// Pointers NULL or valid handles.
pub(crate) unsafe fn destroy_args<'a, H: RmwHandle>(
    node: *const rmw_node_t,
    h: *const H,
) -> RmwResult<&'a H> {
    check_null!(node, "node");
    check_null!(h, "handle");
    // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    unsafe { handle::get(node)? };
    // SAFETY: `h` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (h, _) = unsafe { handle::get(h)? };
    Ok(h)
}

/// Creates a service server: subscribes to the requests of `service_name` and registers it in
/// the graph (`rmw_service_server_is_available` turns true for clients in every process).
///
/// # Safety
/// `node` is NULL or valid; `type_support` is NULL or a valid service type support whose
/// libraries stay loaded; `service_name` is NULL or NUL-terminated; `qos_profile` NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_create_service(
    node: *const rmw_node_t,
    type_support: *const rosidl_service_type_support_t,
    service_name: *const c_char,
    qos_profile: *const rmw_qos_profile_t,
) -> *mut rmw_service_t {
    guard_ptr("rmw_create_service", || {
        // SAFETY: every pointer argument is NULL or valid (rmw.h contract): `creation_args` checks NULLs and requires no more.
        let (node, spec) = unsafe { creation_args(node, type_support, service_name, qos_profile)? };
        let service = Box::new(ServiceImpl::new(node, spec)?);
        Ok(handle::into_handle(rmw_service_t {
            implementation_identifier: identifier(),
            service_name: service.spec.name.as_ptr(),
            data: handle::into_data(service),
        }))
    })
}

/// Destroys a service server (leaves the graph, then stops reading requests).
///
/// # Safety
/// `node` is NULL or valid; `service` is NULL or a service of ours, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn rmw_destroy_service(
    node: *mut rmw_node_t,
    service: *mut rmw_service_t,
) -> rmw_ret_t {
    guard_ret("rmw_destroy_service", || {
        // SAFETY: `node` and the handle are NULL or live (rmw.h contract): `destroy_args` checks both before use.
        let h = unsafe { destroy_args(node, service)? };
        // SAFETY: made by rmw_create_service (`into_data` / `into_handle`).
        unsafe {
            if !h.data.is_null() {
                drop(handle::take_data::<ServiceImpl>(h.data));
            }
            drop(handle::take_handle(service));
        }
        Ok(())
    })
}

/// Takes the oldest request: fills `request_header` (client gid as `writer_guid`, the client's
/// sequence number, timestamps) and deserializes into `ros_request`; `*taken = false` when none.
///
/// # Safety
/// Pointers NULL or valid; `ros_request` is a message of the service's request type.
#[no_mangle]
pub unsafe extern "C" fn rmw_take_request(
    service: *const rmw_service_t,
    request_header: *mut rmw_service_info_t,
    ros_request: *mut c_void,
    taken: *mut bool,
) -> rmw_ret_t {
    guard_ret("rmw_take_request", || {
        // SAFETY: `service` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(service)? };
        check_null!(request_header, "request_header");
        check_null!(ros_request, "ros_request");
        check_null!(taken, "taken");
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe {
            *taken = false;
            *taken = s.take_request(&mut *request_header, ros_request)?;
        }
        Ok(())
    })
}

/// Sends `ros_response` to the client that sent request `request_header` (only to it). Returns
/// `RMW_RET_OK` without sending when that client is gone.
///
/// # Safety
/// Pointers NULL or valid; `ros_response` is a message of the service's response type.
#[no_mangle]
pub unsafe extern "C" fn rmw_send_response(
    service: *const rmw_service_t,
    request_header: *mut rmw_request_id_t,
    ros_response: *mut c_void,
) -> rmw_ret_t {
    guard_ret("rmw_send_response", || {
        // SAFETY: `service` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(service)? };
        check_null!(request_header, "request_header");
        check_null!(ros_response, "ros_response");
        // SAFETY: non-NULL and valid (caller's contract).
        unsafe { s.send_response(&*request_header, ros_response) }
    })
}

/// # Safety
/// Pointers NULL or valid.
unsafe fn service_qos(
    service: *const rmw_service_t,
    qos: *mut rmw_qos_profile_t,
    f: impl FnOnce(&ServiceImpl) -> rmw_qos_profile_t,
) -> RmwResult<()> {
    // SAFETY: `service` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
    let (_, s) = unsafe { handle::get(service)? };
    check_null!(qos, "qos");
    // SAFETY: non-NULL and valid (caller's contract).
    unsafe { *qos = f(s) };
    Ok(())
}

/// The QoS the request reader runs with (the requested profile with system defaults resolved).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_request_subscription_get_actual_qos(
    service: *const rmw_service_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_service_request_subscription_get_actual_qos", || {
        // SAFETY: `service` and `qos` are NULL or valid (rmw.h contract): `service_qos` checks both.
        unsafe { service_qos(service, qos, ServiceImpl::request_qos) }
    })
}

/// The QoS the response writer runs with (the requested profile with system defaults resolved).
///
/// # Safety
/// Pointers NULL or valid.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_response_publisher_get_actual_qos(
    service: *const rmw_service_t,
    qos: *mut rmw_qos_profile_t,
) -> rmw_ret_t {
    guard_ret("rmw_service_response_publisher_get_actual_qos", || {
        // SAFETY: `service` and `qos` are NULL or valid (rmw.h contract): `service_qos` checks both.
        unsafe { service_qos(service, qos, ServiceImpl::response_qos) }
    })
}

/// Sets (or clears, with NULL) the callback told how many requests arrived. Requests queued
/// before are announced at once; later ones from this process's notifier thread.
///
/// # Safety
/// `service` is NULL or valid; `callback` and `user_data` stay valid while set.
#[no_mangle]
pub unsafe extern "C" fn rmw_service_set_on_new_request_callback(
    service: *mut rmw_service_t,
    callback: rmw_event_callback_t,
    user_data: *const c_void,
) -> rmw_ret_t {
    guard_ret("rmw_service_set_on_new_request_callback", || {
        // SAFETY: `service` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        let (_, s) = unsafe { handle::get(service)? };
        s.set_on_new_request_callback(callback, user_data)
    })
}

/// Servers of a service with their QoS (Lyrical): not supported yet.
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
    servers_info: *mut rmw_service_endpoint_info_array_t,
) -> rmw_ret_t {
    let _ = (allocator, service_name, no_mangle, servers_info);
    guard_ret("rmw_get_servers_info_by_service", || {
        // SAFETY: `node` is NULL or a live handle (this function's safety contract; for an entry point, rmw.h's); `handle::get` rejects NULL and foreign identifiers before it reads `data`.
        unsafe { handle::get(node)? };
        Err(RmwError::unsupported(
            "rmw_get_servers_info_by_service is not supported by rmw_hazcat_rs yet",
        ))
    })
}
