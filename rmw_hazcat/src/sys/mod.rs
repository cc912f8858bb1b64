//! `#[repr(C)]` ABI types of rmw / rcutils / rosidl, one variant per ROS distro.
pub mod rosidl;
