//! Bad-argument return codes that differ between ROS distros.
//!
//! Each distro is held to its own `test_rmw_implementation` (ros2/rmw_implementation: Humble
//! 2.8.x, Jazzy 2.15.x, Kilted 3.0.x; Lyrical follows rolling). Two assertions changed in rolling
//! in June 2024 (after Jazzy branched, never backported), so Humble and Jazzy expect
//! `RMW_RET_ERROR` where Kilted and later expect `RMW_RET_INVALID_ARGUMENT`:
//!
//! | function                          | NULL argument    | humble | jazzy | kilted+ |
//! |-----------------------------------|------------------|--------|-------|---------|
//! | `rmw_destroy_wait_set`            | `wait_set`       | ERROR  | ERROR | INVALID |
//! | `rmw_service_server_is_available` | any of its three | ERROR  | ERROR | INVALID |
//!
//! ERROR = `RMW_RET_ERROR`, INVALID = `RMW_RET_INVALID_ARGUMENT`, kilted+ = Kilted and Lyrical.
//! Upstream: test_wait_set.cpp `TestWaitSet.rmw_destroy_wait_set` (changed by
//! rmw_implementation#234) and test_client.cpp `TestClientUse.service_server_is_available_bad_args`
//! (changed by rmw_implementation#231).
//!
//! No other NULL / bad-argument code those suites assert differs between Humble, Jazzy and
//! Kilted (functions a distro lacks, e.g. `rmw_get_gid_for_client` or `rmw_count_clients` in
//! Humble, are simply not tested there); Lyrical is taken to keep Kilted's codes. The tests
//! mirror this table in `tests/common/upstream.rs`.

use crate::sys::{rmw_ret_t, RMW_RET_ERROR, RMW_RET_INVALID_ARGUMENT};

/// Humble and Jazzy: the distros whose suites still expect `RMW_RET_ERROR` in the table above.
const ERROR_FOR_NULL: bool = cfg!(any(ros_distro = "humble", ros_distro = "jazzy"));

const fn by_distro() -> rmw_ret_t {
    if ERROR_FOR_NULL {
        RMW_RET_ERROR
    } else {
        RMW_RET_INVALID_ARGUMENT
    }
}

/// `rmw_destroy_wait_set(NULL)`.
pub const DESTROY_WAIT_SET_NULL: rmw_ret_t = by_distro();

/// `rmw_service_server_is_available` with a NULL `node`, `client` or `is_available`.
pub const SERVER_IS_AVAILABLE_NULL: rmw_ret_t = by_distro();
