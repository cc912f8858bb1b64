/* Compiled as C11 and C99 by scripts/check_packaging.sh. */
#include "rmw_hazcat_rs/options.h"
#include "rmw_hazcat_rs/device.h"

int main(void)
{
  hazcat_endpoint_options_t o = hazcat_endpoint_options_default();
  o.domain_kind = HAZCAT_DOMAIN_CUDA;
  o.device = 0;
  o.pool_size = 1u << 26;
  /* device.h declarations (only taken by address: nothing is linked here). */
  int32_t (*domain_of)(const void *, int32_t *, int32_t *) = rmw_hazcat_loan_domain;
  bool (*is_device)(const void *) = rmw_hazcat_loan_is_device;
  if (!domain_of || !is_device) {
    return 2;
  }
  return (o.magic == HAZCAT_ENDPOINT_OPTIONS_MAGIC && o.struct_size == 32) ? 0 : 1;
}
