// Stand-in (see rmw_implementation_specific_payload.hpp in this folder).
#pragma once
#include <rclcpp/detail/rmw_implementation_specific_payload.hpp>
#include <rmw/types.h>
namespace rclcpp::detail
{
struct RMWImplementationSpecificPublisherPayload : RMWImplementationSpecificPayload
{
  virtual void modify_rmw_publisher_options(rmw_publisher_options_t &) const {}
};
}  // namespace rclcpp::detail
