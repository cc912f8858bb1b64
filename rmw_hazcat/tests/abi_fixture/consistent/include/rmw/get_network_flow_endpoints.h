// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_GET_NETWORK_FLOW_ENDPOINTS_H
#define HAZCAT_FIXTURE_RMW_GET_NETWORK_FLOW_ENDPOINTS_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_publisher_get_network_flow_endpoints(const rmw_publisher_t * publisher, rcutils_allocator_t * allocator, rmw_network_flow_endpoint_array_t * network_flow_endpoint_array);
rmw_ret_t rmw_subscription_get_network_flow_endpoints(const rmw_subscription_t * subscription, rcutils_allocator_t * allocator, rmw_network_flow_endpoint_array_t * network_flow_endpoint_array);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_GET_NETWORK_FLOW_ENDPOINTS_H
