//! # hazcat_core
//!
//! Daemonless, zero-copy publish/subscribe over shared memory between processes of one machine,
//! where every message may live in several *memory domains* (host RAM, CUDA devices). When a
//! subscriber needs a message in a domain where it does not exist yet, hazcat copies it once and
//! every later subscriber in that domain reuses the copy.
//!
//! ```no_run
//! use hazcat_core::{Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions, TypeInfo};
//! let p = Participant::join(0)?;
//! let topic = p.topic("/chatter", &TypeInfo::named("std_msgs/msg/String"))?;
//! let sub = Subscriber::new(&topic, SubscriberOptions::default())?;
//! let publ = Publisher::new(&topic, PublisherOptions::default())?;
//! let mut loan = publ.loan(5)?;
//! loan.as_mut_slice().unwrap().copy_from_slice(b"hello");
//! publ.publish(loan)?;
//! let msg = sub.take()?.expect("queued");
//! assert_eq!(msg.bytes(), Some(&b"hello"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Layout, bottom up: [`os`] (the only libc code), [`segment`] (validated shared-memory
//! objects), the domain registry and the membership of a process in it (listeners, guard
//! conditions), [`alloc`] (pools of blocks and the [`alloc::MemoryBackend`] trait, with the host
//! and emulated backends), `cuda` (device pools in GPU memory; cargo feature `cuda`, on by
//! default, driver loaded at run time), [`memory`] (which backend serves each domain kind),
//! [`topic`] (queues), [`participant`] (joining a domain, opening topics), [`graph`] (ROS graph
//! registry). A module uses only modules below it (`tests/layering.rs`).

pub mod alloc;
pub mod bridge_status;
pub mod config;
#[cfg(feature = "cuda")]
pub mod cuda;
pub mod domain;
pub mod graph;
mod inline_vec;
pub mod inspect;
mod membership;
pub mod memory;
pub mod naming;
pub mod os;
pub mod participant;
mod registry;
pub mod segment;
mod shmstr;
pub mod sync;
pub mod topic;

pub use domain::{Domain, DomainKind};
pub use graph::{EndpointDesc, EntryKind, GraphEndpoint, GraphNode, GraphSnapshot};
pub use participant::{
    CreateError, GuardCondition, JoinError, Listener, Participant, Waker, WakerAddr,
};
pub use topic::{
    EndpointError, Loan, LoanError, PublishError, Publisher, PublisherOptions, Received,
    SampleInfo, Subscriber, SubscriberOptions, TakeError, Topic, TopicOpenError, TopicStats,
    TypeInfo,
};

/// Nanoseconds since the Unix epoch (the ROS time base of message timestamps).
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
