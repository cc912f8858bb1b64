// Test fixture for tests/abi_check.rs: a handful of rmw_* declarations, some deliberately
// different from rmw_hazcat's (each marked MISMATCH), the others matching. Not the upstream
// header.
#ifndef HAZCAT_FIXTURE_MISMATCH_RMW_H
#define HAZCAT_FIXTURE_MISMATCH_RMW_H

#include "../../../consistent/include/rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

// Matching (typedef'd integers, size_t, function-pointer typedef, by-value struct, void).
rmw_ret_t rmw_init(const rmw_init_options_t * options, rmw_context_t * context);
const char * rmw_get_serialization_format(void);
rmw_ret_t rmw_set_log_severity(rmw_log_severity_t severity);
rmw_wait_set_t * rmw_create_wait_set(rmw_context_t * context, size_t max_conditions);
rmw_ret_t rmw_count_subscribers(
  const rmw_node_t * node, const char * topic_name, size_t * count);
rmw_ret_t rmw_subscription_set_on_new_message_callback(
  rmw_subscription_t * subscription, rmw_event_callback_t callback, const void * user_data);
rmw_ret_t rmw_init_options_init(rmw_init_options_t * init_options, rcutils_allocator_t allocator);

// MISMATCH: constness (namespace_ is const char * upstream).
rmw_node_t * rmw_create_node(rmw_context_t * context, const char * name, char * namespace_);

// MISMATCH: parameter count.
rmw_ret_t rmw_destroy_node(rmw_node_t * node, bool force);

// MISMATCH: pointer depth (void ** upstream).
rmw_ret_t rmw_take_loaned_message(
  const rmw_subscription_t * subscription, void * loaned_message, bool * taken,
  rmw_subscription_allocation_t * allocation);

// MISMATCH: struct name.
rmw_ret_t rmw_publish(
  const rmw_subscription_t * publisher, const void * ros_message,
  rmw_publisher_allocation_t * allocation);

// MISMATCH: integer width behind a pointer (size_t * upstream).
rmw_ret_t rmw_count_publishers(
  const rmw_node_t * node, const char * topic_name, uint32_t * count);

// MISMATCH: return type (bool upstream).
int rmw_feature_supported(rmw_feature_t feature);

// MISMATCH: callback signature (size_t number_of_events upstream).
rmw_ret_t rmw_event_set_callback(
  rmw_event_t * event, void (* callback)(const void * user_data, int number_of_events),
  const void * user_data);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_MISMATCH_RMW_H
