// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_DYNAMIC_MESSAGE_TYPE_SUPPORT_H
#define HAZCAT_FIXTURE_RMW_DYNAMIC_MESSAGE_TYPE_SUPPORT_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_serialization_support_init(const char * serialization_lib_name, rcutils_allocator_t * allocator, rosidl_dynamic_typesupport_serialization_support_t * serialization_support);
rmw_ret_t rmw_take_dynamic_message(const rmw_subscription_t * subscription, rosidl_dynamic_typesupport_dynamic_data_t * dynamic_message, bool * taken, rmw_subscription_allocation_t * allocation);
rmw_ret_t rmw_take_dynamic_message_with_info(const rmw_subscription_t * subscription, rosidl_dynamic_typesupport_dynamic_data_t * dynamic_message, bool * taken, rmw_message_info_t * message_info, rmw_subscription_allocation_t * allocation);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_DYNAMIC_MESSAGE_TYPE_SUPPORT_H
