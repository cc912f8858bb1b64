//! Types specific to **Kilted** (rmw 7.8.x). Everything not declared here is the Jazzy type,
//! re-exported unchanged.
//!
//! Differences from Jazzy per `rmw_api.md` §3.3, §3.6 and §8 (from docs.ros.org and the rmw
//! changelog, not from installed headers — the build-time bindgen check confirms them where
//! Kilted headers are installed):
//! - `rmw_localhost_only_t` and `rmw_init_options_t::localhost_only` are gone (init options
//!   160 B, context 192 B);
//! - `rmw_event_type_t` starts with `RMW_EVENT_INVALID = 0`, every other value shifts by one,
//!   and `RMW_EVENT_TYPE_MAX = 12` is appended.

use core::ffi::c_char;

use super::common::{
    rmw_context_impl_t, rmw_event_type_t, rmw_init_options_impl_t, rmw_security_options_t,
};
use super::rcutils::rcutils_allocator_t;

pub use super::jazzy::{
    rmw_automatic_discovery_range_t, rmw_discovery_options_t, rmw_gid_t,
    rmw_incompatible_type_status_t, rmw_matched_status_t, rmw_message_info_sequence_t,
    rmw_message_info_t, rmw_peer_address_t, rmw_qos_profile_best_available, rmw_request_id_t,
    rmw_service_info_t, rmw_topic_endpoint_info_array_t, rmw_topic_endpoint_info_t,
    rosidl_type_hash_t, RMW_AUTOMATIC_DISCOVERY_RANGE_LOCALHOST,
    RMW_AUTOMATIC_DISCOVERY_RANGE_NOT_SET, RMW_AUTOMATIC_DISCOVERY_RANGE_OFF,
    RMW_AUTOMATIC_DISCOVERY_RANGE_SUBNET, RMW_AUTOMATIC_DISCOVERY_RANGE_SYSTEM_DEFAULT,
    RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH, RMW_GID_STORAGE_SIZE,
    RMW_MIDDLEWARE_CAN_TAKE_DYNAMIC_MESSAGE, RMW_MIDDLEWARE_SUPPORTS_TYPE_DISCOVERY,
    RMW_QOS_DEADLINE_BEST_AVAILABLE, RMW_QOS_LIVELINESS_LEASE_DURATION_BEST_AVAILABLE,
    RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE, RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE,
    RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE, ROSIDL_TYPE_HASH_SIZE,
    ROSIDL_TYPE_HASH_VERSION_UNSET,
};

/// `rmw_init_options_t` (Kilted: 160 B, no `localhost_only`).
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
    /// Discovery options.
    pub discovery_options: rmw_discovery_options_t,
    /// Enclave name (owned, allocated with `allocator`).
    pub enclave: *mut c_char,
    /// Allocator for everything owned by these options.
    pub allocator: rcutils_allocator_t,
    /// Implementation data.
    pub impl_: *mut rmw_init_options_impl_t,
}

/// `rmw_context_t` (Kilted: 192 B).
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

/// Sentinel (Kilted: first, 0, so that a zero-initialized event is invalid).
pub const RMW_EVENT_INVALID: rmw_event_type_t = 0;
/// Liveliness of matched publishers changed (subscription).
pub const RMW_EVENT_LIVELINESS_CHANGED: rmw_event_type_t = 1;
/// A requested deadline was missed (subscription).
pub const RMW_EVENT_REQUESTED_DEADLINE_MISSED: rmw_event_type_t = 2;
/// An incompatible publisher was found (subscription).
pub const RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE: rmw_event_type_t = 3;
/// Messages were lost (subscription).
pub const RMW_EVENT_MESSAGE_LOST: rmw_event_type_t = 4;
/// A publisher with an incompatible type was found (subscription).
pub const RMW_EVENT_SUBSCRIPTION_INCOMPATIBLE_TYPE: rmw_event_type_t = 5;
/// Matched publishers changed (subscription).
pub const RMW_EVENT_SUBSCRIPTION_MATCHED: rmw_event_type_t = 6;
/// The publisher lost its liveliness.
pub const RMW_EVENT_LIVELINESS_LOST: rmw_event_type_t = 7;
/// An offered deadline was missed (publisher).
pub const RMW_EVENT_OFFERED_DEADLINE_MISSED: rmw_event_type_t = 8;
/// An incompatible subscription was found (publisher).
pub const RMW_EVENT_OFFERED_QOS_INCOMPATIBLE: rmw_event_type_t = 9;
/// A subscription with an incompatible type was found (publisher).
pub const RMW_EVENT_PUBLISHER_INCOMPATIBLE_TYPE: rmw_event_type_t = 10;
/// Matched subscriptions changed (publisher).
pub const RMW_EVENT_PUBLICATION_MATCHED: rmw_event_type_t = 11;
/// Number of event types including INVALID (rmw 7.7.0).
pub const RMW_EVENT_TYPE_MAX: rmw_event_type_t = 12;
