// Test fixture for tests/abi_check.rs: a header that parses on its own next to a broken
// rmw/rmw.h; its declaration matches rmw_hazcat's. Not the upstream header.
#ifndef HAZCAT_FIXTURE_BROKEN_FEATURES_H
#define HAZCAT_FIXTURE_BROKEN_FEATURES_H

#include "../../../consistent/include/rmw/types.h"

bool rmw_feature_supported(rmw_feature_t feature);

#endif  // HAZCAT_FIXTURE_BROKEN_FEATURES_H
