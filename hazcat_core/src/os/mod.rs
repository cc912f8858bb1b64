//! The only module that talks to the operating system (libc): shared-memory files, mappings,
//! futexes and process identity. Everything above it is safe Rust over these primitives.

pub mod fdpass;
pub mod futex;
pub mod process;
pub mod shm_file;
