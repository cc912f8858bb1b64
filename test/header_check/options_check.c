/* Compiled as C11 and C99 by scripts/check_packaging.sh. */
#include "rmw_hazcat_rs/options.h"

int main(void)
{
  hazcat_endpoint_options_t o = hazcat_endpoint_options_default();
  o.domain_kind = HAZCAT_DOMAIN_CUDA;
  o.device = 0;
  o.pool_size = 1u << 26;
  return (o.magic == HAZCAT_ENDPOINT_OPTIONS_MAGIC && o.struct_size == 32) ? 0 : 1;
}
