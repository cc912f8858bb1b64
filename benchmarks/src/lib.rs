//! # hazcat_benchmarks
//!
//! Cross-process benchmarks of `hazcat_core`, run side by side with iceoryx2 in the same run.
//!
//! - `hazcat-bench`: one-way latency (ping-pong round trip / 2) and one-way stream throughput for
//!   message sizes 64 B .. 64 MiB, hazcat and iceoryx2 with the same sizes and the same pattern.
//!
//! The demo (`hazcat-demo`) is the crate `hazcat_demo`, which builds nothing but hazcat_core;
//! the message header and latency statistics ([`proto`]) are shared with it.
//!
//! Every partner process is the current binary re-executed with a hidden role argument (never a
//! thread), so the two sides of a measurement share nothing but the transport under test.

pub mod cleanup;
pub mod pingpong;
/// The message header, sizes and latency statistics, shared with the demo.
pub use hazcat_demo::proto;
pub mod report;
pub mod transport;

/// Error type of the benchmark code (any error, with a message).
pub type Error = Box<dyn std::error::Error + Send + Sync + 'static>;
/// Result type of the benchmark code.
pub type Result<T> = std::result::Result<T, Error>;
