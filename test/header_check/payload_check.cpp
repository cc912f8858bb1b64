// Compiled by scripts/check_packaging.sh against the real rclcpp when installed, else the stub.
#include <cassert>
#include <memory>

#include "rmw_hazcat_rs/payload.hpp"

int main()
{
  auto pub = std::make_shared<rmw_hazcat_rs::PublisherPayload>(
    rmw_hazcat_rs::EndpointOptions::cuda(1).pool_size(64u << 20).depth(4));
  rmw_publisher_options_t po{};
  assert(pub->has_been_customized());
  pub->modify_rmw_publisher_options(po);
  auto * o = static_cast<const hazcat_endpoint_options_t *>(po.rmw_specific_publisher_payload);
  assert(o->magic == HAZCAT_ENDPOINT_OPTIONS_MAGIC && o->domain_kind == HAZCAT_DOMAIN_CUDA);
  assert(o->device == 1 && o->depth == 4 && o->pool_size == (64u << 20));
  rmw_hazcat_rs::SubscriptionPayload sub(rmw_hazcat_rs::EndpointOptions::host());
  rmw_subscription_options_t so{};
  sub.modify_rmw_subscription_options(so);
  assert(so.rmw_specific_subscription_payload == &sub.options());
  return 0;
}
