//! Host-memory arena: a shared-memory segment carved into variable-size blocks with boundary tags.
//!
//! Only the creating process allocates (next-fit from a cursor, coalescing free neighbours as it
//! goes); any process may free, by dropping the last reference, which just marks the block free.
//! A block is never reused while its reference count is non-zero.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;

use super::{
    AllocError, Allocator, BlockError, BlockRef, CopyError, HostMemory, MemoryBackend, PinSlot,
};
use crate::domain::Domain;
use crate::naming;
use crate::os::process::{self, ProcessId};
use crate::segment::{Segment, SegmentError, SegmentKind, ShmSafe};

/// Size of a block header; payloads start right after it and are 64-byte aligned.
pub(crate) const HDR: u64 = 64;
const ALIGN: u64 = 64;
/// Offset of the first block (page aligned).
pub(crate) const DATA_START: u64 = 4096;
const BLOCK_MAGIC: u32 = 0xB10C_B10C;

const FREE: u32 = 1;
const HELD: u32 = 2;
const SHARED: u32 = 3;

#[repr(C)]
struct ArenaHeader {
    domain: AtomicU32,
    owner_pid: AtomicU32,
    arena_id: AtomicU64,
    owner_start: AtomicU64,
    data_end: AtomicU64,
    /// Registry slot of the creating participant plus one; 0: no participant recorded.
    creator_row: AtomicU64,
    /// Id of the creating participant (with the slot: its kernel-tracked liveness).
    creator_id: AtomicU64,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for ArenaHeader {}

#[repr(C)]
struct BlockHeader {
    magic: AtomicU32,
    state: AtomicU32,
    refs: AtomicU32,
    _pad0: AtomicU32,
    /// Total size including this header (multiple of ALIGN).
    size: AtomicU64,
    /// Payload bytes requested.
    len: AtomicU64,
    _pad: [AtomicU64; 4],
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for BlockHeader {}
const _: () = assert!(std::mem::size_of::<BlockHeader>() == HDR as usize);

/// Usage figures of an arena (walks the blocks: exact only while no allocation runs concurrently).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArenaStats {
    /// Usable bytes.
    pub capacity: u64,
    /// Blocks currently held or shared.
    pub live_blocks: u64,
    /// Bytes in live blocks (headers included).
    pub live_bytes: u64,
}

/// The participant that created a pool, as recorded in the pool's header: a survivor tells
/// with `Registry::owner(slot, participant)` whether it is gone, and if so removes a pool it
/// created but never registered in a topic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolCreator {
    /// The participant's registry slot.
    pub slot: u32,
    /// The participant's id.
    pub participant: u64,
}

/// A mapped arena; the creator owns allocation, everyone may share/release.
#[derive(Debug)]
pub struct Arena {
    /// Page-lock registration of the mapping (device copies); declared first so that it is
    /// dropped, and the registration undone, before the mapping goes away.
    pin: PinSlot,
    seg: Segment,
    domain: Domain,
    id: u64,
    data_end: u64,
    owner: bool,
    /// Allocation state (owner only).
    alloc: Mutex<AllocState>,
}

/// Owner-private allocation state.
#[derive(Debug)]
struct AllocState {
    /// Next-fit cursor; always a block boundary.
    cursor: u64,
    /// Offsets of the most recently allocated blocks, newest last. Reusing one of them once it is
    /// free again keeps the working set small and cache-warm (a steady stream of messages cycles
    /// through a few blocks instead of sweeping the whole pool).
    recent: std::collections::VecDeque<u64>,
}

const RECENT: usize = 8;

impl AllocState {
    fn new() -> AllocState {
        AllocState {
            cursor: DATA_START,
            recent: std::collections::VecDeque::with_capacity(RECENT),
        }
    }

    fn remember(&mut self, off: u64) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(off);
    }
}

fn round_up(v: u64, a: u64) -> u64 {
    v.div_ceil(a) * a
}

impl Arena {
    /// Creates a new arena of at least `capacity` usable bytes in `ros_domain`, owned by this
    /// process, with no creating participant recorded (never removed as an unregistered pool).
    pub fn create(ros_domain: u32, domain: Domain, capacity: usize) -> Result<Arena, AllocError> {
        Arena::create_by(ros_domain, domain, capacity, None)
    }

    /// [`Arena::create`], recording `creator` in the header.
    pub fn create_by(
        ros_domain: u32,
        domain: Domain,
        capacity: usize,
        creator: Option<PoolCreator>,
    ) -> Result<Arena, AllocError> {
        let id = process::random_u64();
        let data_end = DATA_START + round_up(capacity.max(4096) as u64, 4096);
        let name = naming::arena(ros_domain, id);
        let me = ProcessId::current();
        let seg = Segment::create(&name, SegmentKind::Arena, data_end as usize, |seg| {
            let h: &ArenaHeader = seg.get(32)?;
            h.domain.store(domain.pack(), Ordering::Relaxed);
            h.owner_pid.store(me.pid, Ordering::Relaxed);
            h.owner_start.store(me.start_time, Ordering::Relaxed);
            h.arena_id.store(id, Ordering::Relaxed);
            h.data_end.store(data_end, Ordering::Relaxed);
            if let Some(c) = creator {
                h.creator_row
                    .store(u64::from(c.slot) + 1, Ordering::Relaxed);
                h.creator_id.store(c.participant, Ordering::Relaxed);
            }
            let first: &BlockHeader = seg.get(DATA_START as usize)?;
            first.magic.store(BLOCK_MAGIC, Ordering::Relaxed);
            first.size.store(data_end - DATA_START, Ordering::Relaxed);
            first.state.store(FREE, Ordering::Relaxed);
            Ok(())
        })?
        .ok_or_else(|| {
            AllocError::Segment(SegmentError::Corrupt {
                name: name.clone(),
                what: "random arena id collided".into(),
            })
        })?;
        Ok(Arena {
            pin: PinSlot::new(&seg),
            seg,
            domain,
            id,
            data_end,
            owner: true,
            alloc: Mutex::new(AllocState::new()),
        })
    }

    /// Maps the existing arena `id` of `ros_domain` (created by another endpoint or process).
    pub fn open(ros_domain: u32, id: u64) -> Result<Arena, SegmentError> {
        let name = naming::arena(ros_domain, id);
        let seg = Segment::open(&name, SegmentKind::Arena)?;
        let corrupt = |what: &str| SegmentError::Corrupt {
            name: name.clone(),
            what: what.into(),
        };
        let h: &ArenaHeader = seg.get(32)?;
        if h.arena_id.load(Ordering::Relaxed) != id {
            return Err(corrupt("arena id does not match its name"));
        }
        let domain = Domain::unpack(h.domain.load(Ordering::Relaxed))
            .ok_or_else(|| corrupt("unknown domain"))?;
        let data_end = h.data_end.load(Ordering::Relaxed);
        if data_end != seg.len() as u64 || data_end <= DATA_START {
            return Err(corrupt("data range does not match the segment size"));
        }
        Ok(Arena {
            pin: PinSlot::new(&seg),
            seg,
            domain,
            id,
            data_end,
            owner: false,
            alloc: Mutex::new(AllocState::new()),
        })
    }

    /// The arena's shared-memory object name.
    pub fn name(&self) -> &str {
        self.seg.name()
    }

    /// The process that created (owns) the arena, as recorded in its header.
    pub fn owner(&self) -> ProcessId {
        let h: &ArenaHeader = self.seg.get(32).expect("header checked at open");
        ProcessId {
            pid: h.owner_pid.load(Ordering::Relaxed),
            start_time: h.owner_start.load(Ordering::Relaxed),
        }
    }

    /// The participant that created the arena, if one was recorded.
    pub fn creator(&self) -> Option<PoolCreator> {
        let h: &ArenaHeader = self.seg.get(32).expect("header checked at open");
        let slot = h.creator_row.load(Ordering::Relaxed).checked_sub(1)?;
        Some(PoolCreator {
            slot: u32::try_from(slot).ok()?,
            participant: h.creator_id.load(Ordering::Relaxed),
        })
    }

    /// Whether this process created the arena (and so may allocate from it).
    pub fn is_owner(&self) -> bool {
        self.owner
    }

    /// Usable bytes.
    pub fn capacity(&self) -> u64 {
        self.data_end - DATA_START
    }

    /// Removes the arena's name (mappings stay valid).
    pub fn unlink(&self) {
        self.seg.unlink();
    }

    /// Header of the block starting at `off`, validated against the arena bounds.
    #[inline]
    fn header(&self, off: u64) -> Result<&BlockHeader, BlockError> {
        self.header_sized(off).map(|(h, _)| h)
    }

    /// [`Arena::header`] with the block size it validated. Callers use this value, never a
    /// second read of the shared field (another process may rewrite it in between: a walk that
    /// re-read a size scribbled to 0 would never advance).
    #[inline]
    fn header_sized(&self, off: u64) -> Result<(&BlockHeader, u64), BlockError> {
        let bad = BlockError::InvalidOffset { offset: off };
        if off < DATA_START
            || !off.is_multiple_of(ALIGN)
            || off.checked_add(HDR).is_none_or(|e| e > self.data_end)
        {
            return Err(bad);
        }
        let h: &BlockHeader = self
            .seg
            .get(off as usize)
            .map_err(|_| BlockError::InvalidOffset { offset: off })?;
        if h.magic.load(Ordering::Relaxed) != BLOCK_MAGIC {
            return Err(bad);
        }
        let size = h.size.load(Ordering::Relaxed);
        if size < HDR
            || !size.is_multiple_of(ALIGN)
            || off.checked_add(size).is_none_or(|e| e > self.data_end)
        {
            return Err(bad);
        }
        Ok((h, size))
    }

    /// Header of the block whose payload starts at `payload`.
    #[inline]
    fn payload_header(&self, payload: u64) -> Result<&BlockHeader, BlockError> {
        let off = payload
            .checked_sub(HDR)
            .ok_or(BlockError::InvalidOffset { offset: payload })?;
        let (h, size) = self
            .header_sized(off)
            .map_err(|_| BlockError::InvalidOffset { offset: payload })?;
        let len = h.len.load(Ordering::Relaxed);
        if len > size - HDR {
            return Err(BlockError::InvalidOffset { offset: payload });
        }
        Ok(h)
    }

    /// Walks all blocks and reports usage.
    pub fn stats(&self) -> ArenaStats {
        let mut st = ArenaStats {
            capacity: self.capacity(),
            ..Default::default()
        };
        let mut off = DATA_START;
        while off < self.data_end {
            // Every step advances by a validated size (at least one header).
            let Ok((h, size)) = self.header_sized(off) else {
                break;
            };
            if h.state.load(Ordering::Acquire) != FREE {
                st.live_blocks += 1;
                st.live_bytes += size;
            }
            off += size;
        }
        st
    }

    /// Claims the free block at `off` (of `size` bytes, at least `need`), splitting off the rest.
    fn claim(
        &self,
        h: &BlockHeader,
        off: u64,
        mut size: u64,
        need: u64,
        len: usize,
    ) -> Result<u64, AllocError> {
        if size - need >= HDR + ALIGN {
            let rest: &BlockHeader = self.seg.get((off + need) as usize)?;
            rest.magic.store(BLOCK_MAGIC, Ordering::Relaxed);
            rest.size.store(size - need, Ordering::Relaxed);
            rest.refs.store(0, Ordering::Relaxed);
            rest.state.store(FREE, Ordering::Release);
            h.size.store(need, Ordering::Relaxed);
            size = need;
        }
        h.len.store(len as u64, Ordering::Relaxed);
        h.refs.store(0, Ordering::Relaxed);
        h.state.store(HELD, Ordering::Release);
        Ok(size)
    }

    fn try_allocate(&self, len: usize) -> Result<Option<BlockRef>, AllocError> {
        let need = round_up(len as u64 + HDR, ALIGN).max(HDR + ALIGN);
        let total = self.data_end - DATA_START;
        if need > total {
            return Err(AllocError::TooLarge {
                requested: len,
                capacity: total as usize,
            });
        }
        let mut st = self.alloc.lock().unwrap_or_else(|e| e.into_inner());
        // 1. A recently used block that is free again and fits without wasting much.
        for k in (0..st.recent.len()).rev() {
            let off = st.recent[k];
            let Ok(h) = self.header(off) else { continue };
            let size = h.size.load(Ordering::Relaxed);
            if h.state.load(Ordering::Acquire) == FREE
                && size >= need
                && size <= need.saturating_mul(2).max(need + 4096)
            {
                self.claim(h, off, size, need, len)?;
                st.recent.remove(k);
                st.remember(off);
                return Ok(Some(BlockRef {
                    offset: off + HDR,
                    len: len as u64,
                }));
            }
        }
        // 2. Next fit from the cursor, coalescing free neighbours.
        let mut off = st.cursor;
        let mut scanned = 0u64;
        let corrupt = |off: u64| {
            AllocError::Segment(SegmentError::Corrupt {
                name: self.seg.name().to_owned(),
                what: format!("block header at {off:#x} is invalid"),
            })
        };
        // Two full passes at most: the first may stop short of coalescible neighbours at the wrap.
        while scanned < 2 * total {
            // Sizes come from validation (>= HDR): every step advances, the walk ends.
            let (h, mut size) = self.header_sized(off).map_err(|_| corrupt(off))?;
            if h.state.load(Ordering::Acquire) == FREE {
                // Only the owner turns FREE blocks into anything else, so merging is race-free.
                while off + size < self.data_end {
                    let (next, absorbed) = self
                        .header_sized(off + size)
                        .map_err(|_| corrupt(off + size))?;
                    if next.state.load(Ordering::Acquire) != FREE {
                        break;
                    }
                    // An absorbed header must never validate again (stale `recent` entries).
                    next.magic.store(0, Ordering::Relaxed);
                    size += absorbed;
                }
                h.size.store(size, Ordering::Relaxed);
                if size >= need {
                    let used = self.claim(h, off, size, need, len)?;
                    let next = off + used;
                    st.cursor = if next >= self.data_end {
                        DATA_START
                    } else {
                        next
                    };
                    st.remember(off);
                    return Ok(Some(BlockRef {
                        offset: off + HDR,
                        len: len as u64,
                    }));
                }
            }
            scanned += size;
            off += size;
            if off >= self.data_end {
                off = DATA_START;
            }
        }
        // Merging may have swallowed the old cursor position; restart from a known boundary.
        st.cursor = DATA_START;
        Ok(None)
    }
}

impl Allocator for Arena {
    fn domain(&self) -> Domain {
        self.domain
    }

    fn id(&self) -> u64 {
        self.id
    }

    fn allocate(&self, len: usize) -> Result<BlockRef, AllocError> {
        if !self.owner {
            return Err(AllocError::NotOwner);
        }
        self.seg.check_intact()?;
        self.try_allocate(len)?
            .ok_or(AllocError::OutOfMemory { requested: len })
    }

    fn free_held(&self, block: BlockRef) -> Result<(), BlockError> {
        let h = self.payload_header(block.offset)?;
        h.state
            .compare_exchange(HELD, FREE, Ordering::Release, Ordering::Relaxed)
            .map(|_| ())
            .map_err(|state| BlockError::BadState {
                offset: block.offset,
                state,
            })
    }

    fn make_shared(&self, block: BlockRef, refs: u32) -> Result<(), BlockError> {
        let h = self.payload_header(block.offset)?;
        h.refs.store(refs, Ordering::Relaxed);
        h.state
            .compare_exchange(HELD, SHARED, Ordering::Release, Ordering::Relaxed)
            .map(|_| ())
            .map_err(|state| BlockError::BadState {
                offset: block.offset,
                state,
            })
    }

    fn share(&self, block: BlockRef) -> Result<(), BlockError> {
        let h = self.payload_header(block.offset)?;
        let state = h.state.load(Ordering::Acquire);
        if state != SHARED {
            return Err(BlockError::BadState {
                offset: block.offset,
                state,
            });
        }
        h.refs.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    fn release(&self, block: BlockRef) -> Result<bool, BlockError> {
        let h = self.payload_header(block.offset)?;
        let state = h.state.load(Ordering::Acquire);
        if state != SHARED {
            return Err(BlockError::BadState {
                offset: block.offset,
                state,
            });
        }
        let prev = h
            .refs
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |r| r.checked_sub(1))
            .map_err(|_| BlockError::BadState {
                offset: block.offset,
                state,
            })?;
        if prev == 1 {
            h.state.store(FREE, Ordering::Release);
            return Ok(true);
        }
        Ok(false)
    }

    fn block_at(&self, offset: u64) -> Result<BlockRef, BlockError> {
        let h = self.payload_header(offset)?;
        Ok(BlockRef {
            offset,
            len: h.len.load(Ordering::Relaxed),
        })
    }

    fn copy_from(&self, src: BlockRef, dst: &mut [u8]) -> Result<(), CopyError> {
        let p = self
            .host_ptr(src)
            .ok_or(BlockError::InvalidOffset { offset: src.offset })?;
        if dst.len() as u64 != src.len {
            return Err(CopyError::LengthMismatch {
                src: src.len,
                dst: dst.len() as u64,
            });
        }
        // SAFETY: `p` is valid for `src.len` bytes (checked in host_ptr); `dst` is a distinct
        // local buffer of the same length.
        unsafe { std::ptr::copy_nonoverlapping(p, dst.as_mut_ptr(), dst.len()) };
        Ok(())
    }

    fn copy_to(&self, dst: BlockRef, src: &[u8]) -> Result<(), CopyError> {
        let p = self
            .host_ptr(dst)
            .ok_or(BlockError::InvalidOffset { offset: dst.offset })?;
        if src.len() as u64 != dst.len {
            return Err(CopyError::LengthMismatch {
                src: src.len() as u64,
                dst: dst.len,
            });
        }
        // SAFETY: `p` is valid for `dst.len` bytes and the destination block is exclusively held.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), p, src.len()) };
        Ok(())
    }

    fn stats(&self) -> Option<ArenaStats> {
        Some(Arena::stats(self))
    }

    fn pin_slot(&self) -> Option<&PinSlot> {
        Some(&self.pin)
    }

    fn backend(&self) -> &'static dyn MemoryBackend {
        HostMemory::of(self.domain().kind)
    }

    fn checked_block(&self, offset: u64, len: u64) -> Result<BlockRef, BlockError> {
        if self.seg.damaged() {
            return Err(BlockError::PoolDamaged);
        }
        let end = offset
            .checked_add(len)
            .ok_or(BlockError::InvalidOffset { offset })?;
        if offset < DATA_START + HDR || !offset.is_multiple_of(ALIGN) || end > self.data_end {
            return Err(BlockError::InvalidOffset { offset });
        }
        Ok(BlockRef { offset, len })
    }

    fn host_ptr(&self, block: BlockRef) -> Option<*mut u8> {
        // Bounds only (no header read): every byte of the range lies in this mapping.
        let b = self.checked_block(block.offset, block.len).ok()?;
        self.seg.bytes_ptr(b.offset as usize, b.len as usize).ok()
    }
}
