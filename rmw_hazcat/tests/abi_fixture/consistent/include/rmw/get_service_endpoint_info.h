// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_GET_SERVICE_ENDPOINT_INFO_H
#define HAZCAT_FIXTURE_RMW_GET_SERVICE_ENDPOINT_INFO_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_get_clients_info_by_service(const rmw_node_t * node, rcutils_allocator_t * allocator, const char * service_name, bool no_mangle, rmw_service_endpoint_info_array_t * clients_info);
rmw_ret_t rmw_get_servers_info_by_service(const rmw_node_t * node, rcutils_allocator_t * allocator, const char * service_name, bool no_mangle, rmw_service_endpoint_info_array_t * servers_info);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_GET_SERVICE_ENDPOINT_INFO_H
