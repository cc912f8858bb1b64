// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_FEATURES_H
#define HAZCAT_FIXTURE_RMW_FEATURES_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

bool rmw_feature_supported(rmw_feature_t feature);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_FEATURES_H
