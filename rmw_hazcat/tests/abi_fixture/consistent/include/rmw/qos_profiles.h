// Test fixture for tests/abi_check.rs: declarations transcribed from
// reference/rmw_api.md section 1.3 (not the upstream header).
#ifndef HAZCAT_FIXTURE_RMW_QOS_PROFILES_H
#define HAZCAT_FIXTURE_RMW_QOS_PROFILES_H

#include "rmw/types.h"

#ifdef __cplusplus
extern "C" {
#endif

rmw_ret_t rmw_qos_profile_check_compatible(const rmw_qos_profile_t publisher_profile, const rmw_qos_profile_t subscription_profile, rmw_qos_compatibility_type_t * compatibility, char * reason, size_t reason_size);

#ifdef __cplusplus
}
#endif

#endif  // HAZCAT_FIXTURE_RMW_QOS_PROFILES_H
