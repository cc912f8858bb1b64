// SPDX-License-Identifier: Apache-2.0
// rclcpp ping-pong round-trip latency for comparing RMWs on one machine.
//   pingpong pong                      echoes every message back
//   pingpong ping [--iterations N]     for each size (64 B .. 64 MiB), plain and non-plain:
//                                      N round trips, prints p50 / p99 in microseconds
// Plain (fixed-size) messages are published from loans when the RMW can loan them; the
// non-plain Bytes message (a sequence) always goes through serialization.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "rclcpp/rclcpp.hpp"
#include "rmw/rmw.h"
#include "rmw_hazcat_demos/msg/bytes.hpp"
#include "rmw_hazcat_demos/msg/fixed16_m.hpp"
#include "rmw_hazcat_demos/msg/fixed1_m.hpp"
#include "rmw_hazcat_demos/msg/fixed4_k.hpp"
#include "rmw_hazcat_demos/msg/fixed64.hpp"
#include "rmw_hazcat_demos/msg/fixed64_k.hpp"
#include "rmw_hazcat_demos/msg/fixed64_m.hpp"

using namespace std::chrono_literals;
namespace m = rmw_hazcat_demos::msg;

namespace
{
const auto kQos = rclcpp::QoS(1).reliable();

template<typename Msg>
void publish(typename rclcpp::Publisher<Msg>::SharedPtr & pub, uint64_t seq, size_t bytes)
{
  if constexpr (std::is_same_v<Msg, m::Bytes>) {
    Msg msg;
    msg.seq = seq;
    msg.data.resize(bytes);
    pub->publish(msg);
  } else {
    (void)bytes;
    if (pub->can_loan_messages()) {
      auto loan = pub->borrow_loaned_message();
      loan.get().seq = seq;
      pub->publish(std::move(loan));
    } else {
      auto msg = std::make_unique<Msg>();
      msg->seq = seq;
      pub->publish(std::move(msg));
    }
  }
}

// Waits for one message on `sub` (true) or gives up after 5 s (false).
template<typename Msg>
bool take_one(rclcpp::WaitSet & ws, typename rclcpp::Subscription<Msg>::SharedPtr & sub, Msg & out)
{
  rclcpp::MessageInfo info;
  while (true) {
    if (sub->take(out, info)) {
      return true;
    }
    if (ws.wait(5s).kind() != rclcpp::WaitResultKind::Ready) {
      return false;
    }
  }
}

template<typename Msg>
void run_pong(rclcpp::Node::SharedPtr node, const std::string & name, size_t bytes)
{
  auto pub = node->create_publisher<Msg>("pong_" + name, kQos);
  auto sub = node->create_subscription<Msg>("ping_" + name, kQos, [](const Msg &) {});
  rclcpp::WaitSet ws({}, {}, {}, {}, {});
  ws.add_subscription(sub);
  auto msg = std::make_unique<Msg>();  // up to 64 MiB: never on the stack
  while (rclcpp::ok()) {
    if (!take_one<Msg>(ws, sub, *msg)) {
      continue;
    }
    if (msg->seq == UINT64_MAX) {
      return;  // end of this size
    }
    publish<Msg>(pub, msg->seq, bytes);
  }
}

template<typename Msg>
void run_ping(rclcpp::Node::SharedPtr node, const std::string & name, size_t bytes, int iterations)
{
  auto pub = node->create_publisher<Msg>("ping_" + name, kQos);
  auto sub = node->create_subscription<Msg>("pong_" + name, kQos, [](const Msg &) {});
  rclcpp::WaitSet ws({}, {}, {}, {}, {});
  ws.add_subscription(sub);
  while (pub->get_subscription_count() == 0 || sub->get_publisher_count() == 0) {
    if (!rclcpp::ok()) {return;}
    std::this_thread::sleep_for(10ms);  // discovery of the pong node; not part of the timing
  }
  std::vector<double> rtt;
  auto msg = std::make_unique<Msg>();
  for (int i = 0; i < iterations + 10 && rclcpp::ok(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    publish<Msg>(pub, static_cast<uint64_t>(i), bytes);
    if (!take_one<Msg>(ws, sub, *msg)) {
      std::fprintf(stderr, "%s: no pong within 5 s\n", name.c_str());
      break;
    }
    if (i >= 10) {
      rtt.push_back(std::chrono::duration<double, std::micro>(
          std::chrono::steady_clock::now() - t0).count());
    }
  }
  publish<Msg>(pub, UINT64_MAX, 0);
  if (rtt.empty()) {return;}
  std::sort(rtt.begin(), rtt.end());
  auto pct = [&](double q) {return rtt[static_cast<size_t>(q * (rtt.size() - 1))];};
  std::printf("%-22s %10zu B  p50 %10.1f us  p99 %10.1f us  (%s, %zu round trips)\n",
    name.c_str(), bytes, pct(0.5), pct(0.99), rmw_get_implementation_identifier(), rtt.size());
  std::fflush(stdout);
}

template<typename Msg>
void run(bool ping, rclcpp::Node::SharedPtr node, const std::string & name, size_t bytes, int n)
{
  if (ping) {
    run_ping<Msg>(node, name, bytes, n);
  } else {
    run_pong<Msg>(node, name, bytes);
  }
}
}  // namespace

int main(int argc, char ** argv)
{
  rclcpp::init(argc, argv);
  auto args = rclcpp::remove_ros_arguments(argc, argv);
  const bool ping = args.size() > 1 && args[1] == "ping";
  int iterations = 1000;
  for (size_t i = 2; i + 1 < args.size(); ++i) {
    if (args[i] == "--iterations") {iterations = std::atoi(args[i + 1].c_str());}
  }
  auto node = std::make_shared<rclcpp::Node>(ping ? "ping" : "pong");
  run<m::Fixed64>(ping, node, "plain_64", 64, iterations);
  run<m::Fixed4K>(ping, node, "plain_4K", 4096, iterations);
  run<m::Fixed64K>(ping, node, "plain_64K", 65536, iterations);
  run<m::Fixed1M>(ping, node, "plain_1M", 1 << 20, iterations);
  run<m::Fixed16M>(ping, node, "plain_16M", 16 << 20, iterations / 10 + 1);
  run<m::Fixed64M>(ping, node, "plain_64M", 64 << 20, iterations / 10 + 1);
  for (size_t bytes : {size_t{64}, size_t{4096}, size_t{65536}, size_t{1} << 20, size_t{16} << 20,
      size_t{64} << 20})
  {
    run<m::Bytes>(ping, node, "bytes_" + std::to_string(bytes), bytes,
      bytes >= (16u << 20) ? iterations / 10 + 1 : iterations);
  }
  rclcpp::shutdown();
  return 0;
}
