// The reference ABI of every struct and constant in `sys`, per distro (x86_64 / LP64).
//
// This one table is read twice:
// - by the crate (`layout_asserts.rs`): compile-time assertions that our `#[repr(C)]`
//   declarations have exactly these sizes, alignments, field offsets and values;
// - by `build.rs`: when ROS / rcutils headers are installed, bindgen's view of the real headers
//   must match these figures too, else the build panics naming the struct and field.
//
// Figures for Jazzy (and shared ones) are the ones printed in `reference/rmw_api.md` §3, which were
// computed with gcc 12 against the upstream headers. Figures not printed there were computed by
// hand from the upstream headers with the C layout rules and are marked "computed":
// Humble rmw_gid_t 32 (data@8), Humble init options (104: localhost_only@40, enclave@48,
// allocator@56, impl@96) and context (136: actual_domain_id@120, impl@128) offsets,
// Kilted init options (160: discovery_options@40, enclave@104, allocator@112, impl@152) and
// context (192: actual_domain_id@176, impl@184) offsets, the event status structs, network flow
// endpoint (68, align 4), rcutils error state (1008) / error string (1024), rmw_peer_address_t,
// the Lyrical service endpoint info (88).
//
// Syntax (plain `//` comments only: this file is `include!`d into item position):
//   [distros...] type_name (size, align) { field: offset, ... }
//   [distros...] CONST_NAME = value,

struct_layouts! {
    // rcutils: identical in every distro.
    [humble jazzy kilted lyrical] rcutils_allocator_t (40, 8) {
        allocate: 0, deallocate: 8, reallocate: 16, zero_allocate: 24, state: 32
    }
    [humble jazzy kilted lyrical] rcutils_string_array_t (56, 8) { size: 0, data: 8, allocator: 16 }
    [humble jazzy kilted lyrical] rcutils_log_location_t (24, 8) {
        function_name: 0, file_name: 8, line_number: 16
    }
    [humble jazzy kilted lyrical] rcutils_uint8_array_t (64, 8) {
        buffer: 0, buffer_length: 8, buffer_capacity: 16, allocator: 24
    }
    // computed
    [humble jazzy kilted lyrical] rcutils_error_string_t (1024, 1) { str_: 0 }
    // computed: message[768], file[229], pad 3, uint64 line_number
    [humble jazzy kilted lyrical] rcutils_error_state_t (1008, 8) { message: 0, file: 768, line_number: 1000 }

    // rmw, unchanged Humble -> Lyrical.
    [humble jazzy kilted lyrical] rmw_time_t (16, 8) { sec: 0, nsec: 8 }
    [humble jazzy kilted lyrical] rmw_qos_profile_t (88, 8) {
        history: 0, depth: 8, reliability: 16, durability: 20, deadline: 24, lifespan: 40,
        liveliness: 56, liveliness_lease_duration: 64, avoid_ros_namespace_conventions: 80
    }
    [humble jazzy kilted lyrical] rmw_security_options_t (16, 8) { enforce_security: 0, security_root_path: 8 }
    [humble jazzy kilted lyrical] rmw_node_t (40, 8) {
        implementation_identifier: 0, data: 8, name: 16, namespace_: 24, context: 32
    }
    [humble jazzy kilted lyrical] rmw_publisher_options_t (16, 8) {
        rmw_specific_publisher_payload: 0, require_unique_network_flow_endpoints: 8
    }
    [humble jazzy kilted lyrical] rmw_publisher_t (48, 8) {
        implementation_identifier: 0, data: 8, topic_name: 16, options: 24, can_loan_messages: 40
    }
    [humble jazzy kilted lyrical] rmw_subscription_content_filter_options_t (64, 8) {
        filter_expression: 0, expression_parameters: 8
    }
    [humble jazzy kilted lyrical] rmw_subscription_options_t (24, 8) {
        rmw_specific_subscription_payload: 0, ignore_local_publications: 8,
        require_unique_network_flow_endpoints: 12, content_filter_options: 16
    }
    [humble jazzy kilted lyrical] rmw_subscription_t (56, 8) {
        implementation_identifier: 0, data: 8, topic_name: 16, options: 24, can_loan_messages: 48,
        is_cft_enabled: 49
    }
    [humble jazzy kilted lyrical] rmw_service_t (24, 8) { implementation_identifier: 0, data: 8, service_name: 16 }
    [humble jazzy kilted lyrical] rmw_client_t (24, 8) { implementation_identifier: 0, data: 8, service_name: 16 }
    [humble jazzy kilted lyrical] rmw_guard_condition_t (24, 8) { implementation_identifier: 0, data: 8, context: 16 }
    [humble jazzy kilted lyrical] rmw_publisher_allocation_t (16, 8) { implementation_identifier: 0, data: 8 }
    [humble jazzy kilted lyrical] rmw_subscription_allocation_t (16, 8) { implementation_identifier: 0, data: 8 }
    [humble jazzy kilted lyrical] rmw_subscriptions_t (16, 8) { subscriber_count: 0, subscribers: 8 }
    [humble jazzy kilted lyrical] rmw_services_t (16, 8) { service_count: 0, services: 8 }
    [humble jazzy kilted lyrical] rmw_clients_t (16, 8) { client_count: 0, clients: 8 }
    [humble jazzy kilted lyrical] rmw_events_t (16, 8) { event_count: 0, events: 8 }
    [humble jazzy kilted lyrical] rmw_guard_conditions_t (16, 8) { guard_condition_count: 0, guard_conditions: 8 }
    [humble jazzy kilted lyrical] rmw_wait_set_t (24, 8) { implementation_identifier: 0, guard_conditions: 8, data: 16 }
    [humble jazzy kilted lyrical] rmw_names_and_types_t (64, 8) { names: 0, types: 56 }
    [humble jazzy kilted lyrical] rmw_message_sequence_t (32, 8) { data: 0, size: 8, capacity: 16, allocator: 24 }
    [humble jazzy kilted lyrical] rmw_message_info_sequence_t (32, 8) { data: 0, size: 8, capacity: 16, allocator: 24 }
    // computed
    [humble jazzy kilted lyrical] rmw_network_flow_endpoint_t (68, 4) {
        transport_protocol: 0, internet_protocol: 4, transport_port: 8, flow_label: 12, dscp: 16,
        internet_address: 17
    }
    [humble jazzy kilted lyrical] rmw_network_flow_endpoint_array_t (24, 8) {
        size: 0, network_flow_endpoint: 8, allocator: 16
    }
    [humble jazzy kilted lyrical] rmw_event_t (24, 8) { implementation_identifier: 0, data: 8, event_type: 16 }
    // computed (event statuses)
    [humble jazzy kilted lyrical] rmw_liveliness_changed_status_t (16, 4) {
        alive_count: 0, not_alive_count: 4, alive_count_change: 8, not_alive_count_change: 12
    }
    [humble jazzy kilted lyrical] rmw_requested_deadline_missed_status_t (8, 4) { total_count: 0, total_count_change: 4 }
    [humble jazzy kilted lyrical] rmw_liveliness_lost_status_t (8, 4) { total_count: 0, total_count_change: 4 }
    [humble jazzy kilted lyrical] rmw_offered_deadline_missed_status_t (8, 4) { total_count: 0, total_count_change: 4 }
    [humble jazzy kilted lyrical] rmw_qos_incompatible_event_status_t (12, 4) {
        total_count: 0, total_count_change: 4, last_policy_kind: 8
    }
    [humble jazzy kilted lyrical] rmw_message_lost_status_t (16, 8) { total_count: 0, total_count_change: 8 }
    [humble jazzy kilted lyrical] rmw_request_id_t (24, 8) { writer_guid: 0, sequence_number: 16 }
    [humble jazzy kilted lyrical] rmw_service_info_t (40, 8) { source_timestamp: 0, received_timestamp: 8, request_id: 16 }
    [humble jazzy kilted lyrical] rmw_topic_endpoint_info_array_t (16, 8) { size: 0, info_array: 8 }

    // Humble.
    [humble] rmw_gid_t (32, 8) { implementation_identifier: 0, data: 8 }
    [humble] rmw_message_info_t (72, 8) {
        source_timestamp: 0, received_timestamp: 8, publication_sequence_number: 16,
        reception_sequence_number: 24, publisher_gid: 32, from_intra_process: 64
    }
    [humble] rmw_topic_endpoint_info_t (144, 8) {
        node_name: 0, node_namespace: 8, topic_type: 16, endpoint_type: 24, endpoint_gid: 28, qos_profile: 56
    }
    [humble] rmw_init_options_t (104, 8) {
        instance_id: 0, implementation_identifier: 8, domain_id: 16, security_options: 24,
        localhost_only: 40, enclave: 48, allocator: 56, impl_: 96
    }
    [humble] rmw_context_t (136, 8) {
        instance_id: 0, implementation_identifier: 8, options: 16, actual_domain_id: 120, impl_: 128
    }

    // Iron and later (Jazzy, Kilted, Lyrical).
    [jazzy kilted lyrical] rmw_gid_t (24, 8) { implementation_identifier: 0, data: 8 }
    [jazzy kilted lyrical] rosidl_type_hash_t (33, 1) { version: 0, value: 1 }
    [jazzy kilted lyrical] rmw_message_info_t (64, 8) {
        source_timestamp: 0, received_timestamp: 8, publication_sequence_number: 16,
        reception_sequence_number: 24, publisher_gid: 32, from_intra_process: 56
    }
    [jazzy kilted lyrical] rmw_topic_endpoint_info_t (168, 8) {
        node_name: 0, node_namespace: 8, topic_type: 16, topic_type_hash: 24, endpoint_type: 60,
        endpoint_gid: 64, qos_profile: 80
    }
    // computed
    [jazzy kilted lyrical] rmw_peer_address_t (256, 1) { peer_address: 0 }
    [jazzy kilted lyrical] rmw_discovery_options_t (64, 8) {
        automatic_discovery_range: 0, static_peers: 8, static_peers_count: 16, allocator: 24
    }
    // computed
    [jazzy kilted lyrical] rmw_matched_status_t (32, 8) {
        total_count: 0, total_count_change: 8, current_count: 16, current_count_change: 24
    }
    [jazzy kilted lyrical] rmw_incompatible_type_status_t (8, 4) { total_count: 0, total_count_change: 4 }

    // Jazzy.
    [jazzy] rmw_init_options_t (168, 8) {
        instance_id: 0, implementation_identifier: 8, domain_id: 16, security_options: 24,
        localhost_only: 40, discovery_options: 48, enclave: 112, allocator: 120, impl_: 160
    }
    [jazzy] rmw_context_t (200, 8) {
        instance_id: 0, implementation_identifier: 8, options: 16, actual_domain_id: 184, impl_: 192
    }

    // Kilted and later: no localhost_only.
    [kilted lyrical] rmw_init_options_t (160, 8) {
        instance_id: 0, implementation_identifier: 8, domain_id: 16, security_options: 24,
        discovery_options: 40, enclave: 104, allocator: 112, impl_: 152
    }
    [kilted lyrical] rmw_context_t (192, 8) {
        instance_id: 0, implementation_identifier: 8, options: 16, actual_domain_id: 176, impl_: 184
    }

    // Lyrical / Rolling (computed).
    [lyrical] rmw_service_endpoint_info_t (88, 8) {
        node_name: 0, node_namespace: 8, service_type: 16, service_type_hash: 24, endpoint_type: 60,
        endpoint_count: 64, endpoint_gids: 72, qos_profiles: 80
    }
    [lyrical] rmw_service_endpoint_info_array_t (16, 8) { size: 0, info_array: 8 }
}

const_values! {
    [humble jazzy kilted lyrical] RCUTILS_RET_OK = 0,
    [humble jazzy kilted lyrical] RCUTILS_RET_ERROR = 2,
    [humble jazzy kilted lyrical] RCUTILS_RET_BAD_ALLOC = 10,
    [humble jazzy kilted lyrical] RCUTILS_RET_INVALID_ARGUMENT = 11,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_UNSET = 0,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_DEBUG = 10,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_INFO = 20,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_WARN = 30,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_ERROR = 40,
    [humble jazzy kilted lyrical] RCUTILS_LOG_SEVERITY_FATAL = 50,
    [humble jazzy kilted lyrical] RCUTILS_ERROR_MESSAGE_MAX_LENGTH = 1024,
    [humble jazzy kilted lyrical] RCUTILS_ERROR_STATE_MESSAGE_MAX_LENGTH = 768,

    [humble jazzy kilted lyrical] RMW_RET_OK = 0,
    [humble jazzy kilted lyrical] RMW_RET_ERROR = 1,
    [humble jazzy kilted lyrical] RMW_RET_TIMEOUT = 2,
    [humble jazzy kilted lyrical] RMW_RET_UNSUPPORTED = 3,
    [humble jazzy kilted lyrical] RMW_RET_BAD_ALLOC = 10,
    [humble jazzy kilted lyrical] RMW_RET_INVALID_ARGUMENT = 11,
    [humble jazzy kilted lyrical] RMW_RET_INCORRECT_RMW_IMPLEMENTATION = 12,
    [humble jazzy kilted lyrical] RMW_RET_NODE_NAME_NON_EXISTENT = 203,

    [humble jazzy kilted lyrical] RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT = 0,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_HISTORY_KEEP_LAST = 1,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_HISTORY_KEEP_ALL = 2,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_HISTORY_UNKNOWN = 3,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT = 0,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY_RELIABLE = 1,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT = 2,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY_UNKNOWN = 3,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT = 0,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL = 1,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY_VOLATILE = 2,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY_UNKNOWN = 3,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT = 0,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_AUTOMATIC = 1,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_NODE = 2,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC = 3,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_UNKNOWN = 4,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_INVALID = 1,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY = 2,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DEADLINE = 4,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS = 8,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY = 16,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_HISTORY = 32,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIFESPAN = 64,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_DEPTH = 128,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_LEASE_DURATION = 256,
    [humble jazzy kilted lyrical] RMW_QOS_POLICY_AVOID_ROS_NAMESPACE_CONVENTIONS = 512,
    [humble jazzy kilted lyrical] RMW_QOS_COMPATIBILITY_OK = 0,
    [humble jazzy kilted lyrical] RMW_QOS_COMPATIBILITY_WARNING = 1,
    [humble jazzy kilted lyrical] RMW_QOS_COMPATIBILITY_ERROR = 2,
    [humble jazzy kilted lyrical] RMW_SECURITY_ENFORCEMENT_PERMISSIVE = 0,
    [humble jazzy kilted lyrical] RMW_SECURITY_ENFORCEMENT_ENFORCE = 1,
    [humble jazzy kilted lyrical] RMW_ENDPOINT_INVALID = 0,
    [humble jazzy kilted lyrical] RMW_ENDPOINT_PUBLISHER = 1,
    [humble jazzy kilted lyrical] RMW_ENDPOINT_SUBSCRIPTION = 2,
    [humble jazzy kilted lyrical] RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_NOT_REQUIRED = 0,
    [humble jazzy kilted lyrical] RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_STRICTLY_REQUIRED = 1,
    [humble jazzy kilted lyrical] RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_OPTIONALLY_REQUIRED = 2,
    [humble jazzy kilted lyrical] RMW_UNIQUE_NETWORK_FLOW_ENDPOINTS_SYSTEM_DEFAULT = 3,
    [humble jazzy kilted lyrical] RMW_TRANSPORT_PROTOCOL_UNKNOWN = 0,
    [humble jazzy kilted lyrical] RMW_TRANSPORT_PROTOCOL_UDP = 1,
    [humble jazzy kilted lyrical] RMW_TRANSPORT_PROTOCOL_TCP = 2,
    [humble jazzy kilted lyrical] RMW_TRANSPORT_PROTOCOL_COUNT = 3,
    [humble jazzy kilted lyrical] RMW_INTERNET_PROTOCOL_UNKNOWN = 0,
    [humble jazzy kilted lyrical] RMW_INTERNET_PROTOCOL_IPV4 = 1,
    [humble jazzy kilted lyrical] RMW_INTERNET_PROTOCOL_IPV6 = 2,
    [humble jazzy kilted lyrical] RMW_INTERNET_PROTOCOL_COUNT = 3,
    [humble jazzy kilted lyrical] RMW_INET_ADDRSTRLEN = 48,
    [humble jazzy kilted lyrical] RMW_FEATURE_MESSAGE_INFO_PUBLICATION_SEQUENCE_NUMBER = 0,
    [humble jazzy kilted lyrical] RMW_FEATURE_MESSAGE_INFO_RECEPTION_SEQUENCE_NUMBER = 1,
    [humble jazzy kilted lyrical] RMW_LOG_SEVERITY_DEBUG = 10,
    [humble jazzy kilted lyrical] RMW_LOG_SEVERITY_INFO = 20,
    [humble jazzy kilted lyrical] RMW_LOG_SEVERITY_WARN = 30,
    [humble jazzy kilted lyrical] RMW_LOG_SEVERITY_ERROR = 40,
    [humble jazzy kilted lyrical] RMW_LOG_SEVERITY_FATAL = 50,

    [humble] RMW_GID_STORAGE_SIZE = 24,
    [jazzy kilted lyrical] RMW_GID_STORAGE_SIZE = 16,

    [humble jazzy] RMW_LOCALHOST_ONLY_DEFAULT = 0,
    [humble jazzy] RMW_LOCALHOST_ONLY_ENABLED = 1,
    [humble jazzy] RMW_LOCALHOST_ONLY_DISABLED = 2,

    [jazzy kilted lyrical] RMW_AUTOMATIC_DISCOVERY_RANGE_NOT_SET = 0,
    [jazzy kilted lyrical] RMW_AUTOMATIC_DISCOVERY_RANGE_OFF = 1,
    [jazzy kilted lyrical] RMW_AUTOMATIC_DISCOVERY_RANGE_LOCALHOST = 2,
    [jazzy kilted lyrical] RMW_AUTOMATIC_DISCOVERY_RANGE_SUBNET = 3,
    [jazzy kilted lyrical] RMW_AUTOMATIC_DISCOVERY_RANGE_SYSTEM_DEFAULT = 4,
    [jazzy kilted lyrical] RMW_DISCOVERY_OPTIONS_STATIC_PEERS_MAX_LENGTH = 256,
    [jazzy kilted lyrical] RMW_MIDDLEWARE_SUPPORTS_TYPE_DISCOVERY = 2,
    [jazzy kilted lyrical] RMW_MIDDLEWARE_CAN_TAKE_DYNAMIC_MESSAGE = 3,
    [jazzy kilted lyrical] RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE = 4,
    [jazzy kilted lyrical] RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE = 4,
    [jazzy kilted lyrical] RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE = 5,
    [jazzy kilted lyrical] ROSIDL_TYPE_HASH_VERSION_UNSET = 0,

    [humble] RMW_EVENT_LIVELINESS_CHANGED = 0,
    [humble] RMW_EVENT_REQUESTED_DEADLINE_MISSED = 1,
    [humble] RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE = 2,
    [humble] RMW_EVENT_MESSAGE_LOST = 3,
    [humble] RMW_EVENT_LIVELINESS_LOST = 4,
    [humble] RMW_EVENT_OFFERED_DEADLINE_MISSED = 5,
    [humble] RMW_EVENT_OFFERED_QOS_INCOMPATIBLE = 6,
    [humble] RMW_EVENT_INVALID = 7,

    [jazzy] RMW_EVENT_LIVELINESS_CHANGED = 0,
    [jazzy] RMW_EVENT_REQUESTED_DEADLINE_MISSED = 1,
    [jazzy] RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE = 2,
    [jazzy] RMW_EVENT_MESSAGE_LOST = 3,
    [jazzy] RMW_EVENT_SUBSCRIPTION_INCOMPATIBLE_TYPE = 4,
    [jazzy] RMW_EVENT_SUBSCRIPTION_MATCHED = 5,
    [jazzy] RMW_EVENT_LIVELINESS_LOST = 6,
    [jazzy] RMW_EVENT_OFFERED_DEADLINE_MISSED = 7,
    [jazzy] RMW_EVENT_OFFERED_QOS_INCOMPATIBLE = 8,
    [jazzy] RMW_EVENT_PUBLISHER_INCOMPATIBLE_TYPE = 9,
    [jazzy] RMW_EVENT_PUBLICATION_MATCHED = 10,
    [jazzy] RMW_EVENT_INVALID = 11,

    [kilted lyrical] RMW_EVENT_INVALID = 0,
    [kilted lyrical] RMW_EVENT_LIVELINESS_CHANGED = 1,
    [kilted lyrical] RMW_EVENT_REQUESTED_DEADLINE_MISSED = 2,
    [kilted lyrical] RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE = 3,
    [kilted lyrical] RMW_EVENT_MESSAGE_LOST = 4,
    [kilted lyrical] RMW_EVENT_SUBSCRIPTION_INCOMPATIBLE_TYPE = 5,
    [kilted lyrical] RMW_EVENT_SUBSCRIPTION_MATCHED = 6,
    [kilted lyrical] RMW_EVENT_LIVELINESS_LOST = 7,
    [kilted lyrical] RMW_EVENT_OFFERED_DEADLINE_MISSED = 8,
    [kilted lyrical] RMW_EVENT_OFFERED_QOS_INCOMPATIBLE = 9,
    [kilted lyrical] RMW_EVENT_PUBLISHER_INCOMPATIBLE_TYPE = 10,
    [kilted lyrical] RMW_EVENT_PUBLICATION_MATCHED = 11,
    [kilted lyrical] RMW_EVENT_TYPE_MAX = 12,

    [lyrical] RMW_ENDPOINT_CLIENT = 3,
    [lyrical] RMW_ENDPOINT_SERVER = 4,
}
