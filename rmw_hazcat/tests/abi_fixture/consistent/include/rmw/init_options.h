// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_INIT_OPTIONS_H
#define HAZCAT_FIXTURE_RMW_INIT_OPTIONS_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_init_options_copy(const rmw_init_options_t * src, rmw_init_options_t * dst);
rmw_ret_t rmw_init_options_fini(rmw_init_options_t * init_options);
rmw_ret_t rmw_init_options_init(rmw_init_options_t * init_options, rcutils_allocator_t allocator);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_INIT_OPTIONS_H
