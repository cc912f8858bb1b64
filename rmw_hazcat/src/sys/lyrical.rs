//! Types specific to **Lyrical** / Rolling (rmw >= 7.9.1). Everything else is the Kilted type,
//! re-exported unchanged.
//!
//! Additions per `rmw_api.md` §3.4, §3.7 and §8 (rmw blob 5d8d626; not checked against installed
//! headers here): `RMW_ENDPOINT_CLIENT` / `RMW_ENDPOINT_SERVER`, and the service endpoint info
//! used by `rmw_get_{clients,servers}_info_by_service`. The proposed
//! `rmw_topic_endpoint_info_t::buffer_backend_metadata` (ros2/rmw#419, open) is **not** declared.

use core::ffi::c_char;

use super::common::{rmw_endpoint_type_t, rmw_qos_profile_t};

pub use super::kilted::*;

/// A service client.
pub const RMW_ENDPOINT_CLIENT: rmw_endpoint_type_t = 3;
/// A service server.
pub const RMW_ENDPOINT_SERVER: rmw_endpoint_type_t = 4;

/// `rmw_service_endpoint_info_t` (88 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_service_endpoint_info_t {
    /// Node name.
    pub node_name: *const c_char,
    /// Node namespace.
    pub node_namespace: *const c_char,
    /// `"pkg/srv/Type"`.
    pub service_type: *const c_char,
    /// Service type hash.
    pub service_type_hash: rosidl_type_hash_t,
    /// CLIENT or SERVER.
    pub endpoint_type: rmw_endpoint_type_t,
    /// 1 for native services, 2 for request/response topic pairs.
    pub endpoint_count: usize,
    /// `endpoint_count` GIDs.
    pub endpoint_gids: *mut [u8; RMW_GID_STORAGE_SIZE],
    /// `endpoint_count` QoS profiles.
    pub qos_profiles: *mut rmw_qos_profile_t,
}

/// `rmw_service_endpoint_info_array_t` (16 B; field names assumed to mirror
/// `rmw_topic_endpoint_info_array_t` — unverified).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_service_endpoint_info_array_t {
    /// Number of entries.
    pub size: usize,
    /// Entries.
    pub info_array: *mut rmw_service_endpoint_info_t,
}
