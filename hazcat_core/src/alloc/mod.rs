//! Allocators: pools of message blocks in one memory domain, addressed by `(pool, offset)`
//! references that are valid in every process, with reference counts kept in host shared memory.

pub(crate) mod arena;
mod backend;

pub use arena::{Arena, ArenaStats, PoolCreator};
pub(crate) use backend::check_lengths;
pub use backend::{
    HostMemory, MemoryBackend, Pool, PoolBlock, PoolRequest, EMULATED_MEMORY, HOST_MEMORY,
};

use std::fmt;
use std::sync::OnceLock;

use crate::domain::Domain;
use crate::segment::{Segment, SegmentError};

/// Something that must stay alive exactly as long as a pool's host mapping (a page-lock
/// registration with a device driver); dropping it undoes the registration.
pub type PinGuard = Box<dyn Send + Sync>;

/// The host mapping of a pool and, once a device backend asked for it, its page-lock
/// registration. Host pools own one, declared before their mapping so that the registration is
/// undone before the memory is unmapped.
pub struct PinSlot {
    addr: usize,
    len: usize,
    guard: OnceLock<Option<PinGuard>>,
}

impl fmt::Debug for PinSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinSlot")
            .field("len", &self.len)
            .field("pinned", &self.is_pinned())
            .finish()
    }
}

impl PinSlot {
    pub(crate) fn new(seg: &Segment) -> PinSlot {
        PinSlot {
            addr: seg.bytes_ptr(0, seg.len()).map_or(0, |p| p as usize),
            len: seg.len(),
            guard: OnceLock::new(),
        }
    }

    /// Registers the mapping once with `pin(address, length)` (whose result, `None` on failure,
    /// is remembered: a failed registration is not retried). Returns whether it is registered.
    pub fn pin_with(&self, pin: impl FnOnce(*mut u8, usize) -> Option<PinGuard>) -> bool {
        self.guard
            .get_or_init(|| {
                if self.addr == 0 {
                    None
                } else {
                    pin(self.addr as *mut u8, self.len)
                }
            })
            .is_some()
    }

    /// Whether the mapping is registered.
    pub fn is_pinned(&self) -> bool {
        matches!(self.guard.get(), Some(Some(_)))
    }
}

/// A block handed out by an allocator: payload offset within the pool and payload length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockRef {
    /// Offset of the payload from the start of the pool.
    pub offset: u64,
    /// Payload length in bytes.
    pub len: u64,
}

/// Why an allocation failed.
#[derive(Debug)]
pub enum AllocError {
    /// No free range large enough right now (blocks still referenced).
    OutOfMemory {
        /// Bytes requested.
        requested: usize,
    },
    /// The request can never fit this pool.
    TooLarge {
        /// Bytes requested.
        requested: usize,
        /// Usable bytes of the pool.
        capacity: usize,
    },
    /// Only the creating process allocates from a pool.
    NotOwner,
    /// The device backend could not provide memory (no driver or device, out of device memory).
    Device(String),
    /// Creating or mapping the pool failed, or its metadata is corrupt.
    Segment(SegmentError),
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::OutOfMemory { requested } => {
                write!(f, "pool exhausted allocating {requested} bytes")
            }
            AllocError::TooLarge {
                requested,
                capacity,
            } => {
                write!(
                    f,
                    "{requested} bytes can never fit a pool of {capacity} bytes"
                )
            }
            AllocError::NotOwner => f.write_str("only the pool's creator may allocate from it"),
            AllocError::Device(e) => write!(f, "device memory: {e}"),
            AllocError::Segment(e) => write!(f, "pool memory: {e}"),
        }
    }
}

impl std::error::Error for AllocError {}

impl From<SegmentError> for AllocError {
    fn from(e: SegmentError) -> Self {
        AllocError::Segment(e)
    }
}

/// Why a block reference could not be used (it came from shared memory and is untrusted).
#[derive(Debug)]
pub enum BlockError {
    /// Offset outside the pool, misaligned, or not the start of a block.
    InvalidOffset {
        /// The offending offset.
        offset: u64,
    },
    /// The block is not in a state that allows the operation (e.g. releasing a free block).
    BadState {
        /// The offending offset.
        offset: u64,
        /// State found.
        state: u32,
    },
    /// The pool was truncated or shrunk by another process while mapped (see
    /// [`crate::os::fault`]): none of its blocks can be trusted.
    PoolDamaged,
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::InvalidOffset { offset } => write!(f, "invalid block offset {offset:#x}"),
            BlockError::BadState { offset, state } => {
                write!(f, "block {offset:#x} in unexpected state {state}")
            }
            BlockError::PoolDamaged => {
                f.write_str("memory pool truncated or shrunk by another process while in use")
            }
        }
    }
}

impl std::error::Error for BlockError {}

/// Why a copy between domains failed.
#[derive(Debug)]
pub enum CopyError {
    /// A block reference was invalid.
    Block(BlockError),
    /// Source and destination lengths differ.
    LengthMismatch {
        /// Source length.
        src: u64,
        /// Destination length.
        dst: u64,
    },
    /// The backend cannot copy between these domains.
    Unsupported {
        /// Source domain.
        from: Domain,
        /// Destination domain.
        to: Domain,
    },
    /// The device backend reported an error.
    Device(String),
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CopyError::Block(e) => write!(f, "copy: {e}"),
            CopyError::LengthMismatch { src, dst } => {
                write!(f, "copy: source has {src} bytes, destination {dst}")
            }
            CopyError::Unsupported { from, to } => {
                write!(f, "copy from {from} to {to} is not supported")
            }
            CopyError::Device(e) => write!(f, "device copy failed: {e}"),
        }
    }
}

impl std::error::Error for CopyError {}

impl From<BlockError> for CopyError {
    fn from(e: BlockError) -> Self {
        CopyError::Block(e)
    }
}

/// A pool of blocks in one memory domain. Implemented by [`Arena`] for host-addressable memory;
/// device backends implement it with the same host-side block headers.
pub trait Allocator: Send + Sync {
    /// The memory domain the payload bytes live in.
    fn domain(&self) -> Domain;
    /// Globally unique pool id (part of the pool's shared-memory name).
    fn id(&self) -> u64;
    /// Allocates `len` bytes; the block is held by the caller until shared or freed.
    fn allocate(&self, len: usize) -> Result<BlockRef, AllocError>;
    /// Frees a block that was allocated but never shared.
    fn free_held(&self, block: BlockRef) -> Result<(), BlockError>;
    /// Turns a held block into a shared one with `refs` references.
    fn make_shared(&self, block: BlockRef, refs: u32) -> Result<(), BlockError>;
    /// Adds a reference to a shared block.
    fn share(&self, block: BlockRef) -> Result<(), BlockError>;
    /// Drops a reference; returns `true` when that freed the block.
    fn release(&self, block: BlockRef) -> Result<bool, BlockError>;
    /// Validates `offset` and returns the block it starts (payload offset and length).
    fn block_at(&self, offset: u64) -> Result<BlockRef, BlockError>;
    /// A block reference `(offset, len)` read from shared memory, checked to lie inside the pool.
    /// Readers use this instead of [`Allocator::block_at`] so that they never touch the block
    /// header (which would move its cache line away from the owner on every message). The
    /// default checks through the header.
    fn checked_block(&self, offset: u64, len: u64) -> Result<BlockRef, BlockError> {
        let b = self.block_at(offset)?;
        if b.len != len {
            return Err(BlockError::InvalidOffset { offset });
        }
        Ok(b)
    }
    /// Copies a block's bytes into host memory.
    fn copy_from(&self, src: BlockRef, dst: &mut [u8]) -> Result<(), CopyError>;
    /// Copies host bytes into a block.
    fn copy_to(&self, dst: BlockRef, src: &[u8]) -> Result<(), CopyError>;
    /// CPU address of a block's payload, for host-addressable domains.
    fn host_ptr(&self, block: BlockRef) -> Option<*mut u8>;
    /// Usage figures, where the backend can compute them.
    fn stats(&self) -> Option<ArenaStats> {
        None
    }
    /// Device address of a block's payload, for device domains (an address in the device's
    /// virtual address space, never dereferenced on the host).
    fn device_ptr(&self, _block: BlockRef) -> Option<u64> {
        None
    }
    /// The pool's host mapping, for page-locking by device backends (host pools only).
    fn pin_slot(&self) -> Option<&PinSlot> {
        None
    }
    /// The backend of the pool's memory: [`copy`] hands it the copies that involve device
    /// memory.
    fn backend(&self) -> &'static dyn MemoryBackend;
}

/// Copies `src` (in `from`) into `dst` (in `to`): directly when both sides are
/// host-addressable, through the device side's [`MemoryBackend`] otherwise. Returns the number
/// of bytes copied.
pub fn copy(
    from: &dyn Allocator,
    src: BlockRef,
    to: &dyn Allocator,
    dst: BlockRef,
) -> Result<u64, CopyError> {
    check_lengths(src, dst)?;
    if from.device_ptr(src).is_some() {
        return from.backend().copy((from, src), (to, dst));
    }
    if to.device_ptr(dst).is_some() {
        return to.backend().copy((from, src), (to, dst));
    }
    backend::host_copy(from, src, to, dst)
}
