// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_GET_SERVICE_NAMES_AND_TYPES_H
#define HAZCAT_FIXTURE_RMW_GET_SERVICE_NAMES_AND_TYPES_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_get_service_names_and_types(const rmw_node_t * node, rcutils_allocator_t * allocator, rmw_names_and_types_t * service_names_and_types);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_GET_SERVICE_NAMES_AND_TYPES_H
