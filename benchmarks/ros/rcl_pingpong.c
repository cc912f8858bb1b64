// SPDX-License-Identifier: Apache-2.0
// rcl ping-pong round trip, the loop of the rclcpp `pingpong` demo (rmw_hazcat_demos) without
// rclcpp: take, and if nothing was there rcl_wait on a wait set holding the subscription (and,
// with --events, the two subscription events rclcpp's WaitSet adds by default), then take again.
// Built and driven by benchmarks/ros/rcl_pingpong.sh against the PyPI wheels' rcl; any RMW.
//
//   rcl_pingpong ping|pong KIND ITERS PHASES [--events] [--loan]
//     KIND: bytes:N  std_msgs/UInt8MultiArray with N data bytes (not plain: serialized)
//           fixed64  hazcat_test_msgs/Fixed64 (plain, 64 B)
//           fixed4k  hazcat_test_msgs/Fixed4K (plain, 4 KiB)
//           fixed1m  hazcat_test_msgs/LargeFixed (plain, 1 MiB + 40 B)
//     PHASES: how many times a fresh publisher/subscription pair is created (after the previous
//       pair is destroyed) and ITERS round trips measured on it; ping prints one line per phase.
//     --loan: plain kinds publish from rcl_borrow_loaned_message (as the demo does when the RMW
//       can loan).
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcl/error_handling.h"
#include "rcl/rcl.h"
#include "rcl/event.h"
#include "rcl/graph.h"
#include "rcl/wait.h"
#include "rosidl_runtime_c/primitives_sequence_functions.h"
#include "std_msgs/msg/u_int8_multi_array.h"

#define CHECK(x) do { rcl_ret_t r_ = (x); if (r_ != RCL_RET_OK) { \
      fprintf(stderr, "%s:%d: %s failed: %d %s\n", __FILE__, __LINE__, #x, (int)r_, \
      rcl_get_error_string().str); exit(2); } } while (0)

static const uint64_t STOP = UINT64_MAX;

typedef struct
{
  const rosidl_message_type_support_t * ts;
  int plain;
  size_t plain_size;  // bytes of the plain struct (seq at offset 0)
  size_t bytes;       // UInt8MultiArray data length
} kind_t;

static double now_us(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static const rosidl_message_type_support_t * test_msgs_ts(const char * name)
{
  // The typesupport_c library finds its generator_c dependency through LD_LIBRARY_PATH.
  static void * lib;
  if (!lib) {
    lib = dlopen("libhazcat_test_msgs__rosidl_typesupport_c.so", RTLD_NOW | RTLD_GLOBAL);
    if (!lib) {fprintf(stderr, "dlopen: %s\n", dlerror()); exit(2);}
  }
  char sym[256];
  snprintf(sym, sizeof sym,
    "rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__%s", name);
  const rosidl_message_type_support_t * (*get)(void) =
    (const rosidl_message_type_support_t * (*)(void))dlsym(lib, sym);
  if (!get) {fprintf(stderr, "dlsym %s: %s\n", sym, dlerror()); exit(2);}
  return get();
}

static kind_t parse_kind(const char * s)
{
  kind_t k = {0};
  if (strncmp(s, "bytes:", 6) == 0) {
    k.ts = ROSIDL_GET_MSG_TYPE_SUPPORT(std_msgs, msg, UInt8MultiArray);
    k.bytes = strtoull(s + 6, NULL, 10);
  } else if (strcmp(s, "fixed64") == 0) {
    k.ts = test_msgs_ts("Fixed64"); k.plain = 1; k.plain_size = 64;
  } else if (strcmp(s, "fixed4k") == 0) {
    k.ts = test_msgs_ts("Fixed4K"); k.plain = 1; k.plain_size = 4096;
  } else if (strcmp(s, "fixed1m") == 0) {
    k.ts = test_msgs_ts("LargeFixed"); k.plain = 1; k.plain_size = 40 + (1 << 20);
  } else {
    fprintf(stderr, "unknown kind %s\n", s); exit(2);
  }
  return k;
}

static void * new_msg(const kind_t * k)
{
  if (k->plain) {
    return calloc(1, k->plain_size);
  }
  std_msgs__msg__UInt8MultiArray * m = std_msgs__msg__UInt8MultiArray__create();
  if (k->bytes && !rosidl_runtime_c__uint8__Sequence__init(&m->data, k->bytes)) {exit(2);}
  return m;
}

static uint64_t get_seq(const kind_t * k, const void * m)
{
  if (k->plain) {
    uint64_t s;
    memcpy(&s, m, 8);
    return s;
  }
  uint32_t s = ((const std_msgs__msg__UInt8MultiArray *)m)->layout.data_offset;
  return s == UINT32_MAX ? STOP : s;
}

static void set_seq(const kind_t * k, void * m, uint64_t s)
{
  if (k->plain) {
    memcpy(m, &s, 8);
  } else {
    ((std_msgs__msg__UInt8MultiArray *)m)->layout.data_offset =
      s == STOP ? UINT32_MAX : (uint32_t)s;
  }
}

typedef struct
{
  rcl_node_t * node;
  rcl_publisher_t pub;
  rcl_subscription_t sub;
  rcl_event_t ev[2];
  int events;
  rcl_wait_set_t ws;
} pair_t;

static void publish(pair_t * p, const kind_t * k, void * msg, uint64_t seq, int loan)
{
  if (k->plain && loan && rcl_publisher_can_loan_messages(&p->pub)) {
    void * l = NULL;
    CHECK(rcl_borrow_loaned_message(&p->pub, k->ts, &l));
    set_seq(k, l, seq);
    CHECK(rcl_publish_loaned_message(&p->pub, l, NULL));
    return;
  }
  set_seq(k, msg, seq);
  CHECK(rcl_publish(&p->pub, msg, NULL));
}

// Takes one message into `msg`: rcl_take first, rcl_wait when nothing is there (5 s max).
static int take_one(pair_t * p, void * msg)
{
  rmw_message_info_t info;
  for (;;) {
    rcl_ret_t r = rcl_take(&p->sub, msg, &info, NULL);
    if (r == RCL_RET_OK) {return 1;}
    if (r != RCL_RET_SUBSCRIPTION_TAKE_FAILED) {CHECK(r);}
    CHECK(rcl_wait_set_clear(&p->ws));
    CHECK(rcl_wait_set_add_subscription(&p->ws, &p->sub, NULL));
    for (int i = 0; i < p->events; ++i) {
      CHECK(rcl_wait_set_add_event(&p->ws, &p->ev[i], NULL));
    }
    r = rcl_wait(&p->ws, RCL_S_TO_NS(5));
    if (r == RCL_RET_TIMEOUT) {return 0;}
    CHECK(r);
  }
}

static int cmp(const void * a, const void * b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char ** argv)
{
  if (argc < 5) {
    fprintf(stderr, "usage: %s ping|pong KIND ITERS PHASES [--events] [--loan]\n", argv[0]);
    return 2;
  }
  const int ping = strcmp(argv[1], "ping") == 0;
  const kind_t k = parse_kind(argv[2]);
  const int iters = atoi(argv[3]), phases = atoi(argv[4]), warm = 100;
  int events = 0, loan = 0;
  for (int i = 5; i < argc; ++i) {
    events |= strcmp(argv[i], "--events") == 0;
    loan |= strcmp(argv[i], "--loan") == 0;
  }
  rcl_allocator_t alloc = rcl_get_default_allocator();
  rcl_init_options_t io = rcl_get_zero_initialized_init_options();
  CHECK(rcl_init_options_init(&io, alloc));
  rcl_context_t ctx = rcl_get_zero_initialized_context();
  CHECK(rcl_init(0, NULL, &io, &ctx));
  rcl_node_t node = rcl_get_zero_initialized_node();
  rcl_node_options_t no = rcl_node_get_default_options();
  CHECK(rcl_node_init(&node, ping ? "rcl_ping" : "rcl_pong", "", &ctx, &no));
  void * msg = new_msg(&k);
  double * rtt = malloc(sizeof(double) * (size_t)iters);

  for (int ph = 0; ph < phases; ++ph) {
    pair_t p = {.node = &node, .events = events ? 2 : 0};
    char out_topic[128], in_topic[128];
    snprintf(out_topic, sizeof out_topic, "%s_%s_%d", ping ? "ping" : "pong", argv[2], ph);
    snprintf(in_topic, sizeof in_topic, "%s_%s_%d", ping ? "pong" : "ping", argv[2], ph);
    for (char * c = out_topic; *c; ++c) {if (*c == ':') {*c = '_';}}
    for (char * c = in_topic; *c; ++c) {if (*c == ':') {*c = '_';}}
    rcl_publisher_options_t po = rcl_publisher_get_default_options();
    po.qos.depth = 1;
    po.qos.reliability = RMW_QOS_POLICY_RELIABILITY_RELIABLE;
    rcl_subscription_options_t so = rcl_subscription_get_default_options();
    so.qos = po.qos;
    p.pub = rcl_get_zero_initialized_publisher();
    p.sub = rcl_get_zero_initialized_subscription();
    CHECK(rcl_publisher_init(&p.pub, &node, k.ts, out_topic, &po));
    CHECK(rcl_subscription_init(&p.sub, &node, k.ts, in_topic, &so));
    if (events) {
      p.ev[0] = rcl_get_zero_initialized_event();
      p.ev[1] = rcl_get_zero_initialized_event();
      CHECK(rcl_subscription_event_init(&p.ev[0], &p.sub,
        RCL_SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS));
      CHECK(rcl_subscription_event_init(&p.ev[1], &p.sub, RCL_SUBSCRIPTION_INCOMPATIBLE_TYPE));
    }
    p.ws = rcl_get_zero_initialized_wait_set();
    CHECK(rcl_wait_set_init(&p.ws, 1, 0, 0, 0, 0, (size_t)p.events, &ctx, alloc));
    if (ping) {
      size_t nsub = 0, npub = 0;
      for (;;) {  // discovery, not timed (the demo sleeps 10 ms the same way)
        CHECK(rcl_publisher_get_subscription_count(&p.pub, &nsub));
        CHECK(rcl_subscription_get_publisher_count(&p.sub, &npub));
        if (nsub && npub) {break;}
        usleep(10000);
      }
      int n = 0;
      for (int i = 0; i < warm + iters; ++i) {
        const double t0 = now_us();
        publish(&p, &k, msg, (uint64_t)i, loan);
        if (!take_one(&p, msg)) {fprintf(stderr, "no pong within 5 s\n"); return 1;}
        if (i >= warm) {rtt[n++] = now_us() - t0;}
      }
      // The stop message carries no payload (a large one might still be in flight when this
      // process leaves).
      if (!k.plain) {((std_msgs__msg__UInt8MultiArray *)msg)->data.size = 0;}
      publish(&p, &k, msg, STOP, loan);
      if (!k.plain) {((std_msgs__msg__UInt8MultiArray *)msg)->data.size = k.bytes;}
      qsort(rtt, (size_t)n, sizeof(double), cmp);
      printf("%s phase %d%s%s: p50 %.1f us p99 %.1f us (%s, %d round trips)\n", argv[2], ph,
        events ? " events" : "", loan ? " loan" : "", rtt[n / 2], rtt[(size_t)(n * 0.99)],
        getenv("RMW_IMPLEMENTATION") ? getenv("RMW_IMPLEMENTATION") : "default rmw", n);
      fflush(stdout);
    } else {
      for (;;) {
        if (!take_one(&p, msg)) {
          size_t npub = 0;  // 5 s without a ping: gone without its stop message?
          CHECK(rcl_subscription_get_publisher_count(&p.sub, &npub));
          if (npub == 0) {break;}
          continue;
        }
        const uint64_t s = get_seq(&k, msg);
        if (s == STOP) {break;}
        publish(&p, &k, msg, s, loan);
      }
    }
    CHECK(rcl_wait_set_fini(&p.ws));
    for (int i = 0; i < p.events; ++i) {CHECK(rcl_event_fini(&p.ev[i]));}
    CHECK(rcl_subscription_fini(&p.sub, &node));
    CHECK(rcl_publisher_fini(&p.pub, &node));
  }
  CHECK(rcl_node_fini(&node));
  CHECK(rcl_shutdown(&ctx));
  CHECK(rcl_context_fini(&ctx));
  return 0;
}
