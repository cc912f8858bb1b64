//! `librmw_hazcat_rs.so`: the ROS 2 rmw C ABI implemented over `hazcat_core`.

pub mod sys;

pub mod typesupport;
