//! Types whose layout or values are specific to **Jazzy** (rmw 7.3.x), the primary target.
//!
//! Relative to Humble: 16-byte GID, `uint8_t` request GUIDs, `rosidl_type_hash_t` in topic
//! endpoint info, discovery options next to `localhost_only` in the init options, 11 event types
//! (`RMW_EVENT_INVALID = 11`), matched / incompatible-type statuses, `*_BEST_AVAILABLE` QoS
//! values and two more features. Kilted and Lyrical reuse most of these (see their modules).

use core::ffi::c_char;

use super::common::{
    qos_best_available, rmw_context_impl_t, rmw_endpoint_type_t, rmw_event_type_t, rmw_feature_t,
    rmw_init_options_impl_t, rmw_qos_durability_policy_t, rmw_qos_liveliness_policy_t,
    rmw_qos_profile_t, rmw_qos_reliability_policy_t, rmw_security_options_t,
    rmw_time_point_value_t, rmw_time_t,
};
use super::rcutils::rcutils_allocator_t;

pub use super::humble::{
    rmw_localhost_only_t, RMW_LOCALHOST_ONLY_DEFAULT, RMW_LOCALHOST_ONLY_DISABLED,
    RMW_LOCALHOST_ONLY_ENABLED,
};

/// `RMW_GID_STORAGE_SIZE` (Iron and later: 16).
pub const RMW_GID_STORAGE_SIZE: usize = 16;

/// `rmw_gid_t` (24 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_gid_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// GID bytes.
    pub data: [u8; RMW_GID_STORAGE_SIZE],
}

/// `ROSIDL_TYPE_HASH_SIZE` (= `RCUTILS_SHA256_BLOCK_SIZE`, 32).
pub const ROSIDL_TYPE_HASH_SIZE: usize = 32;
/// `ROSIDL_TYPE_HASH_VERSION_UNSET`: the hash is unknown.
pub const ROSIDL_TYPE_HASH_VERSION_UNSET: u8 = 0;

/// `rosidl_type_hash_t` (33 B, align 1; `rosidl_runtime_c/type_hash.h`, Iron and later).
/// Version 1 is RIHS01 (`RIHS01_<64 hex>` as a string).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct rosidl_type_hash_t {
    /// Hash version (0 = unset).
    pub version: u8,
    /// Hash bytes.
    pub value: [u8; ROSIDL_TYPE_HASH_SIZE],
}

/// `rmw_message_info_t` (64 B).
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

/// `rmw_request_id_t` (24 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_request_id_t {
    /// GUID of the requesting client (its GID bytes).
    pub writer_guid: [u8; RMW_GID_STORAGE_SIZE],
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

/// `rmw_topic_endpoint_info_t` (168 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_topic_endpoint_info_t {
    /// Node name.
    pub node_name: *const c_char,
    /// Node namespace.
    pub node_namespace: *const c_char,
    /// `"pkg/msg/Type"`.
    pub topic_type: *const c_char,
    /// Type hash (version 0 if unknown).
    pub topic_type_hash: rosidl_type_hash_t,
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

/// `enum rmw_automatic_discovery_range_e` / `rmw_automatic_discovery_range_t`.
pub type rmw_automatic_discovery_range_t = u32;
/// Not set (rcl fills it in).
pub const RMW_AUTOMATIC_DISCOVERY_RANGE_NOT_SET: rmw_automatic_discovery_range_t = 0;
/// No automatic discovery (static peers only).
pub const RMW_AUTOMATIC_DISCOVERY_RANGE_OFF: rmw_automatic_discovery_range_t = 1;
/// Same host only.
pub const RMW_AUTOMATIC_DISCOVERY_RANGE_LOCALHOST: rmw_automatic_discovery_range_t = 2;
/// Same subnet.
pub const RMW_AUTOMATIC_DISCOVERY_RANGE_SUBNET: rmw_automatic_discovery_range_t = 3;
/// Middleware default.
pub const RMW_AUTOMATIC_DISCOVERY_RANGE_SYSTEM_DEFAULT: rmw_automatic_discovery_range_t = 4;

/// `RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH`.
pub const RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH: usize = 256;

/// `rmw_peer_address_t` (256 B): one static peer.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct rmw_peer_address_t {
    /// NUL-terminated host name or address.
    pub peer_address: [c_char; RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH],
}

/// `rmw_discovery_options_t` (64 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_discovery_options_t {
    /// Automatic discovery range.
    pub automatic_discovery_range: rmw_automatic_discovery_range_t,
    /// Static peers.
    pub static_peers: *mut rmw_peer_address_t,
    /// Number of static peers.
    pub static_peers_count: usize,
    /// Allocator for `static_peers`.
    pub allocator: rcutils_allocator_t,
}

/// `rmw_init_options_t` (Jazzy: 168 B).
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
    /// Deprecated; rcl already folds it into `discovery_options`.
    pub localhost_only: rmw_localhost_only_t,
    /// Discovery options.
    pub discovery_options: rmw_discovery_options_t,
    /// Enclave name (owned, allocated with `allocator`).
    pub enclave: *mut c_char,
    /// Allocator for everything owned by these options.
    pub allocator: rcutils_allocator_t,
    /// Implementation data.
    pub impl_: *mut rmw_init_options_impl_t,
}

/// `rmw_context_t` (Jazzy: 200 B).
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

/// `rmw_matched_status_t` (32 B, Iron and later).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_matched_status_t {
    /// Cumulative matches.
    pub total_count: usize,
    /// Change of `total_count` since last read.
    pub total_count_change: usize,
    /// Currently matched endpoints.
    pub current_count: usize,
    /// Change of `current_count` since last read (may be negative).
    pub current_count_change: i32,
}

/// `rmw_incompatible_type_status_t` (8 B, Iron and later).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_incompatible_type_status_t {
    /// Cumulative incompatible-type matches.
    pub total_count: i32,
    /// Change since last read.
    pub total_count_change: i32,
}

/// Liveliness of matched publishers changed (subscription).
pub const RMW_EVENT_LIVELINESS_CHANGED: rmw_event_type_t = 0;
/// A requested deadline was missed (subscription).
pub const RMW_EVENT_REQUESTED_DEADLINE_MISSED: rmw_event_type_t = 1;
/// An incompatible publisher was found (subscription).
pub const RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE: rmw_event_type_t = 2;
/// Messages were lost (subscription).
pub const RMW_EVENT_MESSAGE_LOST: rmw_event_type_t = 3;
/// A publisher with an incompatible type was found (subscription).
pub const RMW_EVENT_SUBSCRIPTION_INCOMPATIBLE_TYPE: rmw_event_type_t = 4;
/// Matched publishers changed (subscription).
pub const RMW_EVENT_SUBSCRIPTION_MATCHED: rmw_event_type_t = 5;
/// The publisher lost its liveliness.
pub const RMW_EVENT_LIVELINESS_LOST: rmw_event_type_t = 6;
/// An offered deadline was missed (publisher).
pub const RMW_EVENT_OFFERED_DEADLINE_MISSED: rmw_event_type_t = 7;
/// An incompatible subscription was found (publisher).
pub const RMW_EVENT_OFFERED_QOS_INCOMPATIBLE: rmw_event_type_t = 8;
/// A subscription with an incompatible type was found (publisher).
pub const RMW_EVENT_PUBLISHER_INCOMPATIBLE_TYPE: rmw_event_type_t = 9;
/// Matched subscriptions changed (publisher).
pub const RMW_EVENT_PUBLICATION_MATCHED: rmw_event_type_t = 10;
/// Sentinel (Jazzy: last, 11).
pub const RMW_EVENT_INVALID: rmw_event_type_t = 11;

/// Deferred-description dynamic type supports are allowed (type discovery).
pub const RMW_MIDDLEWARE_SUPPORTS_TYPE_DISCOVERY: rmw_feature_t = 2;
/// `rmw_take_dynamic_message(_with_info)` is implemented.
pub const RMW_MIDDLEWARE_CAN_TAKE_DYNAMIC_MESSAGE: rmw_feature_t = 3;

/// Reliable if every discovered endpoint allows it, else best effort.
pub const RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE: rmw_qos_reliability_policy_t = 4;
/// Transient local if every discovered endpoint allows it, else volatile.
pub const RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE: rmw_qos_durability_policy_t = 4;
/// Manual by topic if every discovered endpoint allows it, else automatic.
pub const RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE: rmw_qos_liveliness_policy_t = 5;
/// `RMW_QOS_DEADLINE_BEST_AVAILABLE` (`RMW_DURATION_INFINITE - 1ns`).
pub const RMW_QOS_DEADLINE_BEST_AVAILABLE: rmw_time_t = rmw_time_t {
    sec: 9_223_372_036,
    nsec: 854_775_806,
};
/// `RMW_QOS_LIVELINESS_LEASE_DURATION_BEST_AVAILABLE` (`RMW_DURATION_INFINITE - 1ns`).
pub const RMW_QOS_LIVELINESS_LEASE_DURATION_BEST_AVAILABLE: rmw_time_t = rmw_time_t {
    sec: 9_223_372_036,
    nsec: 854_775_806,
};

/// `rmw_qos_profile_best_available`: KEEP_LAST 10 and BEST_AVAILABLE everywhere it exists.
pub const rmw_qos_profile_best_available: rmw_qos_profile_t = qos_best_available(
    RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE,
    RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE,
    RMW_QOS_DEADLINE_BEST_AVAILABLE,
    RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE,
    RMW_QOS_LIVELINESS_LEASE_DURATION_BEST_AVAILABLE,
);
