//! Byte layout of the registry segment. Changing anything here requires bumping
//! `segment::LAYOUT_VERSION`.

use std::sync::atomic::{AtomicU32, AtomicU64};

use crate::segment::ShmSafe;
use crate::shmstr::ShmStr;

/// Participant rows per ROS domain.
pub const MAX_PARTICIPANTS: usize = 128;
/// Waker futex words per participant (one per wait set / listener).
pub const WAKERS_PER_PARTICIPANT: usize = 64;
/// Nodes per ROS domain.
pub const MAX_NODES: usize = 1024;
/// Graph entries (publishers, subscriptions, services, clients) per ROS domain.
pub const MAX_ENTRIES: usize = 8192;

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
pub(crate) const REGISTRY_SIZE: usize =
    align_page(ENTRIES_OFF + MAX_ENTRIES * size_of::<EntryRow>());

const fn align_page(v: usize) -> usize {
    v.div_ceil(4096) * 4096
}
