//! Memory-domain backends: what a kind of memory (host, emulated device, CUDA device) must
//! provide for hazcat to keep message pools in it. The host and emulated backends live here;
//! device backends implement [`MemoryBackend`] in their own modules, and
//! [`crate::memory::backend`] says which backend serves each domain kind in this build.

use std::fmt;
use std::sync::Arc;

use super::{AllocError, Allocator, Arena, BlockRef, CopyError, PoolCreator};
use crate::domain::{Domain, DomainKind};
use crate::segment::SegmentError;

/// A pool shared by the endpoints of this process that use it.
pub type Pool = Arc<dyn Allocator>;

/// A pool to create (see [`MemoryBackend::create_pool`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolRequest {
    /// The ROS domain it is named in.
    pub ros_domain: u32,
    /// The device of the backend's kind it lives on.
    pub device: u16,
    /// Usable bytes, at least.
    pub size: usize,
    /// Recorded in its header: the participant that will register it in a topic. Should that
    /// participant be gone before registering it, survivors remove the pool; without one, only
    /// the domain's last participant does.
    pub creator: Option<PoolCreator>,
}

/// One side of a copy: a pool and a block in it.
pub type PoolBlock<'a> = (&'a dyn Allocator, BlockRef);

/// One kind of memory that pools can live in.
///
/// Called when endpoints are created, when a pool is added or first met in a topic, and for
/// copies that involve device memory; never on the host publish / take path (host blocks are
/// loaned and read in place, host-to-host copies are `memcpy`s in [`super::copy`]).
pub trait MemoryBackend: Send + Sync + fmt::Debug {
    /// The domain kind this backend provides.
    fn kind(&self) -> DomainKind;

    /// Whether device `device` of this kind can hold pools on this machine: `Ok`, or why not
    /// (no driver, no such device).
    fn check(&self, device: u16) -> Result<(), String>;

    /// Allocates the pool `req` describes on a device of this kind, owned (allocated from) by
    /// this process.
    fn create_pool(&self, req: PoolRequest) -> Result<Pool, AllocError>;

    /// Maps pool `id` of `ros_domain`, created by another process (or another endpoint of this
    /// one), into this process.
    fn open_pool(&self, ros_domain: u32, id: u64) -> Result<Pool, SegmentError>;

    /// Copies block `from.1` of pool `from.0` into block `to.1` of pool `to.0`, where at least
    /// one of the two pools is in this backend's memory and the other one in host-addressable
    /// memory or also in this backend's (copy in, copy out, copy within). The destination block
    /// is held exclusively by the caller, the source pinned by a reference. Returns the bytes
    /// copied.
    fn copy(&self, from: PoolBlock<'_>, to: PoolBlock<'_>) -> Result<u64, CopyError>;

    /// Registers (page-locks) host pool `host` for transfers with device `device` of this kind,
    /// once; returns whether it is registered. Backends without transfers of their own (host
    /// memory) have nothing to register and return `false`; a failed registration leaves the
    /// pool pageable and copies still work.
    fn pin(&self, host: &dyn Allocator, device: u16) -> bool;
}

/// Host-addressable memory: plain host pools, and the emulated device domains (host memory
/// reached by copies only). Pools are [`Arena`]s; copies are `memcpy`s.
#[derive(Debug)]
pub struct HostMemory {
    kind: DomainKind,
}

/// The backend of [`Domain::HOST`].
pub static HOST_MEMORY: HostMemory = HostMemory {
    kind: DomainKind::Host,
};

/// The backend of the `emulated:N` domains.
pub static EMULATED_MEMORY: HostMemory = HostMemory {
    kind: DomainKind::Emulated,
};

impl HostMemory {
    /// The backend of an arena in `kind` (an arena is host memory whatever domain its blocks
    /// stand for: a device pool's bookkeeping arena copies like a host pool).
    pub(crate) fn of(kind: DomainKind) -> &'static HostMemory {
        match kind {
            DomainKind::Emulated => &EMULATED_MEMORY,
            DomainKind::Host | DomainKind::Cuda => &HOST_MEMORY,
        }
    }
}

impl MemoryBackend for HostMemory {
    fn kind(&self) -> DomainKind {
        self.kind
    }

    fn check(&self, _device: u16) -> Result<(), String> {
        Ok(())
    }

    fn create_pool(&self, req: PoolRequest) -> Result<Pool, AllocError> {
        let domain = Domain {
            kind: self.kind,
            device: req.device,
        };
        let arena = Arena::create_by(req.ros_domain, domain, req.size, req.creator)?;
        Ok(Arc::new(arena))
    }

    fn open_pool(&self, ros_domain: u32, id: u64) -> Result<Pool, SegmentError> {
        Ok(Arc::new(Arena::open(ros_domain, id)?))
    }

    fn copy(&self, (from, src): PoolBlock<'_>, (to, dst): PoolBlock<'_>) -> Result<u64, CopyError> {
        check_lengths(src, dst)?;
        host_copy(from, src, to, dst)
    }

    fn pin(&self, _host: &dyn Allocator, _device: u16) -> bool {
        false
    }
}

/// `LengthMismatch` unless both blocks have the same length.
pub(crate) fn check_lengths(src: BlockRef, dst: BlockRef) -> Result<(), CopyError> {
    if src.len != dst.len {
        return Err(CopyError::LengthMismatch {
            src: src.len,
            dst: dst.len,
        });
    }
    Ok(())
}

/// Copies between two pools of which at least one is host-addressable, directly when both are.
/// Lengths are checked by the caller.
pub(crate) fn host_copy(
    from: &dyn Allocator,
    src: BlockRef,
    to: &dyn Allocator,
    dst: BlockRef,
) -> Result<u64, CopyError> {
    match (from.host_ptr(src), to.host_ptr(dst)) {
        (Some(s), Some(d)) => {
            // SAFETY: both pointers were bounds-checked by their allocators for `len` bytes; the
            // blocks are distinct (a destination block is held exclusively by the caller).
            unsafe { std::ptr::copy_nonoverlapping(s, d, src.len as usize) };
        }
        (Some(s), None) => {
            // SAFETY: `s` is valid for `len` bytes (checked by `host_ptr`); the source block is
            // pinned by the caller's reference for the duration of the copy.
            let bytes = unsafe { std::slice::from_raw_parts(s, src.len as usize) };
            to.copy_to(dst, bytes)?;
        }
        (None, Some(d)) => {
            // SAFETY: `d` is valid for `len` bytes and the destination block is held exclusively.
            let bytes = unsafe { std::slice::from_raw_parts_mut(d, dst.len as usize) };
            from.copy_from(src, bytes)?;
        }
        (None, None) => {
            let mut bounce = vec![0u8; src.len as usize];
            from.copy_from(src, &mut bounce)?;
            to.copy_to(dst, &bounce)?;
        }
    }
    Ok(src.len)
}
