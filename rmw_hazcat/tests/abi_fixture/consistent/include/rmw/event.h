// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_EVENT_H
#define HAZCAT_FIXTURE_RMW_EVENT_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_publisher_event_init(rmw_event_t * rmw_event, const rmw_publisher_t * publisher, rmw_event_type_t event_type);
rmw_ret_t rmw_subscription_event_init(rmw_event_t * rmw_event, const rmw_subscription_t * subscription, rmw_event_type_t event_type);
rmw_ret_t rmw_take_event(const rmw_event_t * event_handle, void * event_info, bool * taken);
bool rmw_event_type_is_supported(rmw_event_type_t rmw_event_type);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_EVENT_H
