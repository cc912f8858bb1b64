//! The only module that talks to the operating system (libc): shared-memory files and their
//! directory, mappings, futexes, OFD locks (liveness), process identity and descriptor passing.

pub mod fault;
pub mod fdpass;
pub mod fdserver;
pub mod futex;
pub mod ofd;
pub mod process;
pub mod shm_dir;
pub mod shm_file;
