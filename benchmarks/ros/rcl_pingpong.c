// SPDX-License-Identifier: Apache-2.0
// rcl ping-pong round trip: the rclcpp `pingpong` demo (rmw_hazcat_demos) on rcl alone, with the
// same command line and result lines (benchmarks/ros/PINGPONG.md), so benchmarks/ros/
// pingpong_table.py drives either over a list of RMWs. Built by benchmarks/ros/rcl_pingpong.sh
// against the PyPI wheels' rcl; messages from hazcat_test_msgs (Fixed64 .. Fixed64M, Bytes).
//
//   rcl_pingpong ping|pong [--mode default|callback|loaned] [--sizes 64,4K,...]
//                [--kinds plain,bytes] [--iterations N] [--large-iterations N]
//
// Each mode runs the rcl calls rclcpp makes for it:
//   default   rclcpp::WaitSet + Subscription::take: take into a reused message; when nothing is
//             there, rcl_wait on the subscription and its two default events, then take again.
//   callback  SingleThreadedExecutor: rcl_wait on the executor's set (three guard conditions, the
//             subscription, its two events), then take (a loan when the subscription can loan,
//             else into a reused message) and run the callback.
//   loaned    callback, started with ROS_DISABLE_LOANED_MESSAGES=0 by the runner so that rcl lets
//             the subscription loan (rcl_take_loaned_message + return).
// Plain messages are published from rcl_borrow_loaned_message when the publisher can loan (as
// rclcpp's borrow_loaned_message), otherwise from a reused message.
#define _GNU_SOURCE  // RTLD_DEFAULT
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hazcat_test_msgs/msg/bytes.h"
#include "rcl/event.h"
#include "rcl/graph.h"
#include "rcl/guard_condition.h"
#include "rcl/rcl.h"
#include "rcl_common.h"
#include "rcl/wait.h"
#include "rosidl_runtime_c/message_type_support_struct.h"
#include "rosidl_runtime_c/primitives_sequence_functions.h"

// The plain messages' type supports (the typesupport_c library links the generated C code).
#define PLAIN_TS(N) \
  const rosidl_message_type_support_t * \
  rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__ ## N(void);
PLAIN_TS(Fixed64)
PLAIN_TS(Fixed4K)
PLAIN_TS(Fixed64K)
PLAIN_TS(Fixed1M)
PLAIN_TS(Fixed16M)
PLAIN_TS(Fixed64M)
PLAIN_TS(Bytes)

static const uint64_t STOP = UINT64_MAX;
static const int WARM_UP = 10;

enum mode { MODE_DEFAULT, MODE_CALLBACK, MODE_LOANED };
static const char * const MODE_NAMES[] = {"default", "callback", "loaned"};

// One case: a message kind and size.
typedef struct
{
  int plain;
  size_t bytes;
  const rosidl_message_type_support_t * ts;
} case_t;

// The loaded RMW's identifier: librcl resolves the rmw_* functions at load time (the wheels link
// rmw_fastrtps_cpp; LD_PRELOAD puts another RMW first), so ask the process, not one library.
static const char * rmw_name(void)
{
  const char * (*id)(void) = (const char * (*)(void))dlsym(RTLD_DEFAULT,
    "rmw_get_implementation_identifier");
  return id ? id() : "unknown";
}

static double now_us(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static const rosidl_message_type_support_t * plain_ts(size_t bytes)
{
  switch (bytes) {
    case 64: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed64();
    case 4096: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed4K();
    case 65536: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed64K();
    case 1u << 20: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed1M();
    case 16u << 20: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed16M();
    case 64u << 20: return rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Fixed64M();
    default: return NULL;
  }
}

// A reused message of the case's type: the plain struct (seq first, `bytes` long) or Bytes.
static void * new_msg(const case_t * c)
{
  if (c->plain) {
    void * m = calloc(1, c->bytes);
    if (!m) {fprintf(stderr, "out of memory\n"); exit(2);}
    return m;
  }
  hazcat_test_msgs__msg__Bytes * m = hazcat_test_msgs__msg__Bytes__create();
  if (!m || !rosidl_runtime_c__uint8__Sequence__init(&m->data, c->bytes)) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return m;
}

static void free_msg(const case_t * c, void * m)
{
  if (c->plain) {
    free(m);
  } else {
    hazcat_test_msgs__msg__Bytes__destroy(m);
  }
}

static uint64_t get_seq(const void * m)
{
  uint64_t s;  // both kinds start with `uint64 seq`
  memcpy(&s, m, 8);
  return s;
}

static void set_seq(void * m, uint64_t s)
{
  memcpy(m, &s, 8);
}

typedef struct
{
  enum mode mode;
  case_t c;
  rcl_context_t * ctx;
  rcl_node_t * node;
  rcl_publisher_t pub;
  rcl_subscription_t sub;
  rcl_event_t ev[2];
  rcl_guard_condition_t gc[3];  // callback modes: the executor's interrupt, shutdown, node guards
  rcl_wait_set_t ws;
  void * msg;   // reused message (publish without loans, take without loans)
  int loan_pub;
  int loan_take;
} pair_t;

static void publish(pair_t * p, uint64_t seq)
{
  if (p->loan_pub) {
    void * l = NULL;
    CHECK(rcl_borrow_loaned_message(&p->pub, p->c.ts, &l));
    set_seq(l, seq);
    CHECK(rcl_publish_loaned_message(&p->pub, l, NULL));
    return;
  }
  set_seq(p->msg, seq);
  CHECK(rcl_publish(&p->pub, p->msg, NULL));
}

static int wait_once(pair_t * p, int64_t timeout_ns)
{
  CHECK(rcl_wait_set_clear(&p->ws));
  if (p->mode != MODE_DEFAULT) {
    for (int i = 0; i < 3; ++i) {CHECK(rcl_wait_set_add_guard_condition(&p->ws, &p->gc[i], NULL));}
  }
  CHECK(rcl_wait_set_add_subscription(&p->ws, &p->sub, NULL));
  for (int i = 0; i < 2; ++i) {CHECK(rcl_wait_set_add_event(&p->ws, &p->ev[i], NULL));}
  rcl_ret_t r = rcl_wait(&p->ws, timeout_ns);
  if (r == RCL_RET_TIMEOUT) {return 0;}
  CHECK(r);
  return 1;
}

// Takes one message and returns its seq (and, for pong, answers it); 0 when nothing was taken.
static int take(pair_t * p, uint64_t * seq, int answer)
{
  rmw_message_info_t info;
  if (p->loan_take) {
    void * l = NULL;
    rcl_ret_t r = rcl_take_loaned_message(&p->sub, &l, &info, NULL);
    if (r == RCL_RET_SUBSCRIPTION_TAKE_FAILED) {return 0;}
    CHECK(r);
    *seq = get_seq(l);  // the callback: reads the message in place
    if (answer && *seq != STOP) {publish(p, *seq);}
    CHECK(rcl_return_loaned_message_from_subscription(&p->sub, l));
    return 1;
  }
  rcl_ret_t r = rcl_take(&p->sub, p->msg, &info, NULL);
  if (r == RCL_RET_SUBSCRIPTION_TAKE_FAILED) {return 0;}
  CHECK(r);
  *seq = get_seq(p->msg);
  if (answer && *seq != STOP) {publish(p, *seq);}
  return 1;
}

// One message within `timeout_ns`: 1 taken, 0 timed out.
static int receive(pair_t * p, uint64_t * seq, int answer, int64_t timeout_ns)
{
  const double deadline = now_us() + (double)timeout_ns / 1e3;
  if (p->mode == MODE_DEFAULT) {  // WaitSet loop: take first, wait when nothing is there
    for (;;) {
      if (take(p, seq, answer)) {return 1;}
      const double left = deadline - now_us();
      if (left <= 0 || !wait_once(p, (int64_t)(left * 1e3))) {return 0;}
    }
  }
  for (;;) {  // executor: wait, then execute what is ready
    const double left = deadline - now_us();
    if (left <= 0 || !wait_once(p, (int64_t)(left * 1e3))) {return 0;}
    if (p->ws.subscriptions[0] && take(p, seq, answer)) {return 1;}
  }
}

static void open_pair(pair_t * p, int ping, rcl_allocator_t alloc)
{
  char out_topic[96], in_topic[96];
  const char * kind = p->c.plain ? "plain" : "bytes";
  snprintf(out_topic, sizeof out_topic, "%s_%s_%zu", ping ? "ping" : "pong", kind, p->c.bytes);
  snprintf(in_topic, sizeof in_topic, "%s_%s_%zu", ping ? "pong" : "ping", kind, p->c.bytes);
  rcl_publisher_options_t po = rcl_publisher_get_default_options();
  po.qos.history = RMW_QOS_POLICY_HISTORY_KEEP_LAST;
  po.qos.depth = 1;
  po.qos.reliability = RMW_QOS_POLICY_RELIABILITY_RELIABLE;
  rcl_subscription_options_t so = rcl_subscription_get_default_options();
  so.qos = po.qos;
  p->pub = rcl_get_zero_initialized_publisher();
  p->sub = rcl_get_zero_initialized_subscription();
  CHECK(rcl_publisher_init(&p->pub, p->node, p->c.ts, out_topic, &po));
  CHECK(rcl_subscription_init(&p->sub, p->node, p->c.ts, in_topic, &so));
  for (int i = 0; i < 2; ++i) {p->ev[i] = rcl_get_zero_initialized_event();}
  CHECK(rcl_subscription_event_init(&p->ev[0], &p->sub,
    RCL_SUBSCRIPTION_REQUESTED_INCOMPATIBLE_QOS));
  CHECK(rcl_subscription_event_init(&p->ev[1], &p->sub, RCL_SUBSCRIPTION_INCOMPATIBLE_TYPE));
  const size_t ngc = p->mode == MODE_DEFAULT ? 0 : 3;
  for (size_t i = 0; i < ngc; ++i) {
    p->gc[i] = rcl_get_zero_initialized_guard_condition();
    CHECK(rcl_guard_condition_init(&p->gc[i], p->ctx, rcl_guard_condition_get_default_options()));
  }
  p->ws = rcl_get_zero_initialized_wait_set();
  CHECK(rcl_wait_set_init(&p->ws, 1, ngc, 0, 0, 0, 2, p->ctx, alloc));
  p->msg = new_msg(&p->c);
  p->loan_pub = p->c.plain && rcl_publisher_can_loan_messages(&p->pub);
  p->loan_take = p->mode != MODE_DEFAULT && rcl_subscription_can_loan_messages(&p->sub);
}

static void close_pair(pair_t * p)
{
  CHECK(rcl_wait_set_fini(&p->ws));
  for (int i = 0; p->mode != MODE_DEFAULT && i < 3; ++i) {CHECK(rcl_guard_condition_fini(&p->gc[i]));}
  for (int i = 0; i < 2; ++i) {CHECK(rcl_event_fini(&p->ev[i]));}
  CHECK(rcl_subscription_fini(&p->sub, p->node));
  CHECK(rcl_publisher_fini(&p->pub, p->node));
  free_msg(&p->c, p->msg);
}

static int cmp(const void * a, const void * b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// Measures one case; 0 on success.
static int run_ping(pair_t * p, int iters)
{
  size_t nsub = 0, npub = 0;
  for (int i = 0;; ++i) {  // discovery, not timed (the demo polls every 10 ms the same way)
    CHECK(rcl_publisher_get_subscription_count(&p->pub, &nsub));
    CHECK(rcl_subscription_get_publisher_count(&p->sub, &npub));
    if (nsub && npub) {break;}
    if (i == 6000) {fprintf(stderr, "no pong within 60 s\n"); return 1;}
    usleep(10000);
  }
  double * rtt = malloc(sizeof(double) * (size_t)iters);
  if (!rtt) {fprintf(stderr, "out of memory\n"); exit(2);}
  int n = 0, ok = 1;
  for (int i = 0; i < WARM_UP + iters && ok; ++i) {
    const double t0 = now_us();
    publish(p, (uint64_t)i);
    uint64_t seq = STOP;
    // An answer to an earlier round trip (a resent first message) is skipped.
    while ((ok = receive(p, &seq, 0, RCL_S_TO_NS(i ? 5 : 1))) && seq != (uint64_t)i) {}
    // The first answer can be lost: pong may answer before it has discovered this subscription
    // (DDS discovery is not symmetric). So the first message is resent every second, 5 s in all.
    for (int tries = 1; i == 0 && !ok && tries < 5; ++tries) {
      publish(p, 0);
      while ((ok = receive(p, &seq, 0, RCL_S_TO_NS(1))) && seq != 0) {}
    }
    if (ok && i >= WARM_UP) {rtt[n++] = now_us() - t0;}
  }
  // The stop message carries no payload. Its echo says pong has it: a publisher destroyed
  // right after publishing may take an undelivered message with it (Fast DDS does).
  if (!p->c.plain) {((hazcat_test_msgs__msg__Bytes *)p->msg)->data.size = 0;}
  publish(p, STOP);
  uint64_t seq = 0;
  while (ok && (ok = receive(p, &seq, 0, RCL_S_TO_NS(5))) && seq != STOP) {}
  if (!ok) {
    fprintf(stderr, "%s %zu B: no answer within 5 s\n", p->c.plain ? "plain" : "bytes", p->c.bytes);
    free(rtt);
    return 1;
  }
  qsort(rtt, (size_t)n, sizeof(double), cmp);
  printf("RESULT kind=%s bytes=%zu mode=%s loan_pub=%d loan_take=%d p50_us=%.1f p99_us=%.1f "
    "n=%d rmw=%s\n", p->c.plain ? "plain" : "bytes", p->c.bytes, MODE_NAMES[p->mode], p->loan_pub,
    p->loan_take, rtt[(size_t)((n - 1) * 0.5)], rtt[(size_t)((n - 1) * 0.99)], n, rmw_name());
  fflush(stdout);
  free(rtt);
  return 0;
}

// Answers one case until its stop message; 0 on success.
static int run_pong(pair_t * p)
{
  for (int idle = 0;;) {
    uint64_t seq = 0;
    if (receive(p, &seq, 1, RCL_S_TO_NS(5))) {
      if (seq == STOP) {
        // Echo it, and keep the publisher until ping, having it, destroys its subscription.
        if (!p->c.plain) {((hazcat_test_msgs__msg__Bytes *)p->msg)->data.size = 0;}
        publish(p, STOP);
        size_t nsub = 1;
        for (int i = 0; i < 5000 && nsub; ++i) {
          CHECK(rcl_publisher_get_subscription_count(&p->pub, &nsub));
          if (nsub) {usleep(1000);}
        }
        return 0;
      }
      idle = 0;
      continue;
    }
    size_t npub = 0;  // 30 s without anything from a ping that left: give up
    CHECK(rcl_subscription_get_publisher_count(&p->sub, &npub));
    if (++idle >= 6 && npub == 0) {
      fprintf(stderr, "pong %s %zu B: ping gone\n", p->c.plain ? "plain" : "bytes", p->c.bytes);
      return 1;
    }
  }
}

static size_t parse_size(const char * s)
{
  char * end = NULL;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end == 'K') {v <<= 10; ++end;} else if (*end == 'M') {v <<= 20; ++end;}
  if (end == s || (*end && *end != ',')) {fprintf(stderr, "bad size '%s'\n", s); exit(2);}
  return (size_t)v;
}

int main(int argc, char ** argv)
{
  const char * usage = "usage: %s ping|pong [--mode default|callback|loaned] [--sizes LIST] "
    "[--kinds plain,bytes] [--iterations N] [--large-iterations N]\n";
  if (argc < 2 || (strcmp(argv[1], "ping") && strcmp(argv[1], "pong"))) {
    fprintf(stderr, usage, argv[0]);
    return 2;
  }
  const int ping = strcmp(argv[1], "ping") == 0;
  enum mode mode = MODE_DEFAULT;
  const char * sizes = "64,4K,64K,1M,16M,64M", * kinds = "plain,bytes";
  int iters = 1000, large_iters = -1;
  for (int i = 2; i < argc; ++i) {
    const char * a = argv[i], * v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--ros-args") == 0) {break;}
    if (!v) {fprintf(stderr, usage, argv[0]); return 2;}
    if (strcmp(a, "--mode") == 0) {
      int found = 0;
      for (int m = 0; m < 3; ++m) {
        if (strcmp(v, MODE_NAMES[m]) == 0) {mode = (enum mode)m; found = 1;}
      }
      if (!found) {fprintf(stderr, "unknown mode '%s'\n", v); return 2;}
    } else if (strcmp(a, "--sizes") == 0) {
      sizes = v;
    } else if (strcmp(a, "--kinds") == 0) {
      kinds = v;
    } else if (strcmp(a, "--iterations") == 0) {
      iters = atoi(v);
    } else if (strcmp(a, "--large-iterations") == 0) {
      large_iters = atoi(v);
    } else {
      fprintf(stderr, usage, argv[0]);
      return 2;
    }
    ++i;
  }
  if (large_iters < 0) {large_iters = iters / 10 + 1;}
  if (iters < 1 || large_iters < 1) {fprintf(stderr, "iterations must be positive\n"); return 2;}

  rcl_allocator_t alloc = rcl_get_default_allocator();
  rcl_context_t ctx;
  rcl_node_t node;
  start_node(ping ? "rcl_ping" : "rcl_pong", &ctx, &node);

  int failed = 0;
  char kbuf[64];
  snprintf(kbuf, sizeof kbuf, "%s", kinds);
  for (char * save = NULL, * kind = strtok_r(kbuf, ",", &save); kind;
    kind = strtok_r(NULL, ",", &save))
  {
    if (strcmp(kind, "plain") && strcmp(kind, "bytes")) {
      fprintf(stderr, "unknown kind '%s'\n", kind);
      return 2;
    }
    for (const char * s = sizes; *s; s += strcspn(s, ","), s += *s == ',') {
      pair_t p = {.mode = mode, .ctx = &ctx, .node = &node};
      p.c.plain = strcmp(kind, "plain") == 0;
      p.c.bytes = parse_size(s);
      p.c.ts = p.c.plain ? plain_ts(p.c.bytes) :
        rosidl_typesupport_c__get_message_type_support_handle__hazcat_test_msgs__msg__Bytes();
      if (!p.c.ts) {fprintf(stderr, "no plain message of %zu bytes\n", p.c.bytes); return 2;}
      open_pair(&p, ping, alloc);
      failed |= ping ? run_ping(&p, p.c.bytes >= (16u << 20) ? large_iters : iters) : run_pong(&p);
      close_pair(&p);
    }
  }
  stop_node(&ctx, &node);
  return failed;
}
