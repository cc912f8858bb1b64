// SPDX-License-Identifier: Apache-2.0
// GPU pipeline, one source for three executables (HAZCAT_GPU_ROLE_*):
//   gpu_producer  publisher in cuda:0 (HAZCAT_CONFIG or the payload below): its loans are device
//                 memory; the frame is filled on the GPU with cudaMemsetAsync, nothing on the host.
//   gpu_consumer  subscription in cuda:0, another process: takes the loan and reads the same
//                 device bytes (checks the first byte with one 1-byte cudaMemcpy).
//   gpu_stats     subscription in host memory: gets one host copy per message, prints statistics.
// With rmw_hazcat_rs a loan of a CUDA-domain endpoint points to device memory; under any other
// RMW the producer warns and falls back to host messages.
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <utility>

#include "rclcpp/rclcpp.hpp"
#include "rmw_hazcat_demos/msg/frame.hpp"
#include "rmw_hazcat_rs/payload.hpp"

using Frame = rmw_hazcat_demos::msg::Frame;
using namespace std::chrono_literals;
constexpr const char * kTopic = "gpu_frames";

static void check(cudaError_t e, const char * what)
{
  if (e != cudaSuccess) {
    std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
    std::exit(1);
  }
}

int main(int argc, char ** argv)
{
  rclcpp::init(argc, argv);
#if defined(HAZCAT_GPU_ROLE_PRODUCER)
  auto node = std::make_shared<rclcpp::Node>("gpu_producer");
  rclcpp::PublisherOptions opts;
  opts.rmw_implementation_payload =
    std::make_shared<rmw_hazcat_rs::PublisherPayload>(rmw_hazcat_rs::EndpointOptions::cuda(0));
  auto pub = node->create_publisher<Frame>(kTopic, rclcpp::QoS(4), opts);
  cudaStream_t stream;
  check(cudaStreamCreate(&stream), "cudaStreamCreate");
  uint64_t seq = 0;
  auto timer = node->create_wall_timer(33ms, [&] {
      if (!pub->can_loan_messages()) {
        RCLCPP_WARN_ONCE(node->get_logger(), "no loans from this RMW: GPU path unavailable");
        return;
      }
      auto loan = pub->borrow_loaned_message();
      // Device memory: only the GPU writes it (the whole message, fields included).
      Frame * dev = &loan.get();
      check(cudaMemsetAsync(dev, static_cast<int>(seq & 0xff), sizeof(Frame), stream), "memset");
      check(cudaStreamSynchronize(stream), "sync");
      pub->publish(std::move(loan));
      ++seq;
    });
  rclcpp::spin(node);
#elif defined(HAZCAT_GPU_ROLE_CONSUMER)
  auto node = std::make_shared<rclcpp::Node>("gpu_consumer");
  rclcpp::SubscriptionOptions opts;
  opts.rmw_implementation_payload = std::make_shared<rmw_hazcat_rs::SubscriptionPayload>(
    rmw_hazcat_rs::EndpointOptions::cuda(0));
  uint64_t n = 0;
  auto sub = node->create_subscription<Frame>(kTopic, rclcpp::QoS(4), [&](const Frame & dev) {
        unsigned char first = 0;  // `dev` is in device memory: read it the CUDA way
        check(cudaMemcpy(&first, dev.data.data(), 1, cudaMemcpyDeviceToHost), "memcpy");
        if (++n % 30 == 0) {
          RCLCPP_INFO(node->get_logger(), "%lu device frames, last first byte %u",
            static_cast<unsigned long>(n), first);
        }
      }, opts);
  rclcpp::spin(node);
#else
  auto node = std::make_shared<rclcpp::Node>("gpu_stats");
  uint64_t n = 0;
  auto start = std::chrono::steady_clock::now();
  auto sub = node->create_subscription<Frame>(kTopic, rclcpp::QoS(1), [&](const Frame & f) {
        if (++n % 30 == 0) {
          const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
          RCLCPP_INFO(node->get_logger(), "%lu frames (%.1f/s, %.1f MiB/s host copies), byte %u",
            static_cast<unsigned long>(n), n / s, n * sizeof(f.data) / s / (1 << 20), f.data[0]);
        }
      });
  rclcpp::spin(node);
#endif
  rclcpp::shutdown();
  return 0;
}
