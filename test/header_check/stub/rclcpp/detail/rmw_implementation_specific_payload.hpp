// Minimal stand-in for rclcpp's base class, used ONLY by scripts/check_packaging.sh to compile
// rmw_hazcat_rs/payload.hpp where rclcpp is not installed (Debian CI). Same virtual interface.
#pragma once
namespace rclcpp::detail
{
struct RMWImplementationSpecificPayload
{
  virtual ~RMWImplementationSpecificPayload() = default;
  bool has_been_customized() const {return get_implementation_identifier() != nullptr;}
  virtual const char * get_implementation_identifier() const {return nullptr;}
};
}  // namespace rclcpp::detail
