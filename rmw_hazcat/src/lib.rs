//! `librmw_hazcat_rs.so`: the ROS 2 rmw C ABI implemented over `hazcat_core`.
//!
//! Layers: [`api`] (the exported `extern "C"` functions: validate, convert, delegate),
//! [`handle`] (the only casts between rmw handles and Rust objects), [`ret`] (error reporting,
//! panic fence), [`detail`] (the safe object layer over hazcat_core), [`typesupport`] (message
//! layouts and CDR), [`sys`] (the C ABI types per ROS distro).

pub mod api;
pub mod cmem;
pub mod detail;
pub mod handle;
pub mod logging;
pub mod ret;
pub mod sys;
pub mod typesupport;
