//! rmw types whose layout and values are the same in every supported distro (Humble, Jazzy,
//! Kilted, Lyrical). Types that differ live in the per-distro modules.
//!
//! C enums are declared as `u32` aliases plus constants (as bindgen does), never as Rust enums:
//! a value outside the known set arriving from C must not be undefined behaviour.

use core::ffi::{c_char, c_void};

use super::rcutils::{
    rcutils_allocator_t, rcutils_duration_value_t, rcutils_string_array_t,
    rcutils_time_point_value_t, rcutils_uint8_array_t, RCUTILS_LOG_SEVERITY_DEBUG,
    RCUTILS_LOG_SEVERITY_ERROR, RCUTILS_LOG_SEVERITY_FATAL, RCUTILS_LOG_SEVERITY_INFO,
    RCUTILS_LOG_SEVERITY_WARN,
};

// ---------------------------------------------------------------------------------------------
// rmw/ret_types.h
// ---------------------------------------------------------------------------------------------

/// `rmw_ret_t`: return code of rmw functions (`int32_t`).
pub type rmw_ret_t = i32;
/// Success.
pub const RMW_RET_OK: rmw_ret_t = 0;
/// Unspecified error.
pub const RMW_RET_ERROR: rmw_ret_t = 1;
/// A wait or take timed out.
pub const RMW_RET_TIMEOUT: rmw_ret_t = 2;
/// The operation or argument value is not supported by this implementation.
pub const RMW_RET_UNSUPPORTED: rmw_ret_t = 3;
/// Allocation failed.
pub const RMW_RET_BAD_ALLOC: rmw_ret_t = 10;
/// An argument is invalid.
pub const RMW_RET_INVALID_ARGUMENT: rmw_ret_t = 11;
/// A handle belongs to a different rmw implementation.
pub const RMW_RET_INCORRECT_RMW_IMPLEMENTATION: rmw_ret_t = 12;
/// `*_by_node` graph query for a node that does not exist.
pub const RMW_RET_NODE_NAME_NON_EXISTENT: rmw_ret_t = 203;

// ---------------------------------------------------------------------------------------------
// rmw/time.h, rmw/types.h (time)
// ---------------------------------------------------------------------------------------------

/// `rmw_time_t` (16 B): seconds + nanoseconds, both unsigned.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct rmw_time_t {
    /// Seconds.
    pub sec: u64,
    /// Nanoseconds.
    pub nsec: u64,
}

/// `rmw_time_point_value_t` = `rcutils_time_point_value_t` (nanoseconds, `int64_t`).
pub type rmw_time_point_value_t = rcutils_time_point_value_t;
/// `rmw_duration_t` = `rcutils_duration_value_t` (nanoseconds, `int64_t`).
pub type rmw_duration_t = rcutils_duration_value_t;

/// `RMW_DURATION_INFINITE` (`{9223372036, 854775807}`, i.e. `INT64_MAX` ns).
pub const RMW_DURATION_INFINITE: rmw_time_t = rmw_time_t {
    sec: 9_223_372_036,
    nsec: 854_775_807,
};
/// `RMW_DURATION_UNSPECIFIED` (`{0, 0}`: use the implementation's default).
pub const RMW_DURATION_UNSPECIFIED: rmw_time_t = rmw_time_t { sec: 0, nsec: 0 };

// ---------------------------------------------------------------------------------------------
// QoS (rmw/types.h, rmw/qos_policy_kind.h, rmw/qos_profiles.h)
// ---------------------------------------------------------------------------------------------

/// `enum rmw_qos_history_policy_e` / `rmw_qos_history_policy_t`.
pub type rmw_qos_history_policy_t = u32;
/// Implementation default.
pub const RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT: rmw_qos_history_policy_t = 0;
/// Keep the last `depth` samples.
pub const RMW_QOS_POLICY_HISTORY_KEEP_LAST: rmw_qos_history_policy_t = 1;
/// Keep all samples (up to resource limits).
pub const RMW_QOS_POLICY_HISTORY_KEEP_ALL: rmw_qos_history_policy_t = 2;
/// Not yet set.
pub const RMW_QOS_POLICY_HISTORY_UNKNOWN: rmw_qos_history_policy_t = 3;

/// `enum rmw_qos_reliability_policy_e` / `rmw_qos_reliability_policy_t`.
pub type rmw_qos_reliability_policy_t = u32;
/// Implementation default.
pub const RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT: rmw_qos_reliability_policy_t = 0;
/// Guaranteed delivery.
pub const RMW_QOS_POLICY_RELIABILITY_RELIABLE: rmw_qos_reliability_policy_t = 1;
/// Samples may be lost.
pub const RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT: rmw_qos_reliability_policy_t = 2;
/// Not yet set.
pub const RMW_QOS_POLICY_RELIABILITY_UNKNOWN: rmw_qos_reliability_policy_t = 3;

/// `enum rmw_qos_durability_policy_e` / `rmw_qos_durability_policy_t`.
pub type rmw_qos_durability_policy_t = u32;
/// Implementation default.
pub const RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT: rmw_qos_durability_policy_t = 0;
/// The publisher keeps samples for late-joining subscriptions.
pub const RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL: rmw_qos_durability_policy_t = 1;
/// Samples are not kept.
pub const RMW_QOS_POLICY_DURABILITY_VOLATILE: rmw_qos_durability_policy_t = 2;
/// Not yet set.
pub const RMW_QOS_POLICY_DURABILITY_UNKNOWN: rmw_qos_durability_policy_t = 3;

/// `enum rmw_qos_liveliness_policy_e` / `rmw_qos_liveliness_policy_t`.
pub type rmw_qos_liveliness_policy_t = u32;
/// Implementation default.
pub const RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT: rmw_qos_liveliness_policy_t = 0;
/// Liveliness is asserted by the rmw layer.
pub const RMW_QOS_POLICY_LIVELINESS_AUTOMATIC: rmw_qos_liveliness_policy_t = 1;
/// Deprecated upstream: liveliness asserted per node.
pub const RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_NODE: rmw_qos_liveliness_policy_t = 2;
/// Liveliness asserted per topic (publish or explicit assert).
pub const RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC: rmw_qos_liveliness_policy_t = 3;
/// Not yet set.
pub const RMW_QOS_POLICY_LIVELINESS_UNKNOWN: rmw_qos_liveliness_policy_t = 4;

/// `RMW_QOS_POLICY_DEPTH_SYSTEM_DEFAULT` (anonymous enum in `types.h`).
pub const RMW_QOS_POLICY_DEPTH_SYSTEM_DEFAULT: usize = 0;
/// `RMW_QOS_DEADLINE_DEFAULT` (= `RMW_DURATION_UNSPECIFIED`).
pub const RMW_QOS_DEADLINE_DEFAULT: rmw_time_t = RMW_DURATION_UNSPECIFIED;
/// `RMW_QOS_LIFESPAN_DEFAULT` (= `RMW_DURATION_UNSPECIFIED`).
pub const RMW_QOS_LIFESPAN_DEFAULT: rmw_time_t = RMW_DURATION_UNSPECIFIED;
/// `RMW_QOS_LIVELINESS_LEASE_DURATION_DEFAULT` (= `RMW_DURATION_UNSPECIFIED`).
pub const RMW_QOS_LIVELINESS_LEASE_DURATION_DEFAULT: rmw_time_t = RMW_DURATION_UNSPECIFIED;

/// `rmw_qos_profile_t` (88 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct rmw_qos_profile_t {
    /// History policy.
    pub history: rmw_qos_history_policy_t,
    /// Queue depth (for KEEP_LAST).
    pub depth: usize,
    /// Reliability policy.
    pub reliability: rmw_qos_reliability_policy_t,
    /// Durability policy.
    pub durability: rmw_qos_durability_policy_t,
    /// Expected maximum period between messages.
    pub deadline: rmw_time_t,
    /// Age after which a message is expired.
    pub lifespan: rmw_time_t,
    /// Liveliness policy.
    pub liveliness: rmw_qos_liveliness_policy_t,
    /// Period within which an entity must show it is alive.
    pub liveliness_lease_duration: rmw_time_t,
    /// Bypass ROS naming conventions (any name, even relative, is accepted).
    pub avoid_ros_namespace_conventions: bool,
}

const fn qos(
    history: rmw_qos_history_policy_t,
    depth: usize,
    reliability: rmw_qos_reliability_policy_t,
    durability: rmw_qos_durability_policy_t,
    liveliness: rmw_qos_liveliness_policy_t,
) -> rmw_qos_profile_t {
    rmw_qos_profile_t {
        history,
        depth,
        reliability,
        durability,
        deadline: RMW_QOS_DEADLINE_DEFAULT,
        lifespan: RMW_QOS_LIFESPAN_DEFAULT,
        liveliness,
        liveliness_lease_duration: RMW_QOS_LIVELINESS_LEASE_DURATION_DEFAULT,
        avoid_ros_namespace_conventions: false,
    }
}

/// Builds `rmw_qos_profile_best_available` for the distros that have the BEST_AVAILABLE values.
pub(super) const fn qos_best_available(
    reliability: rmw_qos_reliability_policy_t,
    durability: rmw_qos_durability_policy_t,
    deadline: rmw_time_t,
    liveliness: rmw_qos_liveliness_policy_t,
    liveliness_lease_duration: rmw_time_t,
) -> rmw_qos_profile_t {
    rmw_qos_profile_t {
        history: RMW_QOS_POLICY_HISTORY_KEEP_LAST,
        depth: 10,
        reliability,
        durability,
        deadline,
        lifespan: RMW_QOS_LIFESPAN_DEFAULT,
        liveliness,
        liveliness_lease_duration,
        avoid_ros_namespace_conventions: false,
    }
}

/// `rmw_qos_profile_sensor_data`: KEEP_LAST 5, BEST_EFFORT, VOLATILE.
pub const rmw_qos_profile_sensor_data: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    5,
    RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
    RMW_QOS_POLICY_DURABILITY_VOLATILE,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_parameters`: KEEP_LAST 1000, RELIABLE, VOLATILE.
pub const rmw_qos_profile_parameters: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    1000,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE,
    RMW_QOS_POLICY_DURABILITY_VOLATILE,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_default`: KEEP_LAST 10, RELIABLE, VOLATILE.
pub const rmw_qos_profile_default: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    10,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE,
    RMW_QOS_POLICY_DURABILITY_VOLATILE,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_services_default`: KEEP_LAST 10, RELIABLE, VOLATILE.
pub const rmw_qos_profile_services_default: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    10,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE,
    RMW_QOS_POLICY_DURABILITY_VOLATILE,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_parameter_events`: KEEP_LAST 1000, RELIABLE, VOLATILE.
pub const rmw_qos_profile_parameter_events: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_KEEP_LAST,
    1000,
    RMW_QOS_POLICY_RELIABILITY_RELIABLE,
    RMW_QOS_POLICY_DURABILITY_VOLATILE,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_system_default`: everything SYSTEM_DEFAULT, depth 0.
pub const rmw_qos_profile_system_default: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT,
    RMW_QOS_POLICY_DEPTH_SYSTEM_DEFAULT,
    RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT,
    RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT,
    RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT,
);
/// `rmw_qos_profile_unknown`: everything UNKNOWN (must be rejected by create functions).
pub const rmw_qos_profile_unknown: rmw_qos_profile_t = qos(
    RMW_QOS_POLICY_HISTORY_UNKNOWN,
    RMW_QOS_POLICY_DEPTH_SYSTEM_DEFAULT,
    RMW_QOS_POLICY_RELIABILITY_UNKNOWN,
    RMW_QOS_POLICY_DURABILITY_UNKNOWN,
    RMW_QOS_POLICY_LIVELINESS_UNKNOWN,
);

/// `enum rmw_qos_policy_kind_e` / `rmw_qos_policy_kind_t` (bit flags).
pub type rmw_qos_policy_kind_t = u32;
/// Invalid policy.
pub const RMW_QOS_POLICY_INVALID: rmw_qos_policy_kind_t = 1 << 0;
/// Durability.
pub const RMW_QOS_POLICY_DURABILITY: rmw_qos_policy_kind_t = 1 << 1;
/// Deadline.
pub const RMW_QOS_POLICY_DEADLINE: rmw_qos_policy_kind_t = 1 << 2;
/// Liveliness.
pub const RMW_QOS_POLICY_LIVELINESS: rmw_qos_policy_kind_t = 1 << 3;
/// Reliability.
pub const RMW_QOS_POLICY_RELIABILITY: rmw_qos_policy_kind_t = 1 << 4;
/// History.
pub const RMW_QOS_POLICY_HISTORY: rmw_qos_policy_kind_t = 1 << 5;
/// Lifespan.
pub const RMW_QOS_POLICY_LIFESPAN: rmw_qos_policy_kind_t = 1 << 6;
/// Depth.
pub const RMW_QOS_POLICY_DEPTH: rmw_qos_policy_kind_t = 1 << 7;
/// Liveliness lease duration.
pub const RMW_QOS_POLICY_LIVELINESS_LEASE_DURATION: rmw_qos_policy_kind_t = 1 << 8;
/// Avoid ROS namespace conventions.
pub const RMW_QOS_POLICY_AVOID_ROS_NAMESPACE_CONVENTIONS: rmw_qos_policy_kind_t = 1 << 9;

/// `enum rmw_qos_compatibility_type_e` / `rmw_qos_compatibility_type_t`.
pub type rmw_qos_compatibility_type_t = u32;
/// Profiles are compatible.
pub const RMW_QOS_COMPATIBILITY_OK: rmw_qos_compatibility_type_t = 0;
/// Profiles may be incompatible (a policy is SYSTEM_DEFAULT or UNKNOWN).
pub const RMW_QOS_COMPATIBILITY_WARNING: rmw_qos_compatibility_type_t = 1;
/// Profiles are incompatible.
pub const RMW_QOS_COMPATIBILITY_ERROR: rmw_qos_compatibility_type_t = 2;

// ---------------------------------------------------------------------------------------------
// Security (rmw/security_options.h), opaque impl types (rmw/init.h, rmw/init_options.h)
// ---------------------------------------------------------------------------------------------

/// `enum rmw_security_enforcement_policy_e` / `rmw_security_enforcement_policy_t`.
pub type rmw_security_enforcement_policy_t = u32;
/// Security is optional.
pub const RMW_SECURITY_ENFORCEMENT_PERMISSIVE: rmw_security_enforcement_policy_t = 0;
/// Security is required.
pub const RMW_SECURITY_ENFORCEMENT_ENFORCE: rmw_security_enforcement_policy_t = 1;

/// `rmw_security_options_t` (16 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_security_options_t {
    /// Whether security is enforced.
    pub enforce_security: rmw_security_enforcement_policy_t,
    /// Root of the security artifacts (owned by the init options' allocator).
    pub security_root_path: *mut c_char,
}

/// `rmw_init_options_impl_t`: implementation-defined, opaque to rcl.
#[repr(C)]
pub struct rmw_init_options_impl_t {
    _opaque: [u8; 0],
}

/// `rmw_context_impl_t`: implementation-defined, opaque to rcl.
#[repr(C)]
pub struct rmw_context_impl_t {
    _opaque: [u8; 0],
}

// ---------------------------------------------------------------------------------------------
// Handles (rmw/types.h)
// ---------------------------------------------------------------------------------------------

/// `rmw_node_t` (40 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_node_t {
    /// Identifier of the implementation that created the node (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data.
    pub data: *mut c_void,
    /// Node name (read by rcl).
    pub name: *const c_char,
    /// Node namespace (read by rcl).
    pub namespace_: *const c_char,
    /// The context the node belongs to (the distro's `rmw_context_t`).
    pub context: *mut super::rmw_context_t,
}

/// `enum rmw_endpoint_type_e` / `rmw_endpoint_type_t` (Lyrical adds CLIENT and SERVER).
pub type rmw_endpoint_type_t = u32;
/// Not yet set.
pub const RMW_ENDPOINT_INVALID: rmw_endpoint_type_t = 0;
/// A publisher.
pub const RMW_ENDPOINT_PUBLISHER: rmw_endpoint_type_t = 1;
/// A subscription.
pub const RMW_ENDPOINT_SUBSCRIPTION: rmw_endpoint_type_t = 2;

/// `enum rmw_unique_network_flow_endpoints_requirement_e`.
pub type rmw_unique_network_flow_endpoints_requirement_t = u32;
/// Not required.
pub const RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_NOT_REQUIRED:
    rmw_unique_network_flow_endpoints_requirement_t = 0;
/// Strictly required (error if not provided).
pub const RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_STRICTLY_REQUIRED:
    rmw_unique_network_flow_endpoints_requirement_t = 1;
/// Optionally required (no error if not provided).
pub const RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_OPTIONALLY_REQUIRED:
    rmw_unique_network_flow_endpoints_requirement_t = 2;
/// Decided by the system.
pub const RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_SYSTEM_DEFAULT:
    rmw_unique_network_flow_endpoints_requirement_t = 3;

/// `rmw_publisher_options_t` (16 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_publisher_options_t {
    /// Implementation-specific payload (hazcat reads its own options struct here).
    pub rmw_specific_publisher_payload: *mut c_void,
    /// Unique network flow endpoint requirement.
    pub require_unique_network_flow_endpoints: rmw_unique_network_flow_endpoints_requirement_t,
}

/// `rmw_publisher_t` (48 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_publisher_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data.
    pub data: *mut c_void,
    /// Fully-qualified topic name (read by rcl).
    pub topic_name: *const c_char,
    /// Copy of the options given at creation.
    pub options: rmw_publisher_options_t,
    /// Whether loans are available on this publisher.
    pub can_loan_messages: bool,
}

/// `rmw_subscription_content_filter_options_t` (64 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_subscription_content_filter_options_t {
    /// SQL-like filter expression.
    pub filter_expression: *mut c_char,
    /// Parameters substituted into `%n` placeholders.
    pub expression_parameters: rcutils_string_array_t,
}

/// `rmw_subscription_options_t` (24 B).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_subscription_options_t {
    /// Implementation-specific payload (hazcat reads its own options struct here).
    pub rmw_specific_subscription_payload: *mut c_void,
    /// Do not deliver messages from publishers of the same context.
    pub ignore_local_publications: bool,
    /// Unique network flow endpoint requirement.
    pub require_unique_network_flow_endpoints: rmw_unique_network_flow_endpoints_requirement_t,
    /// Content filter requested at creation (freed by the caller right after creation: copy it).
    pub content_filter_options: *mut rmw_subscription_content_filter_options_t,
}

/// `rmw_subscription_t` (56 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_subscription_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data (this pointer is what `rmw_wait` receives).
    pub data: *mut c_void,
    /// Fully-qualified topic name (read by rcl).
    pub topic_name: *const c_char,
    /// Copy of the options given at creation.
    pub options: rmw_subscription_options_t,
    /// Whether loans are available on this subscription.
    pub can_loan_messages: bool,
    /// Whether a content filter is active.
    pub is_cft_enabled: bool,
}

/// `rmw_service_t` (24 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_service_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data (this pointer is what `rmw_wait` receives).
    pub data: *mut c_void,
    /// Fully-qualified service name (read by rcl).
    pub service_name: *const c_char,
}

/// `rmw_client_t` (24 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_client_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data (this pointer is what `rmw_wait` receives).
    pub data: *mut c_void,
    /// Fully-qualified service name (read by rcl).
    pub service_name: *const c_char,
}

/// `rmw_guard_condition_t` (24 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_guard_condition_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data (this pointer is what `rmw_wait` receives).
    pub data: *mut c_void,
    /// The context the guard condition belongs to.
    pub context: *mut super::rmw_context_t,
}

/// `rmw_publisher_allocation_t` (16 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_publisher_allocation_t {
    /// Implementation identifier.
    pub implementation_identifier: *const c_char,
    /// Implementation data.
    pub data: *mut c_void,
}

/// `rmw_subscription_allocation_t` (16 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_subscription_allocation_t {
    /// Implementation identifier.
    pub implementation_identifier: *const c_char,
    /// Implementation data.
    pub data: *mut c_void,
}

/// `rmw_subscriptions_t` (16 B): `rmw_subscription_t::data` pointers handed to `rmw_wait`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_subscriptions_t {
    /// Number of entries.
    pub subscriber_count: usize,
    /// Entries; `rmw_wait` sets not-ready ones to NULL.
    pub subscribers: *mut *mut c_void,
}

/// `rmw_services_t` (16 B): `rmw_service_t::data` pointers handed to `rmw_wait`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_services_t {
    /// Number of entries.
    pub service_count: usize,
    /// Entries; `rmw_wait` sets not-ready ones to NULL.
    pub services: *mut *mut c_void,
}

/// `rmw_clients_t` (16 B): `rmw_client_t::data` pointers handed to `rmw_wait`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_clients_t {
    /// Number of entries.
    pub client_count: usize,
    /// Entries; `rmw_wait` sets not-ready ones to NULL.
    pub clients: *mut *mut c_void,
}

/// `rmw_events_t` (16 B): **`rmw_event_t *`** pointers (not `data`) handed to `rmw_wait`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_events_t {
    /// Number of entries.
    pub event_count: usize,
    /// Entries; `rmw_wait` sets not-ready ones to NULL.
    pub events: *mut *mut c_void,
}

/// `rmw_guard_conditions_t` (16 B): `rmw_guard_condition_t::data` pointers handed to `rmw_wait`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_guard_conditions_t {
    /// Number of entries.
    pub guard_condition_count: usize,
    /// Entries; `rmw_wait` sets not-ready ones to NULL.
    pub guard_conditions: *mut *mut c_void,
}

/// `rmw_wait_set_t` (24 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_wait_set_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Guard conditions (unused by rcl).
    pub guard_conditions: *mut rmw_guard_conditions_t,
    /// Implementation data.
    pub data: *mut c_void,
}

// ---------------------------------------------------------------------------------------------
// Messages, graph, events (rmw/serialized_message.h, names_and_types.h, message_sequence.h,
// network_flow_endpoint(_array).h, event.h, events_statuses/*.h, features.h,
// event_callback_type.h)
// ---------------------------------------------------------------------------------------------

/// `rmw_serialized_message_t` = `rcutils_uint8_array_t` (64 B).
pub type rmw_serialized_message_t = rcutils_uint8_array_t;

/// `rmw_names_and_types_t` (64 B): names plus, per name, an array of type names.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_names_and_types_t {
    /// Names (topics or services).
    pub names: rcutils_string_array_t,
    /// `names.size` string arrays of types.
    pub types: *mut rcutils_string_array_t,
}

/// `rmw_message_sequence_t` (32 B): type-erased message pointers for `rmw_take_sequence`.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_message_sequence_t {
    /// Array of message pointers.
    pub data: *mut *mut c_void,
    /// Number of valid messages.
    pub size: usize,
    /// Allocated entries.
    pub capacity: usize,
    /// Allocator used for `data`.
    pub allocator: *mut rcutils_allocator_t,
}

/// `enum rmw_transport_protocol_e` / `rmw_transport_protocol_t`.
pub type rmw_transport_protocol_t = u32;
/// Unknown.
pub const RMW_TRANSPORT_PROTOCOL_UNKNOWN: rmw_transport_protocol_t = 0;
/// UDP.
pub const RMW_TRANSPORT_PROTOCOL_UDP: rmw_transport_protocol_t = 1;
/// TCP.
pub const RMW_TRANSPORT_PROTOCOL_TCP: rmw_transport_protocol_t = 2;
/// Number of values.
pub const RMW_TRANSPORT_PROTOCOL_COUNT: rmw_transport_protocol_t = 3;

/// `enum rmw_internet_protocol_e` / `rmw_internet_protocol_t`.
pub type rmw_internet_protocol_t = u32;
/// Unknown.
pub const RMW_INTERNET_PROTOCOL_UNKNOWN: rmw_internet_protocol_t = 0;
/// IPv4.
pub const RMW_INTERNET_PROTOCOL_IPV4: rmw_internet_protocol_t = 1;
/// IPv6.
pub const RMW_INTERNET_PROTOCOL_IPV6: rmw_internet_protocol_t = 2;
/// Number of values.
pub const RMW_INTERNET_PROTOCOL_COUNT: rmw_internet_protocol_t = 3;

/// `RMW_INET_ADDRSTRLEN`.
pub const RMW_INET_ADDRSTRLEN: usize = 48;

/// `rmw_network_flow_endpoint_t` (68 B, align 4).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct rmw_network_flow_endpoint_t {
    /// Transport protocol.
    pub transport_protocol: rmw_transport_protocol_t,
    /// Internet protocol.
    pub internet_protocol: rmw_internet_protocol_t,
    /// Port.
    pub transport_port: u16,
    /// Flow label (publisher side).
    pub flow_label: u32,
    /// DSCP (publisher side).
    pub dscp: u8,
    /// NUL-terminated address.
    pub internet_address: [c_char; RMW_INET_ADDRSTRLEN],
}

/// `rmw_network_flow_endpoint_array_t` (24 B).
#[repr(C)]
#[derive(Debug)]
pub struct rmw_network_flow_endpoint_array_t {
    /// Number of entries.
    pub size: usize,
    /// Entries.
    pub network_flow_endpoint: *mut rmw_network_flow_endpoint_t,
    /// Allocator used for the entries.
    pub allocator: *mut rcutils_allocator_t,
}

/// `rmw_event_type_t` (`enum rmw_event_type_e`); the **values differ per distro** and are
/// declared in the distro modules.
pub type rmw_event_type_t = u32;

/// `rmw_event_t` (24 B). `rmw_event_fini` lives in librmw and only zeroes this struct.
#[repr(C)]
#[derive(Debug)]
pub struct rmw_event_t {
    /// Implementation identifier (pointer-compared).
    pub implementation_identifier: *const c_char,
    /// Implementation data.
    pub data: *mut c_void,
    /// Which event this handle reports.
    pub event_type: rmw_event_type_t,
}

/// `rmw_liveliness_changed_status_t` (16 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_liveliness_changed_status_t {
    /// Currently alive matched publishers.
    pub alive_count: i32,
    /// Currently not-alive matched publishers.
    pub not_alive_count: i32,
    /// Change of `alive_count` since last read.
    pub alive_count_change: i32,
    /// Change of `not_alive_count` since last read.
    pub not_alive_count_change: i32,
}

/// `rmw_requested_deadline_missed_status_t` (8 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_requested_deadline_missed_status_t {
    /// Cumulative missed deadlines.
    pub total_count: i32,
    /// Change since last read.
    pub total_count_change: i32,
}

/// `rmw_liveliness_lost_status_t` (8 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_liveliness_lost_status_t {
    /// Cumulative liveliness losses.
    pub total_count: i32,
    /// Change since last read.
    pub total_count_change: i32,
}

/// `rmw_offered_deadline_missed_status_t` (8 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_offered_deadline_missed_status_t {
    /// Cumulative missed deadlines.
    pub total_count: i32,
    /// Change since last read.
    pub total_count_change: i32,
}

/// `rmw_qos_incompatible_event_status_t` (12 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_qos_incompatible_event_status_t {
    /// Cumulative incompatibilities.
    pub total_count: i32,
    /// Change since last read.
    pub total_count_change: i32,
    /// Policy kind of the last incompatibility.
    pub last_policy_kind: rmw_qos_policy_kind_t,
}
/// `rmw_requested_qos_incompatible_event_status_t` = `rmw_qos_incompatible_event_status_t`.
pub type rmw_requested_qos_incompatible_event_status_t = rmw_qos_incompatible_event_status_t;
/// `rmw_offered_qos_incompatible_event_status_t` = `rmw_qos_incompatible_event_status_t`.
pub type rmw_offered_qos_incompatible_event_status_t = rmw_qos_incompatible_event_status_t;

/// `rmw_message_lost_status_t` (16 B).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct rmw_message_lost_status_t {
    /// Cumulative lost messages.
    pub total_count: usize,
    /// Change since last read.
    pub total_count_change: usize,
}

/// `rmw_event_callback_t`: `void (*)(const void * user_data, size_t number_of_events)`;
/// NULL clears a listener.
pub type rmw_event_callback_t =
    Option<unsafe extern "C" fn(user_data: *const c_void, number_of_events: usize)>;

/// `enum rmw_feature_e` / `rmw_feature_t` (Jazzy adds two values, see the distro modules).
pub type rmw_feature_t = u32;
/// `rmw_message_info_t::publication_sequence_number` is filled.
pub const RMW_FEATURE_MESSAGE_INFO_PUBLICATION_SEQUENCE_NUMBER: rmw_feature_t = 0;
/// `rmw_message_info_t::reception_sequence_number` is filled.
pub const RMW_FEATURE_MESSAGE_INFO_RECEPTION_SEQUENCE_NUMBER: rmw_feature_t = 1;

/// `rmw_log_severity_t` (mapped onto the rcutils log severities).
pub type rmw_log_severity_t = u32;
/// Debug.
pub const RMW_LOG_SEVERITY_DEBUG: rmw_log_severity_t = RCUTILS_LOG_SEVERITY_DEBUG;
/// Info.
pub const RMW_LOG_SEVERITY_INFO: rmw_log_severity_t = RCUTILS_LOG_SEVERITY_INFO;
/// Warn.
pub const RMW_LOG_SEVERITY_WARN: rmw_log_severity_t = RCUTILS_LOG_SEVERITY_WARN;
/// Error.
pub const RMW_LOG_SEVERITY_ERROR: rmw_log_severity_t = RCUTILS_LOG_SEVERITY_ERROR;
/// Fatal.
pub const RMW_LOG_SEVERITY_FATAL: rmw_log_severity_t = RCUTILS_LOG_SEVERITY_FATAL;

/// `RMW_DEFAULT_DOMAIN_ID` (`SIZE_MAX`: use domain 0).
pub const RMW_DEFAULT_DOMAIN_ID: usize = usize::MAX;
/// `RMW_MESSAGE_INFO_SEQUENCE_NUMBER_UNSUPPORTED` (`UINT64_MAX`).
pub const RMW_MESSAGE_INFO_SEQUENCE_NUMBER_UNSUPPORTED: u64 = u64::MAX;
