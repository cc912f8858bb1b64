// SPDX-License-Identifier: Apache-2.0
// Publishes 8 MiB Frame messages from loans: with rmw_hazcat_rs the frame is written straight
// into shared memory and no byte is copied on the way to any subscriber in the same memory domain.
#include <chrono>
#include <cstring>
#include <memory>
#include <utility>

#include "rclcpp/rclcpp.hpp"
#include "rmw_hazcat_demos/msg/frame.hpp"

using Frame = rmw_hazcat_demos::msg::Frame;
using namespace std::chrono_literals;

class LoanedTalker : public rclcpp::Node
{
public:
  LoanedTalker()
  : Node("talker")
  {
    pub_ = create_publisher<Frame>("frames", rclcpp::QoS(4));
    timer_ = create_wall_timer(100ms, [this] {publish();});
  }

private:
  void publish()
  {
    const auto now = static_cast<uint64_t>(this->now().nanoseconds());
    if (pub_->can_loan_messages()) {
      auto loan = pub_->borrow_loaned_message();
      Frame & f = loan.get();
      f.seq = seq_;
      f.stamp_ns = now;
      std::memset(f.data.data(), static_cast<int>(seq_ & 0xff), 4096);  // touch a page or so
      pub_->publish(std::move(loan));
    } else {
      auto f = std::make_unique<Frame>();
      f->seq = seq_;
      f->stamp_ns = now;
      pub_->publish(std::move(f));
      RCLCPP_WARN_ONCE(get_logger(), "the RMW cannot loan Frame: publishing copies");
    }
    RCLCPP_INFO(get_logger(), "published frame %lu (%zu bytes)", static_cast<unsigned long>(seq_),
      sizeof(Frame::_data_type));
    ++seq_;
  }

  rclcpp::Publisher<Frame>::SharedPtr pub_;
  rclcpp::TimerBase::SharedPtr timer_;
  uint64_t seq_ = 0;
};

int main(int argc, char ** argv)
{
  rclcpp::init(argc, argv);
  rclcpp::spin(std::make_shared<LoanedTalker>());
  rclcpp::shutdown();
  return 0;
}
