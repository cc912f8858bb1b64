// SPDX-License-Identifier: Apache-2.0
// rclcpp ping-pong round-trip latency, for comparing RMWs on one machine. The command line and
// the result lines are those of benchmarks/ros/rcl_pingpong.c too (benchmarks/ros/PINGPONG.md),
// so one runner (pingpong_table.py, started by `ros2 launch rmw_hazcat_rs pingpong.launch.py`)
// drives either.
//
//   pingpong pong [OPTIONS]   answers every case's messages, exits after the last case
//   pingpong ping [OPTIONS]   measures every case, one RESULT line per case on stdout
//
//   --mode M                default: an rclcpp::WaitSet and Subscription::take() into a reused
//                           message; callback: SingleThreadedExecutor and subscription callbacks;
//                           loaned: callback's code, run with ROS_DISABLE_LOANED_MESSAGES=0 so
//                           that the executor takes loans
//   --sizes LIST            comma list of bytes, suffix K or M (default 64,4K,64K,1M,16M,64M;
//                           plain messages exist for these six only)
//   --kinds LIST            plain (fixed-size message, loanable) and/or bytes (uint8[]: always
//                           serialized); default plain,bytes
//   --iterations N          measured round trips per case under 16 MiB (default 1000), after 10
//                           warm-up round trips
//   --large-iterations N    the same from 16 MiB on (default N/10+1)
//
// Both processes get the same options. For each kind, for each size, both create a fresh
// publisher and subscription (ping_<kind>_<bytes> and pong_<kind>_<bytes>, reliable, keep last 1);
// ping ends each case with seq = UINT64_MAX. Ping's line for a case:
//   RESULT kind=plain bytes=65536 mode=loaned loan_pub=1 loan_take=1 p50_us=2.3 p99_us=3.1
//     n=1000 rmw=rmw_hazcat_rs                                              (on one line)
// A case without an answer within 5 s prints only an error (stderr) and makes the exit status 1;
// Ctrl-C stops with status 130.
#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
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
using Clock = std::chrono::steady_clock;

constexpr uint64_t kStop = UINT64_MAX;  // the message that ends a case
constexpr int kWarmup = 10;
constexpr size_t kLarge = size_t{16} << 20;  // from here on, --large-iterations
constexpr auto kAnswerTimeout = 5s;  // a round trip slower than this fails the case
constexpr auto kResendEvery = 1s;  // the first message of a case (see run_ping)
constexpr int kFirstTries = 5;  // ... so also 5 s in all
constexpr auto kIdleTimeout = 30s;  // pong: nothing from ping for this long, ping is gone
constexpr auto kDiscoveryTimeout = 30s;  // ping: pong's pair not discovered, pong is gone
constexpr auto kLeaveTimeout = 5s;  // ping: pong leaving a case after the stop message
// Waits are cut into slices so that Ctrl-C (rclcpp::ok() false) is noticed soon: a WaitSet is
// not woken by the shutdown. A message still ends a wait at once.
constexpr std::chrono::nanoseconds kSlice = 100ms;

constexpr const char * kUsage =
  "usage: pingpong ping|pong [--mode default|callback|loaned] [--sizes LIST] [--kinds LIST]\n"
  "                [--iterations N] [--large-iterations N]\n";

enum class Mode {Default, Callback, Loaned};
// Failed: this case has no result; Abort: the other process is gone, no case can follow.
enum class Status {Ok, Failed, Abort, Interrupted};

struct Options
{
  bool ping = false;
  Mode mode = Mode::Default;
  std::string mode_name = "default";
  std::vector<size_t> sizes;
  std::vector<std::string> kinds;
  int iterations = 1000;
  int large_iterations = 0;
};

template<typename Msg>
constexpr bool kIsBytes = std::is_same_v<Msg, m::Bytes>;

// "plain kind=N bytes" means the message's array is exactly N bytes (the message is N+16).
template<typename Msg>
constexpr size_t kPlainBytes = std::tuple_size<decltype(Msg::data)>::value;
static_assert(kPlainBytes<m::Fixed64> == 64 && kPlainBytes<m::Fixed4K> == (size_t{4} << 10) &&
  kPlainBytes<m::Fixed64K> == (size_t{64} << 10) && kPlainBytes<m::Fixed1M> == (size_t{1} << 20) &&
  kPlainBytes<m::Fixed16M> == (size_t{16} << 20) && kPlainBytes<m::Fixed64M> == (size_t{64} << 20),
  "plain message sizes");

// One side's publisher and subscription for one case. Every message received goes to
// on_message(): pong answers it (or ends the case on kStop), ping notes its sequence number.
// Without an executor (default mode) messages are taken from a WaitSet into one reused message.
template<typename Msg>
class Endpoint
{
public:
  Endpoint(
    rclcpp::Node & node, rclcpp::Executor * exec, bool ping, const std::string & name,
    size_t bytes)
  : ping_(ping), exec_(exec)
  {
    const auto qos = rclcpp::QoS(1).reliable();
    sub_ = node.create_subscription<Msg>(
      (ping ? "pong_" : "ping_") + name, qos, [this](const Msg & msg) {on_message(msg.seq);});
    pub_ = node.create_publisher<Msg>((ping ? "ping_" : "pong_") + name, qos);
    if constexpr (kIsBytes<Msg>) {
      out_ = std::make_unique<Msg>();
      out_->data.resize(bytes);  // once per case: 64 MiB is never allocated per publish
    } else {
      (void)bytes;
      loan_pub_ = pub_->can_loan_messages();
      if (!loan_pub_) {
        out_ = std::make_unique<Msg>();  // up to 64 MiB: on the heap, reused
      }
    }
    if (exec_ == nullptr) {
      in_ = std::make_unique<Msg>();
      wait_set_.add_subscription(sub_);
    }
  }

  Endpoint(const Endpoint &) = delete;
  Endpoint & operator=(const Endpoint &) = delete;

  bool loan_pub() const {return loan_pub_;}
  // The default mode always copies into its own message.
  bool loan_take() const {return exec_ != nullptr && sub_->can_loan_messages();}
  size_t subscribers() const {return pub_->get_subscription_count();}
  bool matched() const {return subscribers() > 0 && sub_->get_publisher_count() > 0;}

  void send(uint64_t seq)
  {
    if (loan_pub_) {
      if constexpr (!kIsBytes<Msg>) {
        auto loan = pub_->borrow_loaned_message();
        loan.get().seq = seq;
        pub_->publish(std::move(loan));
      }
      return;
    }
    out_->seq = seq;
    pub_->publish(*out_);
  }

  // Ends the case (bytes: with an empty payload).
  void send_stop()
  {
    if constexpr (kIsBytes<Msg>) {
      Msg stop;
      stop.seq = kStop;
      pub_->publish(stop);
    } else {
      send(kStop);
    }
  }

  // Ping: waits for the answer to `seq`; late answers to a message sent twice are skipped.
  bool await(uint64_t seq, Clock::duration timeout)
  {
    const auto deadline = Clock::now() + timeout;
    while (answered_ != seq) {
      if (!receive(deadline)) {
        return false;
      }
    }
    return true;
  }

  // Pong: answers until ping ends the case (true), or nothing arrived for `idle` (false).
  bool serve(Clock::duration idle)
  {
    while (!stopped_) {
      if (!receive(Clock::now() + idle)) {
        return false;
      }
    }
    return true;
  }

private:
  // Handles what arrives until a message did (true), `deadline` passed or Ctrl-C (false).
  bool receive(Clock::time_point deadline)
  {
    const uint64_t before = received_;
    while (received_ == before) {
      const auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero() || !rclcpp::ok()) {
        return false;
      }
      const auto slice = std::min<std::chrono::nanoseconds>(left, kSlice);
      if (exec_ != nullptr) {
        exec_->spin_once(slice);
      } else if (sub_->take(*in_, info_)) {
        on_message(in_->seq);
      } else {
        // Ready or Timeout alike: the next turn takes, or looks at the deadline.
        (void)wait_set_.wait(slice).kind();
      }
    }
    return true;
  }

  void on_message(uint64_t seq)
  {
    ++received_;
    if (ping_) {
      answered_ = seq;
    } else if (seq == kStop) {
      stopped_ = true;
    } else {
      send(seq);
    }
  }

  const bool ping_;
  rclcpp::Executor * const exec_;
  // Declared before the wait set, so destroyed after it.
  typename rclcpp::Subscription<Msg>::SharedPtr sub_;
  typename rclcpp::Publisher<Msg>::SharedPtr pub_;
  rclcpp::WaitSet wait_set_;
  std::unique_ptr<Msg> out_;  // what this side publishes, unless it publishes loans
  std::unique_ptr<Msg> in_;  // default mode: what take() fills
  rclcpp::MessageInfo info_;
  bool loan_pub_ = false;
  uint64_t received_ = 0;
  uint64_t answered_ = kStop;
  bool stopped_ = false;
};

template<typename Msg>
Status run_ping(
  rclcpp::Node & node, rclcpp::Executor * exec, const Options & o, const std::string & kind,
  size_t bytes)
{
  const std::string name = kind + "_" + std::to_string(bytes);
  Endpoint<Msg> ep(node, exec, true, name, bytes);
  const auto discovery_deadline = Clock::now() + kDiscoveryTimeout;
  while (!ep.matched()) {  // discovery: not part of the timing
    if (!rclcpp::ok()) {
      return Status::Interrupted;
    }
    if (Clock::now() > discovery_deadline) {
      std::fprintf(stderr, "pingpong ping: %s: pong not discovered within 30 s\n", name.c_str());
      return Status::Abort;
    }
    std::this_thread::sleep_for(10ms);
  }

  const int n = bytes >= kLarge ? o.large_iterations : o.iterations;
  std::vector<double> rtt_us;
  rtt_us.reserve(static_cast<size_t>(n));
  Status status = Status::Ok;
  for (int i = 0; i < kWarmup + n; ++i) {
    const auto seq = static_cast<uint64_t>(i);
    const auto t0 = Clock::now();
    ep.send(seq);
    bool answered;
    if (i == 0) {
      // The first answer of a case can be lost: pong may answer before it has discovered this
      // subscription. So the first message is sent again every second until answered.
      answered = ep.await(seq, kResendEvery);
      for (int tries = 1; !answered && tries < kFirstTries && rclcpp::ok(); ++tries) {
        ep.send(seq);
        answered = ep.await(seq, kResendEvery);
      }
    } else {
      answered = ep.await(seq, kAnswerTimeout);
    }
    const auto t1 = Clock::now();
    if (!rclcpp::ok()) {
      return Status::Interrupted;
    }
    if (!answered) {
      std::fprintf(
        stderr, "pingpong ping: %s: no answer to message %d within 5 s\n", name.c_str(), i);
      status = Status::Failed;
      break;
    }
    if (i >= kWarmup) {
      rtt_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }

  // Pong destroys its pair once the stop message arrived: waiting for that (untimed) keeps the
  // message from being lost with this publisher, and the two processes in step.
  ep.send_stop();
  const auto leave_deadline = Clock::now() + kLeaveTimeout;
  while (ep.subscribers() > 0 && rclcpp::ok()) {
    if (Clock::now() > leave_deadline) {
      std::fprintf(stderr, "pingpong ping: %s: pong still in the case after 5 s\n", name.c_str());
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (!rclcpp::ok()) {
    return Status::Interrupted;
  }
  if (status != Status::Ok) {
    return status;
  }

  std::sort(rtt_us.begin(), rtt_us.end());
  auto pct = [&rtt_us](double q) {
      return rtt_us[static_cast<size_t>(q * static_cast<double>(rtt_us.size() - 1))];
    };
  std::printf(
    "RESULT kind=%s bytes=%zu mode=%s loan_pub=%d loan_take=%d p50_us=%.1f p99_us=%.1f n=%zu "
    "rmw=%s\n",
    kind.c_str(), bytes, o.mode_name.c_str(), ep.loan_pub() ? 1 : 0, ep.loan_take() ? 1 : 0,
    pct(0.5), pct(0.99), rtt_us.size(), rmw_get_implementation_identifier());
  std::fflush(stdout);
  return Status::Ok;
}

template<typename Msg>
Status run_pong(
  rclcpp::Node & node, rclcpp::Executor * exec, const std::string & kind, size_t bytes)
{
  const std::string name = kind + "_" + std::to_string(bytes);
  Endpoint<Msg> ep(node, exec, false, name, bytes);
  if (ep.serve(kIdleTimeout)) {
    return Status::Ok;
  }
  if (!rclcpp::ok()) {
    return Status::Interrupted;
  }
  std::fprintf(stderr, "pingpong pong: %s: nothing from ping for 30 s\n", name.c_str());
  return Status::Abort;
}

template<typename T>
struct Type
{
  using type = T;
};

// Calls f(Type<Msg>{}) with the message type of the case (kind, bytes), checked by parse().
template<typename F>
Status with_message_type(const std::string & kind, size_t bytes, F && f)
{
  if (kind == "bytes") {
    return f(Type<m::Bytes>{});
  }
  switch (bytes) {
    case size_t{64}: return f(Type<m::Fixed64>{});
    case size_t{4} << 10: return f(Type<m::Fixed4K>{});
    case size_t{64} << 10: return f(Type<m::Fixed64K>{});
    case size_t{1} << 20: return f(Type<m::Fixed1M>{});
    case size_t{16} << 20: return f(Type<m::Fixed16M>{});
    case size_t{64} << 20: return f(Type<m::Fixed64M>{});
    default: return Status::Abort;
  }
}

int run(const Options & o)
{
  auto node = std::make_shared<rclcpp::Node>(o.ping ? "ping" : "pong");
  // Declared after the node, so destroyed before it.
  std::unique_ptr<rclcpp::executors::SingleThreadedExecutor> exec;
  if (o.mode != Mode::Default) {
    exec = std::make_unique<rclcpp::executors::SingleThreadedExecutor>();
    exec->add_node(node);
  }
  bool failed = false;
  for (const auto & kind : o.kinds) {
    for (const size_t bytes : o.sizes) {
      const Status status = with_message_type(
        kind, bytes, [&](auto type) {
          using Msg = typename decltype(type)::type;
          return o.ping ? run_ping<Msg>(*node, exec.get(), o, kind, bytes) :
                 run_pong<Msg>(*node, exec.get(), kind, bytes);
        });
      if (status == Status::Interrupted) {
        return 130;
      }
      failed = failed || status != Status::Ok;
      if (status == Status::Abort) {
        return 1;
      }
    }
  }
  return failed ? 1 : 0;
}

std::vector<std::string> split(const std::string & list)
{
  std::vector<std::string> items;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    items.push_back(list.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) {
      return items;
    }
    start = comma + 1;
  }
}

// The decimal number `text` starts with (no sign, no space) and where it ends; false without one
// or on overflow.
bool parse_leading(const std::string & text, uint64_t & value, const char *& rest)
{
  if (text.empty() || text[0] < '0' || text[0] > '9') {
    return false;
  }
  char * end = nullptr;
  errno = 0;
  value = std::strtoull(text.c_str(), &end, 10);
  rest = end;
  return errno == 0;
}

bool parse_count(const std::string & text, int & out)
{
  uint64_t value = 0;
  const char * rest = nullptr;
  if (!parse_leading(text, value, rest) || *rest != '\0' || value < 1 || value > INT32_MAX) {
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

// An integer of bytes, with an optional suffix K (KiB) or M (MiB).
bool parse_size(const std::string & text, size_t & out)
{
  uint64_t value = 0;
  const char * rest = nullptr;
  if (!parse_leading(text, value, rest)) {
    return false;
  }
  const int shift = *rest == 'K' ? 10 : *rest == 'M' ? 20 : 0;
  if (shift != 0) {
    ++rest;
  }
  if (*rest != '\0' || value == 0 || value > (SIZE_MAX >> 20)) {
    return false;
  }
  out = static_cast<size_t>(value) << shift;
  return true;
}

bool is_plain_size(size_t bytes)
{
  for (const size_t plain : {size_t{64}, size_t{4} << 10, size_t{64} << 10, size_t{1} << 20,
      size_t{16} << 20, size_t{64} << 20})
  {
    if (bytes == plain) {
      return true;
    }
  }
  return false;
}

// Reads the arguments that rclcpp left (no ROS arguments); returns an error, empty if none.
std::string parse(const std::vector<std::string> & args, Options & o)
{
  if (args.size() < 2 || (args[1] != "ping" && args[1] != "pong")) {
    return "the first argument must be ping or pong";
  }
  o.ping = args[1] == "ping";
  std::string sizes = "64,4K,64K,1M,16M,64M";
  std::string kinds = "plain,bytes";
  bool large_given = false;
  for (size_t i = 2; i < args.size(); i += 2) {
    const std::string & flag = args[i];
    if (i + 1 == args.size()) {
      return flag + " needs a value";
    }
    const std::string & value = args[i + 1];
    if (flag == "--mode") {
      o.mode_name = value;
    } else if (flag == "--sizes") {
      sizes = value;
    } else if (flag == "--kinds") {
      kinds = value;
    } else if (flag == "--iterations") {
      if (!parse_count(value, o.iterations)) {
        return "--iterations: not a positive integer: " + value;
      }
    } else if (flag == "--large-iterations") {
      if (!parse_count(value, o.large_iterations)) {
        return "--large-iterations: not a positive integer: " + value;
      }
      large_given = true;
    } else {
      return "unknown argument: " + flag;
    }
  }
  if (o.mode_name == "default") {
    o.mode = Mode::Default;
  } else if (o.mode_name == "callback") {
    o.mode = Mode::Callback;
  } else if (o.mode_name == "loaned") {
    o.mode = Mode::Loaned;
  } else {
    return "--mode: default, callback or loaned, not " + o.mode_name;
  }
  if (!large_given) {
    o.large_iterations = o.iterations / 10 + 1;
  }
  o.kinds = split(kinds);
  for (const auto & kind : o.kinds) {
    if (kind != "plain" && kind != "bytes") {
      return "--kinds: plain or bytes, not '" + kind + "'";
    }
  }
  const bool plain = std::find(o.kinds.begin(), o.kinds.end(), "plain") != o.kinds.end();
  for (const auto & text : split(sizes)) {
    size_t bytes = 0;
    if (!parse_size(text, bytes)) {
      return "--sizes: not a size (bytes, optional suffix K or M): '" + text + "'";
    }
    if (plain && !is_plain_size(bytes)) {
      return "--sizes: plain messages exist for 64,4K,64K,1M,16M,64M only, not " + text;
    }
    o.sizes.push_back(bytes);
  }
  return "";
}
}  // namespace

int main(int argc, char ** argv)
{
  rclcpp::init(argc, argv);
  Options o;
  const std::string error = parse(rclcpp::remove_ros_arguments(argc, argv), o);
  if (!error.empty()) {
    std::fprintf(stderr, "pingpong: %s\n%s", error.c_str(), kUsage);
    rclcpp::shutdown();
    return 2;
  }
  const char * no_loans = std::getenv("ROS_DISABLE_LOANED_MESSAGES");
  if (o.mode == Mode::Loaned && (no_loans == nullptr || std::strcmp(no_loans, "0") != 0)) {
    std::fprintf(
      stderr, "pingpong: --mode loaned without ROS_DISABLE_LOANED_MESSAGES=0: rcl lends the "
      "subscriptions nothing (the runner sets it)\n");
  }
  int status = 0;
  try {
    status = run(o);
  } catch (const std::exception & e) {
    // After Ctrl-C, calls on the shut-down context may throw: that is the interruption.
    status = rclcpp::ok() ? 1 : 130;
    if (status == 1) {
      std::fprintf(stderr, "pingpong %s: %s\n", o.ping ? "ping" : "pong", e.what());
    }
  }
  if (status == 130) {
    std::fprintf(stderr, "pingpong %s: interrupted\n", o.ping ? "ping" : "pong");
  }
  rclcpp::shutdown();
  return status;
}
