//! Byte layout of a topic segment. Changing anything here requires bumping
//! `segment::LAYOUT_VERSION`.
//!
//! The segment is sparse: its size covers every table at its maximum, but only the header page is
//! reserved at creation. Endpoint rows (with their loan records, and their ring when deep) are
//! reserved when first claimed (`row_limit` bounds them); the sample and pool tables grow through
//! [`crate::segment::Table`] (`samples_backed`, `pools_backed`). Nothing is touched above those
//! bounds, so a topic costs pages in proportion to its use.
//!
//! ```text
//! 0      SegmentHeader
//! 64     TopicHeader            lock, sequence counter, column domains, statistics, names
//! 4096   EndpointRow[MAX_ENDPOINTS]
//!        rings[MAX_ENDPOINTS][RING_CAP] u32 sample indices (subscriber queue / publisher history)
//!        loans[MAX_ENDPOINTS][MAX_LOANS] u64 records of what each endpoint holds
//!        SampleRow[MAX_SAMPLES]  one published message: refcount + one column per memory domain
//!        PoolRow[MAX_POOLS]      memory pools (arenas) whose blocks the columns point into
//! ```

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::os::process::ProcessId;
pub(crate) use crate::segment::load_bytes;
use crate::segment::{ShmSafe, Table};
use crate::shmstr::ShmStr;

/// Endpoints (publishers + subscribers) per topic (every node's `/rosout` publisher counts).
pub const MAX_ENDPOINTS: usize = 4096;
/// Largest queue depth / history depth of one endpoint.
pub const RING_CAP: usize = 1024;
/// Messages alive at once per topic (queued, in history or loaned).
pub const MAX_SAMPLES: usize = 8192;
/// Loans one endpoint may hold at once.
pub const MAX_LOANS: usize = 256;
/// Memory pools per topic.
pub const MAX_POOLS: usize = 16_384;
/// Memory domains per topic.
pub const MAX_COLUMNS: usize = 8;

pub(crate) const NO_COLUMN: u32 = u32::MAX;

// Endpoint row states.
pub(crate) const EP_FREE: u32 = 0;
pub(crate) const EP_PUB: u32 = 1;
pub(crate) const EP_SUB: u32 = 2;
// Endpoint flags.
pub(crate) const FLAG_TRANSIENT_LOCAL: u32 = 1;
pub(crate) const FLAG_IGNORE_LOCAL: u32 = 2;
/// Publisher: offers reliable delivery. Subscriber: requires it.
pub(crate) const FLAG_RELIABLE: u32 = 4;
/// Publisher: asserts liveliness manually (by publishing or explicitly). Subscriber: requires it.
pub(crate) const FLAG_MANUAL_LIVELINESS: u32 = 8;
/// The row has a finite deadline or liveliness lease (`deadline` / `lease` fields).
pub(crate) const FLAG_TIMED: u32 = 16;

/// Whether a publisher (row `p`, flags `offered`) delivers to a subscriber (row `s`, flags
/// `requested`): a subscriber whose requests the publisher does not meet (reliability,
/// transient-local durability, manual liveliness, a deadline or lease at least as short) is not
/// matched with it and receives nothing from it, as in every ROS 2 middleware. The timed fields
/// are read only when the subscriber has any, so the common case reads flags only.
#[inline]
pub(crate) fn delivers(p: &EndpointRow, offered: u32, s: &EndpointRow, requested: u32) -> bool {
    let needs = requested & (FLAG_RELIABLE | FLAG_TRANSIENT_LOCAL | FLAG_MANUAL_LIVELINESS);
    if offered & needs != needs {
        return false;
    }
    if requested & FLAG_TIMED == 0 {
        return true;
    }
    // 0 is infinite: an infinite request accepts anything, a finite one needs a finite offer
    // that is not longer.
    let meets = |offer: u64, request: u64| request == 0 || (offer != 0 && offer <= request);
    meets(
        p.deadline.load(Ordering::Relaxed),
        s.deadline.load(Ordering::Relaxed),
    ) && meets(
        p.lease.load(Ordering::Relaxed),
        s.lease.load(Ordering::Relaxed),
    )
}

/// Deadline and liveliness of an endpoint, in nanoseconds (0: infinite / none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimedQos {
    /// Deadline period offered (publisher) or requested (subscriber).
    pub deadline_ns: u64,
    /// Liveliness lease duration offered (publisher) or requested (subscriber).
    pub lease_ns: u64,
    /// Liveliness is asserted by publishing or explicitly (ROS `MANUAL_BY_TOPIC`), not by the
    /// process merely being alive (`AUTOMATIC`).
    pub manual_liveliness: bool,
}

impl TimedQos {
    /// The row flags this adds.
    pub(crate) fn flags(&self) -> u32 {
        let mut f = 0;
        if self.manual_liveliness {
            f |= FLAG_MANUAL_LIVELINESS;
        }
        if self.deadline_ns != 0 || self.lease_ns != 0 {
            f |= FLAG_TIMED;
        }
        f
    }
}

// Column states: EMPTY, READY (the block is released by the sample's last reference), OWNED
// (ready, and the block is reclaimed by the publisher that owns it, so readers never write its
// header), or CLAIM_BASE + endpoint row of the copier.
pub(crate) const COL_EMPTY: u32 = 0;
pub(crate) const COL_READY: u32 = 1;
pub(crate) const COL_OWNED: u32 = 2;

/// Whether a column state holds a usable copy of the message.
#[inline]
pub(crate) fn col_ready(state: u32) -> bool {
    state == COL_READY || state == COL_OWNED
}
pub(crate) const COL_CLAIM_BASE: u32 = 0x100;

// Pool states.
pub(crate) const POOL_FREE: u32 = 0;
pub(crate) const POOL_ACTIVE: u32 = 1;
pub(crate) const POOL_ORPHAN: u32 = 2;

/// Whether a pool row in this state describes a pool (active, or orphaned by its owner).
#[inline]
pub(crate) fn pool_in_use(state: u32) -> bool {
    state == POOL_ACTIVE || state == POOL_ORPHAN
}

// Loan record kinds (top two bits of the record). A take pins the whole sample; the kind bits
// leave room for other records.
pub(crate) const LOAN_SAMPLE: u64 = 2 << 62;
pub(crate) const LOAN_KIND_MASK: u64 = 3 << 62;

#[repr(C)]
pub(crate) struct TopicHeader {
    pub lock: AtomicU32,
    pub closed: AtomicU32,
    pub next_seq: AtomicU64,
    pub sample_hint: AtomicU32,
    /// One past the highest endpoint row ever claimed: bounds every scan of the endpoint table.
    /// Rows below it (with their loan records) are reserved.
    pub row_limit: AtomicU32,
    /// Sample rows reserved (see [`SAMPLE_TABLE`]).
    pub samples_backed: AtomicU32,
    pub max_endpoints: AtomicU32,
    pub ring_cap: AtomicU32,
    pub max_samples: AtomicU32,
    pub max_loans: AtomicU32,
    pub max_pools: AtomicU32,
    /// Pool rows reserved (see [`POOL_TABLE`]).
    pub pools_backed: AtomicU32,
    pub _pad: AtomicU32,
    pub columns: [AtomicU32; MAX_COLUMNS],
    pub published: AtomicU64,
    pub lost: AtomicU64,
    pub copies: [AtomicU64; MAX_COLUMNS],
    pub copy_bytes: [AtomicU64; MAX_COLUMNS],
    pub type_hash: [AtomicU64; 4],
    pub topic_name: ShmStr<64>,
    pub type_name: ShmStr<64>,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for TopicHeader {}

/// Queues of at most this depth live inside the endpoint row (covers the ROS default of 10).
pub const INLINE_RING: usize = 12;

/// One publisher or subscriber. The first cache line is the queue itself (read and write positions
/// plus, for small depths, the slots), so a message moves one row line between processes; the
/// second holds what is fixed when the endpoint is created; the third statistics and identity.
#[repr(C, align(64))]
pub(crate) struct EndpointRow {
    /// Ring read position (monotonic).
    pub head: AtomicU64,
    /// Ring write position (monotonic); `tail - head <= depth`.
    pub tail: AtomicU64,
    /// Ring slots when `depth <= INLINE_RING` (else the ring area of the segment is used).
    pub inline_ring: [AtomicU32; INLINE_RING],
    pub state: AtomicU32,
    pub flags: AtomicU32,
    pub pid: AtomicU32,
    pub column: AtomicU32,
    pub start_time: AtomicU64,
    pub depth: AtomicU32,
    pub domain: AtomicU32,
    /// Packed `WakerAddr` to bump after pushing into this ring (0: none).
    pub waker: AtomicU64,
    pub gid: [AtomicU64; 3],
    /// Messages dropped from this ring by keep-last overflow.
    pub lost: AtomicU64,
    /// Registry row (slot) of the participant that owns the endpoint, plus one (0: none). With
    /// `participant` it decides liveness (see `Registry::owner`).
    pub participant_row: AtomicU64,
    pub id: AtomicU64,
    /// Id of the participant that owns the endpoint (for ignore-local filtering).
    pub participant: AtomicU64,
    /// Publisher: source timestamp of its last message (0: none yet; for subscribers' deadlines).
    pub last_publish: AtomicU64,
    /// Publisher: time (ns since the epoch) liveliness was last asserted (manual liveliness).
    pub last_assert: AtomicU64,
    /// Liveliness lease offered / requested (ns, 0: infinite).
    pub lease: AtomicU64,
    /// Deadline offered / requested (ns, 0: infinite).
    pub deadline: AtomicU64,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for EndpointRow {}
const _: () = assert!(size_of::<EndpointRow>() == 192);

impl EndpointRow {
    /// The endpoint's gid.
    pub fn gid(&self) -> [u8; 24] {
        load_bytes(&self.gid)
    }

    /// The process that owns the endpoint.
    pub fn process(&self) -> ProcessId {
        ProcessId {
            pid: self.pid.load(Ordering::Relaxed),
            start_time: self.start_time.load(Ordering::Relaxed),
        }
    }

    /// Deadline and liveliness offered (publisher) or requested (subscriber).
    pub fn timed_qos(&self) -> TimedQos {
        TimedQos {
            deadline_ns: self.deadline.load(Ordering::Relaxed),
            lease_ns: self.lease.load(Ordering::Relaxed),
            manual_liveliness: self.flags.load(Ordering::Relaxed) & FLAG_MANUAL_LIVELINESS != 0,
        }
    }
}
const _: () = assert!(std::mem::offset_of!(EndpointRow, state) == 64);
const _: () = assert!(std::mem::offset_of!(EndpointRow, lost) == 128);

#[repr(C)]
pub(crate) struct Column {
    pub state: AtomicU32,
    pub pool: AtomicU32,
    pub offset: AtomicU64,
}

/// One published message. Everything a publish writes and a take reads in the common case (one
/// memory domain) shares the first cache line, so a message moves one line between processes; the
/// publisher gid (rewritten only when it changes) and the other columns live in later lines.
#[repr(C, align(64))]
pub(crate) struct SampleRow {
    pub refs: AtomicU32,
    pub avail: AtomicU32,
    pub seq: AtomicU64,
    pub len: AtomicU64,
    pub timestamp: AtomicU64,
    pub publisher_row: AtomicU32,
    pub _pad: AtomicU32,
    col0: Column,
    /// End of the message's lifespan (ns since the epoch; 0: never expires).
    pub expires: AtomicU64,
    pub gid: [AtomicU64; 3],
    _pad2: AtomicU64,
    cols: [Column; MAX_COLUMNS - 1],
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for SampleRow {}
const _: () = assert!(size_of::<SampleRow>() == 256);
const _: () = assert!(std::mem::offset_of!(SampleRow, gid) == 64);

impl SampleRow {
    /// Column `i` (`i < MAX_COLUMNS`; callers reduce indices read from shared memory first).
    #[inline]
    pub fn column(&self, i: usize) -> &Column {
        match i {
            0 => &self.col0,
            _ => &self.cols[(i - 1) % (MAX_COLUMNS - 1)],
        }
    }

    /// All columns, in index order.
    pub fn columns(&self) -> impl Iterator<Item = &Column> {
        std::iter::once(&self.col0).chain(self.cols.iter())
    }
}

#[repr(C)]
pub(crate) struct PoolRow {
    pub state: AtomicU32,
    pub owner_row: AtomicU32,
    pub domain: AtomicU32,
    pub _pad: AtomicU32,
    pub arena_id: AtomicU64,
    pub size: AtomicU64,
    pub _reserved: [AtomicU64; 4],
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for PoolRow {}

pub(crate) const HEADER_OFF: usize = 64;
pub(crate) const ENDPOINTS_OFF: usize = 4096;
pub(crate) const RINGS_OFF: usize = page(ENDPOINTS_OFF + MAX_ENDPOINTS * size_of::<EndpointRow>());
pub(crate) const LOANS_OFF: usize = page(RINGS_OFF + MAX_ENDPOINTS * RING_CAP * 4);
pub(crate) const SAMPLES_OFF: usize = page(LOANS_OFF + MAX_ENDPOINTS * MAX_LOANS * 8);
pub(crate) const POOLS_OFF: usize = page(SAMPLES_OFF + MAX_SAMPLES * size_of::<SampleRow>());
pub(crate) const TOPIC_SIZE: usize = page(POOLS_OFF + MAX_POOLS * size_of::<PoolRow>());

/// The sample table (grown as messages stay alive at once).
pub(crate) const SAMPLE_TABLE: Table = Table {
    off: SAMPLES_OFF,
    row: size_of::<SampleRow>(),
    max: MAX_SAMPLES,
};
/// The pool table (grown as pools are added).
pub(crate) const POOL_TABLE: Table = Table {
    off: POOLS_OFF,
    row: size_of::<PoolRow>(),
    max: MAX_POOLS,
};
/// Bytes reserved when a topic is created: the header page.
pub(crate) const TOPIC_RESERVED: usize = ENDPOINTS_OFF;

const fn page(v: usize) -> usize {
    v.div_ceil(4096) * 4096
}

const _: () = assert!(size_of::<TopicHeader>() + HEADER_OFF <= ENDPOINTS_OFF);

/// Byte offset of the ring area of endpoint row `row` (`row < MAX_ENDPOINTS`).
pub(crate) const fn ring_off(row: usize) -> usize {
    RINGS_OFF + row * RING_CAP * 4
}

/// Byte offset of the loan records of endpoint row `row` (`row < MAX_ENDPOINTS`).
pub(crate) const fn loans_off(row: usize) -> usize {
    LOANS_OFF + row * MAX_LOANS * 8
}
