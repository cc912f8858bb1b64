//! Types whose layout or values are specific to **Humble** (rmw 6.1.x).
//!
//! Humble keeps a 24-byte GID, has no `rosidl_type_hash_t` in topic endpoint info, no discovery
//! options (but `localhost_only` in the init options), 7 event types with `RMW_EVENT_INVALID = 7`
//! and only the two sequence-number features. Sizes not printed in `rmw_api.md` (init options
//! 104, context 136, message info 72 and topic endpoint info 144 are) were computed by hand from
//! the humble headers with the LP64 C layout rules; see `layouts.rs`.

use core::ffi::c_char;

use super::common::{
    rmw_context_impl_t, rmw_endpoint_type_t, rmw_event_type_t, rmw_init_options_impl_t,
    rmw_qos_profile_t, rmw_security_options_t, rmw_time_point_value_t,
};
use super::rcutils::rcutils_allocator_t;

/// `RMW_GID_STORAGE_SIZE` on Humble.
pub const RMW_GID_STORAGE_SIZE: usize = 24;

/// `rmw_gid_t` (Humble: 32 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_gid_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// GID bytes.
    pub data: [u8; RMW_GID_STORAGE_SIZE],
}

/// `rmw_message_info_t` (Humble: 72 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_message_info_t {
    /// Time the publisher sent the message (ns).
    pub source_timestamp: rmw_time_point_value_t,
    /// Time the message was received (ns).
    pub received_timestamp: rmw_time_point_value_t,
    /// Per-publisher sequence number (`RMW_MESSAGE_INFO_SEQUENCE_NUMBER_UNSUPPORTED` if unknown).
    pub publication_sequence_number: u64,
    /// Per-subscription reception sequence number.
    pub reception_sequence_number: u64,
    /// GID of the publisher (must equal `rmw_get_gid_for_publisher`).
    pub publisher_gid: rmw_gid_t,
    /// Whether the message came through intra-process delivery.
    pub from_intra_process: bool,
}

/// `rmw_message_info_sequence_t` (32 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_message_info_sequence_t {
    /// Array of message infos.
    pub data: *mut rmw_message_info_t,
    /// Number of valid entries.
    pub size: usize,
    /// Allocated entries.
    pub capacity: usize,
    /// Allocator used for `data`.
    pub allocator: *mut rcutils_allocator_t,
}

/// `rmw_request_id_t` (24 B). On Humble `writer_guid` is `int8_t[16]` (not the GID size).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_request_id_t {
    /// GUID of the requesting client.
    pub writer_guid: [i8; 16],
    /// Sequence number of the request.
    pub sequence_number: i64,
}

/// `rmw_service_info_t` (40 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_service_info_t {
    /// Time the request/response was sent (ns).
    pub source_timestamp: rmw_time_point_value_t,
    /// Time it was received (ns).
    pub received_timestamp: rmw_time_point_value_t,
    /// Request identity.
    pub request_id: rmw_request_id_t,
}

/// `rmw_topic_endpoint_info_t` (Humble: 144 B, no type hash).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_topic_endpoint_info_t {
    /// Node name.
    pub node_name: *const c_char,
    /// Node namespace.
    pub node_namespace: *const c_char,
    /// `"pkg/msg/Type"`.
    pub topic_type: *const c_char,
    /// PUBLISHER or SUBSCRIPTION.
    pub endpoint_type: rmw_endpoint_type_t,
    /// Endpoint GID bytes.
    pub endpoint_gid: [u8; RMW_GID_STORAGE_SIZE],
    /// Endpoint QoS.
    pub qos_profile: rmw_qos_profile_t,
}

/// `rmw_topic_endpoint_info_array_t` (16 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_topic_endpoint_info_array_t {
    /// Number of entries.
    pub size: usize,
    /// Entries.
    pub info_array: *mut rmw_topic_endpoint_info_t,
}

/// `enum rmw_localhost_only_e` / `rmw_localhost_only_t` (Humble, Jazzy; removed in Kilted).
pub type rmw_localhost_only_t = u32;
/// Use `ROS_LOCALHOST_ONLY` (rcl's default).
pub const RMW_LOCALHOST_ONLY_DEFAULT: rmw_localhost_only_t = 0;
/// Communicate on localhost only.
pub const RMW_LOCALHOST_ONLY_ENABLED: rmw_localhost_only_t = 1;
/// No localhost restriction.
pub const RMW_LOCALHOST_ONLY_DISABLED: rmw_localhost_only_t = 2;

/// `rmw_init_options_t` (Humble: 104 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_init_options_t {
    /// Unique id of the rcl context these options belong to.
    pub instance_id: u64,
    /// Implementation identifier (NULL while zero-initialized).
    pub implementation_identifier: *const c_char,
    /// ROS domain id (`RMW_DEFAULT_DOMAIN_ID` = use 0).
    pub domain_id: usize,
    /// Security options.
    pub security_options: rmw_security_options_t,
    /// Localhost-only request (the RMW itself must honour it on Humble).
    pub localhost_only: rmw_localhost_only_t,
    /// Enclave name (owned, allocated with `allocator`).
    pub enclave: *mut c_char,
    /// Allocator for everything owned by these options.
    pub allocator: rcutils_allocator_t,
    /// Implementation data.
    pub impl_: *mut rmw_init_options_impl_t,
}

/// `rmw_context_t` (Humble: 136 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_context_t {
    /// Copied from `options.instance_id`.
    pub instance_id: u64,
    /// Implementation identifier.
    pub implementation_identifier: *const c_char,
    /// Copy of the init options.
    pub options: rmw_init_options_t,
    /// Domain actually used.
    pub actual_domain_id: usize,
    /// Implementation data (NULL until `rmw_init`, and after `rmw_context_fini`).
    pub impl_: *mut rmw_context_impl_t,
}

/// Liveliness of matched publishers changed (subscription).
pub const RMW_EVENT_LIVELINESS_CHANGED: rmw_event_type_t = 0;
/// A requested deadline was missed (subscription).
pub const RMW_EVENT_REQUESTED_DEADLINE_MISSED: rmw_event_type_t = 1;
/// An incompatible publisher was found (subscription).
pub const RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE: rmw_event_type_t = 2;
/// Messages were lost (subscription).
pub const RMW_EVENT_MESSAGE_LOST: rmw_event_type_t = 3;
/// The publisher lost its liveliness.
pub const RMW_EVENT_LIVELINESS_LOST: rmw_event_type_t = 4;
/// An offered deadline was missed (publisher).
pub const RMW_EVENT_OFFERED_DEADLINE_MISSED: rmw_event_type_t = 5;
/// An incompatible subscription was found (publisher).
pub const RMW_EVENT_OFFERED_QOS_INCOMPATIBLE: rmw_event_type_t = 6;
/// Sentinel (Humble: last, 7).
pub const RMW_EVENT_INVALID: rmw_event_type_t = 7;
