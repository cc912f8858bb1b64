//! The safe object layer behind the C entry points: one type per rmw object, each owning its
//! hazcat_core resources and released by `Drop`. Nothing here touches C pointers except the
//! few plain-old-data handle fields that `handle.rs` gives it.

pub mod context;
pub mod endpoint_options;
pub mod event;
pub mod graph;
pub mod guard;
pub mod loans;
pub mod names;
pub mod node;
pub mod notifier;
pub mod publisher;
pub mod qos;
pub mod service;
pub mod subscription;
pub mod wait_set;
pub mod wait_spin;
