// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_INIT_H
#define HAZCAT_FIXTURE_RMW_INIT_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_context_fini(rmw_context_t * context);
rmw_ret_t rmw_init(const rmw_init_options_t * options, rmw_context_t * context);
rmw_ret_t rmw_shutdown(rmw_context_t * context);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_INIT_H
