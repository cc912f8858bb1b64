//! `#[repr(C)]` ABI types of rmw and rcutils, one variant per ROS distro.
//!
//! - [`rcutils`]: the rcutils types in the rmw ABI, and the signatures of the rcutils
//!   error-state functions (resolved at run time, librcutils is never linked);
//! - [`common`]: rmw types identical in every distro;
//! - [`humble`], [`jazzy`], [`kilted`], [`lyrical`]: what differs per distro (Kilted re-exports
//!   the Jazzy types it shares, Lyrical the Kilted ones);
//! - [`symbols`]: the `rmw_*` names an implementation must export, per distro.
//!
//! The distro selected with `ROS_DISTRO` at build time (`cfg(ros_distro = "...")`) is
//! re-exported at this level, so code uses `sys::rmw_context_t` and gets the right layout. All
//! four variants are always compiled and their layouts asserted (see `layouts.rs`).
//! - [`rosidl`]: rosidl type support, introspection and runtime string/sequence types.
#![allow(non_camel_case_types, non_upper_case_globals, non_snake_case)]

pub mod common;
pub mod humble;
pub mod jazzy;
pub mod kilted;
mod layout_asserts;
pub mod lyrical;
pub mod rcutils;
pub mod rosidl;
pub mod symbols;

pub use common::*;
pub use rcutils::*;

#[cfg(ros_distro = "humble")]
pub use humble::*;
#[cfg(ros_distro = "jazzy")]
pub use jazzy::*;
#[cfg(ros_distro = "kilted")]
pub use kilted::*;
#[cfg(ros_distro = "lyrical")]
pub use lyrical::*;

/// The ROS distro whose ABI this build targets (from `ROS_DISTRO` at build time).
#[cfg(ros_distro = "humble")]
pub const ROS_DISTRO: &str = "humble";
/// The ROS distro whose ABI this build targets (from `ROS_DISTRO` at build time).
#[cfg(ros_distro = "jazzy")]
pub const ROS_DISTRO: &str = "jazzy";
/// The ROS distro whose ABI this build targets (from `ROS_DISTRO` at build time).
#[cfg(ros_distro = "kilted")]
pub const ROS_DISTRO: &str = "kilted";
/// The ROS distro whose ABI this build targets (from `ROS_DISTRO` at build time).
#[cfg(ros_distro = "lyrical")]
pub const ROS_DISTRO: &str = "lyrical";
