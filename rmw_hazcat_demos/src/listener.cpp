// SPDX-License-Identifier: Apache-2.0
// Receives Frame messages; rclcpp takes them as loans when the RMW offers loans, so the callback
// reads the publisher's bytes in shared memory.
#include <memory>

#include "rclcpp/rclcpp.hpp"
#include "rmw_hazcat_demos/msg/frame.hpp"

using Frame = rmw_hazcat_demos::msg::Frame;

int main(int argc, char ** argv)
{
  rclcpp::init(argc, argv);
  auto node = std::make_shared<rclcpp::Node>("listener");
  auto sub = node->create_subscription<Frame>(
    "frames", rclcpp::QoS(4), [node](const Frame & f) {
      const double ms = (node->now().nanoseconds() - static_cast<int64_t>(f.stamp_ns)) / 1e6;
      RCLCPP_INFO(node->get_logger(), "frame %lu: first byte %u, %.3f ms after publish",
        static_cast<unsigned long>(f.seq), f.data[0], ms);
    });
  rclcpp::spin(node);
  rclcpp::shutdown();
  return 0;
}
