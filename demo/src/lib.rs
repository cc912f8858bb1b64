//! # hazcat_demo
//!
//! The main demonstration of `hazcat_core` (binary `hazcat-demo`): a publisher process and
//! subscriber processes exchange messages of several sizes as zero-copy loans; it prints per size
//! the one-way latency and the bytes copied (none host to host; exactly one copy per message into
//! a second memory domain, however many subscribers it has). It builds nothing but `hazcat_core`.
//!
//! The library holds what the demo shares with the benchmarks (`hazcat_benchmarks`): the message
//! header, size parsing and latency statistics ([`proto`]), and the check that a run leaves no
//! object behind ([`cleanup`]).

pub mod cleanup;
pub mod proto;
