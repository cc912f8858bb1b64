// Stand-in (see rmw_implementation_specific_payload.hpp in this folder).
#pragma once
#include <rclcpp/detail/rmw_implementation_specific_payload.hpp>
#include <rmw/types.h>
namespace rclcpp::detail
{
struct RMWImplementationSpecificSubscriptionPayload : RMWImplementationSpecificPayload
{
  virtual void modify_rmw_subscription_options(rmw_subscription_options_t &) const {}
};
}  // namespace rclcpp::detail
