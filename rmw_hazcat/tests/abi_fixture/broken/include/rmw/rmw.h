// Test fixture for tests/abi_check.rs: a header libclang cannot parse (the check must warn and
// skip it, never fail the build). Not the upstream header.
#ifndef HAZCAT_FIXTURE_BROKEN_RMW_H
#define HAZCAT_FIXTURE_BROKEN_RMW_H

#include "../../../consistent/include/rmw/types.h"

rmw_ret_t rmw_init(const rmw_init_options_t * options, rmw_context_t * context)
this is not C;

#endif  // HAZCAT_FIXTURE_BROKEN_RMW_H
