//! Byte layout of the registry segment. Changing anything here requires bumping
//! `segment::LAYOUT_VERSION`.
//!
//! The segment is sparse: its size covers every table at its maximum, but only the header page is
//! reserved at creation; the participant, node and entry tables grow through
//! [`crate::segment::Table`] as rows are claimed, and scans stop at their reserved rows. An idle
//! domain's registry is a few pages.

use std::sync::atomic::{AtomicU32, AtomicU64};

use crate::segment::{ShmSafe, Table};
use crate::shmstr::ShmStr;

/// Participant rows per ROS domain (one per process with a hazcat context).
pub const MAX_PARTICIPANTS: usize = 1024;
/// Waker futex words per participant (one per wait set / listener).
pub const WAKERS_PER_PARTICIPANT: usize = 64;
/// Nodes per ROS domain.
pub const MAX_NODES: usize = 8192;
/// Graph entries (publishers, subscriptions, services, clients) per ROS domain.
pub const MAX_ENTRIES: usize = 131_072;

pub(crate) const FREE_ROW: u32 = 0;
pub(crate) const LIVE: u32 = 1;

#[repr(C)]
pub(crate) struct RegistryHeader {
    pub lock: AtomicU32,
    pub closed: AtomicU32,
    pub ros_domain: AtomicU32,
    pub max_participants: AtomicU32,
    pub max_nodes: AtomicU32,
    pub max_entries: AtomicU32,
    /// Rows reserved in each table (see [`PARTICIPANT_TABLE`], [`NODE_TABLE`], [`ENTRY_TABLE`]).
    pub participants_backed: AtomicU32,
    pub nodes_backed: AtomicU32,
    pub entries_backed: AtomicU32,
    /// No free node / entry row below these (where claims start searching).
    pub node_hint: AtomicU32,
    pub entry_hint: AtomicU32,
    /// Topic keys reserved (see [`KEY_TABLE`]).
    pub keys_backed: AtomicU32,
    pub graph_generation: AtomicU64,
    /// Participants that left or were swept out (monotonic).
    pub departures: AtomicU64,
    /// `departures` as of the last complete pass reclaiming departed participants' endpoints.
    pub reclaimed: AtomicU64,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for RegistryHeader {}

#[repr(C)]
pub(crate) struct ParticipantRow {
    pub state: AtomicU32,
    pub pid: AtomicU32,
    pub start_time: AtomicU64,
    pub id: AtomicU64,
    /// Waker slots that want a wake-up on every graph change.
    pub graph_mask: AtomicU64,
    /// Bumped by each process that claims the slot (see `sync`): tells a lock holder from a
    /// newcomer that reused its slot.
    pub incarnation: AtomicU64,
    pub _reserved: [AtomicU64; 3],
    pub wakers: [AtomicU32; WAKERS_PER_PARTICIPANT],
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for ParticipantRow {}

#[repr(C)]
pub(crate) struct NodeRow {
    pub state: AtomicU32,
    pub participant: AtomicU32,
    pub id: AtomicU64,
    pub name: ShmStr<32>,
    pub namespace: ShmStr<32>,
    pub enclave: ShmStr<32>,
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for NodeRow {}

#[repr(C)]
pub(crate) struct EntryRow {
    pub state: AtomicU32,
    pub participant: AtomicU32,
    pub node: AtomicU32,
    pub kind: AtomicU32,
    pub id: AtomicU64,
    pub gid: [AtomicU64; 3],
    pub topic: ShmStr<32>,
    pub type_name: ShmStr<32>,
    pub type_hash: [AtomicU64; 4],
    pub qos: [AtomicU64; 8],
}
// SAFETY: repr(C), atomics only.
unsafe impl ShmSafe for EntryRow {}

pub(crate) const HEADER_OFF: usize = 64;
pub(crate) const PARTICIPANTS_OFF: usize = 4096;
pub(crate) const NODES_OFF: usize =
    align_page(PARTICIPANTS_OFF + MAX_PARTICIPANTS * size_of::<ParticipantRow>());
pub(crate) const ENTRIES_OFF: usize = align_page(NODES_OFF + MAX_NODES * size_of::<NodeRow>());
/// A dense column of one word per graph entry: the entry's [`topic_key`] while it is live, 0 when
/// free. Finding a topic's endpoints scans 8 bytes per entry instead of every row.
pub(crate) const KEYS_OFF: usize = align_page(ENTRIES_OFF + MAX_ENTRIES * size_of::<EntryRow>());
pub(crate) const REGISTRY_SIZE: usize = align_page(KEYS_OFF + MAX_ENTRIES * 8);

/// The participant table.
pub(crate) const PARTICIPANT_TABLE: Table = Table {
    off: PARTICIPANTS_OFF,
    row: size_of::<ParticipantRow>(),
    max: MAX_PARTICIPANTS,
};
/// The node table.
pub(crate) const NODE_TABLE: Table = Table {
    off: NODES_OFF,
    row: size_of::<NodeRow>(),
    max: MAX_NODES,
};
/// The graph entry table.
pub(crate) const ENTRY_TABLE: Table = Table {
    off: ENTRIES_OFF,
    row: size_of::<EntryRow>(),
    max: MAX_ENTRIES,
};
/// The topic key column (row `i` belongs to graph entry `i`).
pub(crate) const KEY_TABLE: Table = Table {
    off: KEYS_OFF,
    row: 8,
    max: MAX_ENTRIES,
};

/// The key of a topic name in [`KEY_TABLE`] (never 0; equal keys still compare the names).
pub(crate) fn topic_key(topic: &str) -> u64 {
    crate::naming::fnv1a64(topic.as_bytes()) | 1
}

/// Bytes reserved when the registry is created: the header page.
pub(crate) const REGISTRY_RESERVED: usize = PARTICIPANTS_OFF;

const fn align_page(v: usize) -> usize {
    v.div_ceil(4096) * 4096
}
