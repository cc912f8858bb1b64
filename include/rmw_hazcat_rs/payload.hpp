// SPDX-License-Identifier: Apache-2.0
/**
 * \file rmw_hazcat_rs/payload.hpp
 * \brief rclcpp publisher / subscription options that choose the hazcat memory domain, pool size
 *        and queue depth of one endpoint in code.
 *
 * \code
 * #include <rmw_hazcat_rs/payload.hpp>
 * rclcpp::PublisherOptions opts;
 * opts.rmw_implementation_payload =
 *   std::make_shared<rmw_hazcat_rs::PublisherPayload>(rmw_hazcat_rs::EndpointOptions::cuda(0));
 * auto pub = node->create_publisher<sensor_msgs::msg::Image>("image", 10, opts);
 * \endcode
 *
 * rclcpp calls `modify_rmw_*_options()` just before `rcl_*_init()`, which points
 * `rmw_specific_publisher_payload` / `rmw_specific_subscription_payload` at the payload's
 * `hazcat_endpoint_options_t` (contract: rmw_hazcat_rs/options.h). The payload object lives in
 * the options' shared_ptr for that call; the rmw copies what it needs and keeps no pointer.
 * Under another RMW the payload is inert: rclcpp applies it anyway, and that RMW ignores a
 * payload it does not recognise (hazcat's is tagged by HAZCAT_ENDPOINT_OPTIONS_MAGIC).
 *
 * Only for rclcpp: this header needs <rclcpp/detail/rmw_implementation_specific_*_payload.hpp>
 * (rclcpp, all distros since Foxy). C and rcl users fill a hazcat_endpoint_options_t from
 * rmw_hazcat_rs/options.h themselves.
 */
#ifndef RMW_HAZCAT_RS__PAYLOAD_HPP_
#define RMW_HAZCAT_RS__PAYLOAD_HPP_

#if defined(__has_include)
#if !__has_include(<rclcpp/detail/rmw_implementation_specific_publisher_payload.hpp>)
#error "rmw_hazcat_rs/payload.hpp needs rclcpp; C and rcl code uses rmw_hazcat_rs/options.h"
#endif
#endif

#include <cstdint>

#include <rclcpp/detail/rmw_implementation_specific_publisher_payload.hpp>
#include <rclcpp/detail/rmw_implementation_specific_subscription_payload.hpp>
#include <rmw/types.h>

#include "rmw_hazcat_rs/options.h"

namespace rmw_hazcat_rs
{

/// Identifier returned by rmw_get_implementation_identifier() of librmw_hazcat_rs.so.
constexpr const char * kImplementationIdentifier = "rmw_hazcat_rs";

/// hazcat_endpoint_options_t with a fluent C++ face; unset fields defer to HAZCAT_CONFIG.
struct EndpointOptions
{
  hazcat_endpoint_options_t raw = hazcat_endpoint_options_default();

  /// Host memory.
  static EndpointOptions host() {return EndpointOptions{}.domain(HAZCAT_DOMAIN_HOST, 0);}
  /// Memory of CUDA device `device`.
  static EndpointOptions cuda(uint32_t device) {return EndpointOptions{}.domain(HAZCAT_DOMAIN_CUDA, device);}
  /// Emulated device domain `device` (host memory reached by copies only; tests without a GPU).
  static EndpointOptions emulated(uint32_t device)
  {
    return EndpointOptions{}.domain(HAZCAT_DOMAIN_EMULATED, device);
  }

  /// Sets the memory domain.
  EndpointOptions & domain(hazcat_domain_kind_t kind, uint32_t device)
  {
    raw.domain_kind = static_cast<uint32_t>(kind);
    raw.device = device;
    return *this;
  }
  /// Sets the size of each memory pool in bytes (0: configuration / default).
  EndpointOptions & pool_size(uint64_t bytes) {raw.pool_size = bytes; return *this;}
  /// Overrides the queue depth (0: the QoS depth).
  EndpointOptions & depth(uint32_t d) {raw.depth = d; return *this;}
};

/// Publisher payload: `PublisherOptions::rmw_implementation_payload`.
class PublisherPayload : public rclcpp::detail::RMWImplementationSpecificPublisherPayload
{
public:
  explicit PublisherPayload(EndpointOptions options = EndpointOptions{})
  : options_(options.raw) {}

  const char * get_implementation_identifier() const override {return kImplementationIdentifier;}

  void modify_rmw_publisher_options(rmw_publisher_options_t & options) const override
  {
    options.rmw_specific_publisher_payload = const_cast<hazcat_endpoint_options_t *>(&options_);
  }

  /// The options handed to the rmw.
  const hazcat_endpoint_options_t & options() const {return options_;}

private:
  hazcat_endpoint_options_t options_;
};

/// Subscription payload: `SubscriptionOptions::rmw_implementation_payload`.
class SubscriptionPayload : public rclcpp::detail::RMWImplementationSpecificSubscriptionPayload
{
public:
  explicit SubscriptionPayload(EndpointOptions options = EndpointOptions{})
  : options_(options.raw) {}

  const char * get_implementation_identifier() const override {return kImplementationIdentifier;}

  void modify_rmw_subscription_options(rmw_subscription_options_t & options) const override
  {
    options.rmw_specific_subscription_payload =
      const_cast<hazcat_endpoint_options_t *>(&options_);
  }

  /// The options handed to the rmw.
  const hazcat_endpoint_options_t & options() const {return options_;}

private:
  hazcat_endpoint_options_t options_;
};

}  // namespace rmw_hazcat_rs

#endif  // RMW_HAZCAT_RS__PAYLOAD_HPP_
