/* SPDX-License-Identifier: Apache-2.0 */
/**
 * \file rmw_hazcat_rs/device.h
 * \brief Helpers for GPU nodes: where does a loaned message live?
 *
 * With rmw_hazcat_rs, an endpoint whose memory domain is `cuda:N` (set by `HAZCAT_CONFIG` or by
 * the payload of `rmw_hazcat_rs/options.h`) works with loans in CUDA device memory:
 *
 * - `rmw_borrow_loaned_message` on such a publisher returns a **device address** on device N
 *   (aligned to 256 bytes). Fill it with kernels or `cudaMemcpy`, make sure that work has
 *   finished (e.g. `cudaStreamSynchronize`), then `rmw_publish_loaned_message`. Never
 *   dereference it on the host.
 * - `rmw_take_loaned_message` on such a subscription returns the device address of the
 *   message bytes: the publisher's own bytes when it wrote in the same device domain (zero
 *   copies, also across processes), otherwise one copy made once per message and shared by
 *   every subscriber of that domain. Read-only; valid until returned with
 *   `rmw_return_loaned_message_from_subscription`.
 * - Host subscriptions of the same topic get the host copy (one device-to-host copy per
 *   message however many host subscriptions there are). `rmw_publish` / `rmw_take` without
 *   loans work on every endpoint: the middleware copies between host and device itself.
 *
 * The functions below are exported by librmw_hazcat_rs.so (resolve them with `dlsym` when the
 * RMW is chosen at run time). They never dereference `loaned_message`.
 */
#ifndef RMW_HAZCAT_RS__DEVICE_H_
#define RMW_HAZCAT_RS__DEVICE_H_

#include <stdbool.h>
#include <stdint.h>

#include "rmw_hazcat_rs/options.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Memory domain of a loan handed out by this process (borrowed from a publisher or taken from
 * a subscription and not yet published or returned).
 *
 * \param[in] loaned_message the loan's address
 * \param[out] kind a hazcat_domain_kind_t: HAZCAT_DOMAIN_CUDA, HAZCAT_DOMAIN_EMULATED, or
 *   HAZCAT_DOMAIN_HOST for every address that is not a live loan in a device domain
 * \param[out] device the device index (0 for host)
 * \return 0 (RMW_RET_OK), or 11 (RMW_RET_INVALID_ARGUMENT) if an argument is NULL
 */
int32_t rmw_hazcat_loan_domain(const void * loaned_message, int32_t * kind, int32_t * device);

/** Whether `loaned_message` is a live loan of this process in CUDA device memory. */
bool rmw_hazcat_loan_is_device(const void * loaned_message);

#ifdef __cplusplus
}
#endif

#endif  /* RMW_HAZCAT_RS__DEVICE_H_ */
