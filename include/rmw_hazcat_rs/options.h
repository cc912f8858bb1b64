/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file rmw_hazcat_rs/options.h
 * \brief Per-endpoint options of rmw_hazcat_rs, passed in code instead of (or on top of) the
 *        `HAZCAT_CONFIG` file.
 *
 * Contract between an application and librmw_hazcat_rs.so (C, stable ABI):
 *
 * - The options reach the rmw through `rmw_publisher_options_t::rmw_specific_publisher_payload`
 *   or `rmw_subscription_options_t::rmw_specific_subscription_payload` as a pointer to a
 *   `hazcat_endpoint_options_t`. rclcpp users set it with the classes of
 *   `rmw_hazcat_rs/payload.hpp`; C (rcl) users set the field directly.
 * - The rmw reads the struct only during `rmw_create_publisher` / `rmw_create_subscription` and
 *   keeps no pointer to it: it may live on the caller's stack. rclcpp keeps its payload object
 *   alive for that call.
 * - The rmw accepts the payload only if `magic == HAZCAT_ENDPOINT_OPTIONS_MAGIC`; a payload with
 *   another magic (another RMW's payload) is ignored. With the right magic, a `version` the rmw
 *   does not know, an unknown `domain_kind`, or values out of range fail endpoint creation with
 *   `RMW_RET_INVALID_ARGUMENT` and an error message: never a silent fallback.
 * - Precedence, per field: payload (when its field is set) > first matching `HAZCAT_CONFIG` rule >
 *   the file's `defaults` > built-in defaults (host memory, 4 MiB pools, QoS depth).
 *   "Not set" is `HAZCAT_DOMAIN_UNSET`, `pool_size == 0`, `depth == 0`.
 * - Version 1 is this layout. Later versions only append fields and bump `version`; the rmw
 *   reads `struct_size` bytes at most.
 *
 * Memory domains (`domain_kind`, `device`): host memory (`device` must be 0), CUDA device
 * `device`, or an emulated device domain (host memory that behaves like a separate device; used
 * to test multi-domain set-ups without a GPU). With a CUDA domain, loans are in device memory:
 * see `rmw_hazcat_rs/device.h` for the contract and the helpers that tell where a loan lives.
 */
#ifndef RMW_HAZCAT_RS__OPTIONS_H_
#define RMW_HAZCAT_RS__OPTIONS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** "HZCO" (hazcat options), little endian: identifies a hazcat payload. */
#define HAZCAT_ENDPOINT_OPTIONS_MAGIC 0x4f435a48u
/** Layout version described in this header. */
#define HAZCAT_ENDPOINT_OPTIONS_VERSION 1u

/** Memory domain kinds; the values match hazcat_core's `DomainKind` (+1, 0 meaning unset). */
typedef enum hazcat_domain_kind_e
{
  /** Use the configuration file / defaults. */
  HAZCAT_DOMAIN_UNSET = 0,
  /** Host memory. */
  HAZCAT_DOMAIN_HOST = 1,
  /** CUDA device memory of device `device`. */
  HAZCAT_DOMAIN_CUDA = 2,
  /** Emulated device domain `device` (host memory reached only by copies). */
  HAZCAT_DOMAIN_EMULATED = 3
} hazcat_domain_kind_t;

/** Options of one publisher or subscription. Zero-initialise, then set what you need. */
typedef struct hazcat_endpoint_options_s
{
  /** Must be HAZCAT_ENDPOINT_OPTIONS_MAGIC. */
  uint32_t magic;
  /** Layout version, HAZCAT_ENDPOINT_OPTIONS_VERSION. */
  uint32_t version;
  /** sizeof(hazcat_endpoint_options_t) as compiled by the application. */
  uint32_t struct_size;
  /** A hazcat_domain_kind_t value. */
  uint32_t domain_kind;
  /** Device index for CUDA / emulated domains; 0 for host. */
  uint32_t device;
  /** Queue depth override (subscriptions) / history (transient-local publishers); 0: QoS depth. */
  uint32_t depth;
  /** Size of each memory pool in bytes; 0: configuration / default. */
  uint64_t pool_size;
} hazcat_endpoint_options_t;

/** Options with every field unset (the configuration file decides). */
static inline hazcat_endpoint_options_t hazcat_endpoint_options_default(void)
{
  hazcat_endpoint_options_t o;
  o.magic = HAZCAT_ENDPOINT_OPTIONS_MAGIC;
  o.version = HAZCAT_ENDPOINT_OPTIONS_VERSION;
  o.struct_size = (uint32_t)sizeof(hazcat_endpoint_options_t);
  o.domain_kind = HAZCAT_DOMAIN_UNSET;
  o.device = 0;
  o.depth = 0;
  o.pool_size = 0;
  return o;
}

#ifdef __cplusplus
}
#endif

#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(hazcat_endpoint_options_t) == 32, "hazcat_endpoint_options_t layout");
static_assert(offsetof(hazcat_endpoint_options_t, pool_size) == 24, "hazcat_endpoint_options_t");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(hazcat_endpoint_options_t) == 32, "hazcat_endpoint_options_t layout");
_Static_assert(offsetof(hazcat_endpoint_options_t, pool_size) == 24, "hazcat_endpoint_options_t");
#endif

#endif  /* RMW_HAZCAT_RS__OPTIONS_H_ */
