//! What each distro's test_rmw_implementation expects where the distros differ (the table in
//! `rmw_hazcat_rs::api::distro_ret`), written out per distro so the tests check the library
//! against upstream rather than against its own constants.

use rmw_hazcat_rs::sys::*;

/// test_wait_set.cpp `rmw_destroy_wait_set`, `rmw_destroy_wait_set(nullptr)`: RMW_RET_ERROR in
/// rmw_implementation 2.8.x (Humble) and 2.15.x (Jazzy).
#[cfg(any(ros_distro = "humble", ros_distro = "jazzy"))]
pub const DESTROY_WAIT_SET_NULL: rmw_ret_t = RMW_RET_ERROR;
/// As above: RMW_RET_INVALID_ARGUMENT from rmw_implementation 3.0.x (Kilted; rolling since
/// rmw_implementation#234).
#[cfg(not(any(ros_distro = "humble", ros_distro = "jazzy")))]
pub const DESTROY_WAIT_SET_NULL: rmw_ret_t = RMW_RET_INVALID_ARGUMENT;

/// test_client.cpp `service_server_is_available_bad_args`, NULL node / client / is_available:
/// RMW_RET_ERROR in Humble and Jazzy.
#[cfg(any(ros_distro = "humble", ros_distro = "jazzy"))]
pub const SERVER_IS_AVAILABLE_NULL: rmw_ret_t = RMW_RET_ERROR;
/// As above: RMW_RET_INVALID_ARGUMENT from Kilted (rmw_implementation#231).
#[cfg(not(any(ros_distro = "humble", ros_distro = "jazzy")))]
pub const SERVER_IS_AVAILABLE_NULL: rmw_ret_t = RMW_RET_INVALID_ARGUMENT;
