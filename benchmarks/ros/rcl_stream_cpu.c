// SPDX-License-Identifier: Apache-2.0
// The CPU time a subscriber spends waiting for a steady stream: what adaptive polling in rmw_wait
// costs (benchmarks/ros/stream_cpu.py runs it per rate and HAZCAT_WAIT_SPIN_US setting).
//
//   rcl_stream_cpu pub RATE_HZ SECONDS    publishes hazcat_test_msgs/Fixed64 at RATE_HZ, then a
//                                         stop message (seq = UINT64_MAX), resent until the
//                                         subscriber has left
//   rcl_stream_cpu sub                    takes messages as an executor does (rcl_wait on a wait
//                                         set reused across waits, then take) until the stop
//                                         message; prints one line:
//     STREAM received=N seconds=S cpu_s=C          (C: this process's user + system CPU time
//                                                   from the first message to the stop message)
// Reliable, keep last 100. Built by benchmarks/ros/rcl_pingpong.sh.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "rcl/graph.h"
#include "rcl/rcl.h"
#include "rcl_common.h"
#include "rcl/wait.h"
#include "rosidl_runtime_c/message_type_support_struct.h"

const rosidl_message_type_support_t *
rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed64(void);

static const uint64_t STOP = UINT64_MAX;

static double now_s(clockid_t clock)
{
  struct timespec t;
  clock_gettime(clock, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu_s(void)
{
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Sleeps until `deadline` (CLOCK_MONOTONIC seconds); the last 100 µs spin, so that rates of tens
// of kHz stay steady on a VM whose sleeps overshoot.
static void sleep_until(double deadline)
{
  for (;;) {
    const double left = deadline - now_s(CLOCK_MONOTONIC);
    if (left <= 0) {return;}
    if (left > 100e-6) {
      struct timespec t = {0, (long)((left - 100e-6) * 1e9)};
      nanosleep(&t, NULL);
    }
  }
}

int main(int argc, char ** argv)
{
  const int pub = argc == 4 && strcmp(argv[1], "pub") == 0;
  if (!pub && !(argc == 2 && strcmp(argv[1], "sub") == 0)) {
    fprintf(stderr, "usage: %s pub RATE_HZ SECONDS | sub\n", argv[0]);
    return 2;
  }
  const rosidl_message_type_support_t * ts =
    rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed64();
  rcl_allocator_t alloc = rcl_get_default_allocator();
  rcl_context_t ctx;
  rcl_node_t node;
  start_node(pub ? "stream_pub" : "stream_sub", &ctx, &node);
  rmw_qos_profile_t qos = rmw_qos_profile_default;
  qos.depth = 100;
  uint8_t msg[64] = {0};
  uint64_t seq = 0;
  int rc = 0;

  if (pub) {
    const double rate = atof(argv[2]), seconds = atof(argv[3]);
    rcl_publisher_t p = rcl_get_zero_initialized_publisher();
    rcl_publisher_options_t po = rcl_publisher_get_default_options();
    po.qos = qos;
    CHECK(rcl_publisher_init(&p, &node, ts, "stream_cpu", &po));
    size_t n = 0;
    for (int i = 0; n == 0; ++i) {  // the subscriber first (polled, not timed)
      CHECK(rcl_publisher_get_subscription_count(&p, &n));
      if (i == 6000) {fprintf(stderr, "no subscriber within 60 s\n"); return 1;}
      if (n == 0) {usleep(10000);}
    }
    const double start = now_s(CLOCK_MONOTONIC);
    const uint64_t total = (uint64_t)(rate * seconds);
    for (seq = 0; seq < total; ++seq) {
      sleep_until(start + (double)seq / rate);
      memcpy(msg, &seq, 8);
      CHECK(rcl_publish(&p, msg, NULL));
    }
    // The stop message, until the subscriber has it (it then leaves): a publisher destroyed at
    // once may take an undelivered message with it.
    memcpy(msg, &STOP, 8);
    for (int i = 0; n > 0; ++i) {
      if (i % 100 == 0) {CHECK(rcl_publish(&p, msg, NULL));}
      if (i == 3000) {fprintf(stderr, "subscriber still there after 30 s\n"); rc = 1; break;}
      usleep(10000);
      CHECK(rcl_publisher_get_subscription_count(&p, &n));
    }
    CHECK(rcl_publisher_fini(&p, &node));
  } else {
    rcl_subscription_t s = rcl_get_zero_initialized_subscription();
    rcl_subscription_options_t so = rcl_subscription_get_default_options();
    so.qos = qos;
    CHECK(rcl_subscription_init(&s, &node, ts, "stream_cpu", &so));
    rcl_wait_set_t ws = rcl_get_zero_initialized_wait_set();
    CHECK(rcl_wait_set_init(&ws, 1, 0, 0, 0, 0, 0, &ctx, alloc));
    uint64_t received = 0;
    double t0 = 0, c0 = 0;
    rc = 1;
    for (;;) {
      CHECK(rcl_wait_set_clear(&ws));
      CHECK(rcl_wait_set_add_subscription(&ws, &s, NULL));
      rcl_ret_t r = rcl_wait(&ws, RCL_S_TO_NS(60));
      if (r == RCL_RET_TIMEOUT) {fprintf(stderr, "nothing for 60 s\n"); break;}
      CHECK(r);
      rmw_message_info_t info;
      while ((r = rcl_take(&s, msg, &info, NULL)) == RCL_RET_OK) {
        memcpy(&seq, msg, 8);
        if (received++ == 0) {t0 = now_s(CLOCK_MONOTONIC); c0 = cpu_s();}
        if (seq == STOP) {break;}
      }
      if (r != RCL_RET_OK && r != RCL_RET_SUBSCRIPTION_TAKE_FAILED) {CHECK(r);}
      if (r == RCL_RET_OK && seq == STOP) {
        printf("STREAM received=%llu seconds=%.3f cpu_s=%.4f\n",
          (unsigned long long)(received - 1), now_s(CLOCK_MONOTONIC) - t0, cpu_s() - c0);
        rc = 0;
        break;
      }
    }
    CHECK(rcl_wait_set_fini(&ws));
    CHECK(rcl_subscription_fini(&s, &node));
  }
  stop_node(&ctx, &node);
  return rc;
}
