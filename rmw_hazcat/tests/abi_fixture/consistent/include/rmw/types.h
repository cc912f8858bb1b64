// Test fixture for tests/abi_check.rs: the types the rmw_* declarations use, as opaque structs,
// integer typedefs and enums (no layouts and no RMW_* constants, so the struct half of the ABI
// check has nothing to compare here). Not the upstream header.
#ifndef HAZCAT_FIXTURE_RMW_TYPES_H
#define HAZCAT_FIXTURE_RMW_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if __has_include(<rcutils/allocator.h>) && __has_include(<rcutils/types/string_array.h>) \
  && __has_include(<rcutils/types/uint8_array.h>)
#include <rcutils/allocator.h>
#include <rcutils/types/string_array.h>
#include <rcutils/types/uint8_array.h>
#else
typedef struct rcutils_allocator_s
{
  void * state;
} rcutils_allocator_t;
typedef struct rcutils_string_array_s rcutils_string_array_t;
typedef struct rcutils_uint8_array_s rcutils_uint8_array_t;
#endif

typedef int32_t rmw_ret_t;

typedef struct rmw_context_s rmw_context_t;
typedef struct rmw_init_options_s rmw_init_options_t;
typedef struct rmw_node_s rmw_node_t;
typedef struct rmw_publisher_s rmw_publisher_t;
typedef struct rmw_subscription_s rmw_subscription_t;
typedef struct rmw_service_s rmw_service_t;
typedef struct rmw_client_s rmw_client_t;
typedef struct rmw_guard_condition_s rmw_guard_condition_t;
typedef struct rmw_wait_set_s rmw_wait_set_t;
typedef struct rmw_event_s rmw_event_t;
typedef struct rmw_gid_s rmw_gid_t;
typedef struct rmw_qos_profile_s rmw_qos_profile_t;
typedef struct rmw_time_s rmw_time_t;
typedef struct rmw_publisher_options_s rmw_publisher_options_t;
typedef struct rmw_subscription_options_s rmw_subscription_options_t;
typedef struct rmw_publisher_allocation_s rmw_publisher_allocation_t;
typedef struct rmw_subscription_allocation_s rmw_subscription_allocation_t;
typedef struct rmw_names_and_types_s rmw_names_and_types_t;
typedef struct rmw_topic_endpoint_info_array_s rmw_topic_endpoint_info_array_t;
typedef struct rmw_service_endpoint_info_array_s rmw_service_endpoint_info_array_t;
typedef struct rmw_network_flow_endpoint_array_s rmw_network_flow_endpoint_array_t;
typedef struct rmw_request_id_s rmw_request_id_t;
typedef struct rmw_service_info_s rmw_service_info_t;
typedef struct rmw_message_info_s rmw_message_info_t;
typedef struct rmw_message_sequence_s rmw_message_sequence_t;
typedef struct rmw_message_info_sequence_s rmw_message_info_sequence_t;
typedef struct rmw_subscription_content_filter_options_s rmw_subscription_content_filter_options_t;
typedef struct rmw_subscriptions_s rmw_subscriptions_t;
typedef struct rmw_guard_conditions_s rmw_guard_conditions_t;
typedef struct rmw_services_s rmw_services_t;
typedef struct rmw_clients_s rmw_clients_t;
typedef struct rmw_events_s rmw_events_t;
typedef rcutils_uint8_array_t rmw_serialized_message_t;

typedef struct rosidl_message_type_support_t rosidl_message_type_support_t;
typedef struct rosidl_service_type_support_t rosidl_service_type_support_t;
typedef struct rosidl_runtime_c__Sequence__bound rosidl_runtime_c__Sequence__bound;
typedef struct rosidl_dynamic_typesupport_serialization_support_s
  rosidl_dynamic_typesupport_serialization_support_t;
typedef struct rosidl_dynamic_typesupport_dynamic_data_s rosidl_dynamic_typesupport_dynamic_data_t;

typedef enum rmw_event_type_e { HAZCAT_FIXTURE_EVENT } rmw_event_type_t;
typedef enum rmw_feature_e { HAZCAT_FIXTURE_FEATURE } rmw_feature_t;
typedef enum rmw_log_severity_e { HAZCAT_FIXTURE_SEVERITY } rmw_log_severity_t;
typedef enum rmw_qos_compatibility_type_e { HAZCAT_FIXTURE_QOS } rmw_qos_compatibility_type_t;

typedef void (* rmw_event_callback_t)(const void * user_data, size_t number_of_events);

#endif  // HAZCAT_FIXTURE_RMW_TYPES_H
