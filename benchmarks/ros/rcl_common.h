// SPDX-License-Identifier: Apache-2.0
// What the rcl benchmark programs (rcl_pingpong.c, rcl_stream_cpu.c) share: failing loudly on an
// rcl error, and one node in its own context.
#ifndef HAZCAT_BENCH_RCL_COMMON_H_
#define HAZCAT_BENCH_RCL_COMMON_H_

#include <stdio.h>
#include <stdlib.h>

#include "rcl/error_handling.h"
#include "rcl/rcl.h"

// Exits with status 2, naming the call and rcl's error, when an rcl call fails.
#define CHECK(x) do { rcl_ret_t r_ = (x); if (r_ != RCL_RET_OK) { \
      fprintf(stderr, "%s:%d: %s failed: %d %s\n", __FILE__, __LINE__, #x, (int)r_, \
      rcl_get_error_string().str); exit(2); } } while (0)

// Initializes `ctx` and a node named `name` in it.
static inline void start_node(const char * name, rcl_context_t * ctx, rcl_node_t * node)
{
  rcl_init_options_t io = rcl_get_zero_initialized_init_options();
  CHECK(rcl_init_options_init(&io, rcl_get_default_allocator()));
  *ctx = rcl_get_zero_initialized_context();
  CHECK(rcl_init(0, NULL, &io, ctx));
  CHECK(rcl_init_options_fini(&io));
  *node = rcl_get_zero_initialized_node();
  rcl_node_options_t no = rcl_node_get_default_options();
  CHECK(rcl_node_init(node, name, "", ctx, &no));
}

// Destroys what start_node made.
static inline void stop_node(rcl_context_t * ctx, rcl_node_t * node)
{
  CHECK(rcl_node_fini(node));
  CHECK(rcl_shutdown(ctx));
  CHECK(rcl_context_fini(ctx));
}

#endif  // HAZCAT_BENCH_RCL_COMMON_H_
