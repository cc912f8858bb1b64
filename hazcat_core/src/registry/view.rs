//! The one reader of the registry layout ([`super::layout`]): bounds-checked access to the
//! header and the participant, node and graph-entry tables, and the values read from their rows.
//! The transport ([`super::Registry`], the graph) and read-only inspection ([`crate::inspect`])
//! both read registry segments through it.

use std::sync::atomic::Ordering;

use super::entry::{EntryKind, GraphEndpoint};
use super::layout::*;
use crate::os::process::ProcessId;
use crate::segment::{load_bytes, Segment, SegmentError};

/// A mapped registry segment, read through the layout.
#[derive(Clone, Copy)]
pub(crate) struct RegistryView<'a> {
    seg: &'a Segment,
}

impl<'a> RegistryView<'a> {
    /// A view of a segment whose layout was checked with [`RegistryView::checked`] when it was
    /// opened.
    #[inline]
    pub(crate) fn new(seg: &'a Segment) -> RegistryView<'a> {
        RegistryView { seg }
    }

    /// Checks that `seg` is the registry of `ros_domain` with this build's layout (segment size
    /// and table sizes) and returns a view of it.
    pub(crate) fn checked(
        seg: &'a Segment,
        ros_domain: u32,
    ) -> Result<RegistryView<'a>, SegmentError> {
        let h: &RegistryHeader = seg.get(HEADER_OFF)?;
        let ok = seg.len() == REGISTRY_SIZE
            && h.max_participants.load(Ordering::Relaxed) == MAX_PARTICIPANTS as u32
            && h.max_nodes.load(Ordering::Relaxed) == MAX_NODES as u32
            && h.max_entries.load(Ordering::Relaxed) == MAX_ENTRIES as u32
            && h.ros_domain.load(Ordering::Relaxed) == ros_domain;
        ok.then_some(RegistryView { seg })
            .ok_or_else(|| seg.corrupt("registry table sizes differ from this build"))
    }

    /// The registry header.
    #[inline]
    pub(crate) fn header(self) -> &'a RegistryHeader {
        self.seg
            .get(HEADER_OFF)
            .expect("registry layout checked at open")
    }

    /// Participant row `row`, if it is reserved.
    pub(crate) fn participant(self, row: usize) -> Option<&'a ParticipantRow> {
        let off = PARTICIPANT_TABLE.offset(&self.header().participants_backed, row)?;
        self.seg.get(off).ok()
    }

    /// Node row `row`, if it is reserved.
    pub(crate) fn node(self, row: usize) -> Option<&'a NodeRow> {
        let off = NODE_TABLE.offset(&self.header().nodes_backed, row)?;
        self.seg.get(off).ok()
    }

    /// Graph entry row `row`, if it is reserved.
    pub(crate) fn entry(self, row: usize) -> Option<&'a EntryRow> {
        let off = ENTRY_TABLE.offset(&self.header().entries_backed, row)?;
        self.seg.get(off).ok()
    }

    /// Participant rows reserved (bounds scans).
    pub(crate) fn participants_backed(self) -> usize {
        PARTICIPANT_TABLE.backed(&self.header().participants_backed)
    }

    /// Node rows reserved (bounds scans).
    pub(crate) fn nodes_backed(self) -> usize {
        NODE_TABLE.backed(&self.header().nodes_backed)
    }

    /// Entry rows reserved (bounds scans).
    pub(crate) fn entries_backed(self) -> usize {
        ENTRY_TABLE.backed(&self.header().entries_backed)
    }

    /// The participant rows in use, with their row index.
    pub(crate) fn live_participants(self) -> impl Iterator<Item = (usize, &'a ParticipantRow)> {
        (0..self.participants_backed())
            .filter_map(move |r| Some((r, self.participant(r)?)))
            .filter(|(_, p)| p.state.load(Ordering::Acquire) == LIVE)
    }

    /// The node rows in use, with their row index.
    pub(crate) fn live_nodes(self) -> impl Iterator<Item = (usize, &'a NodeRow)> {
        (0..self.nodes_backed())
            .filter_map(move |r| Some((r, self.node(r)?)))
            .filter(|(_, n)| n.state.load(Ordering::Acquire) == LIVE)
    }

    /// Topic key of graph entry `row` (0: free), if reserved.
    pub(crate) fn key(self, row: usize) -> Option<&'a std::sync::atomic::AtomicU64> {
        let off = KEY_TABLE.offset(&self.header().keys_backed, row)?;
        self.seg.get(off).ok()
    }

    /// The live graph entries of `kind` on `topic`: scans the dense key column, reads only the
    /// matching rows.
    pub(crate) fn entries_on(
        self,
        topic: &'a str,
        kind: EntryKind,
    ) -> impl Iterator<Item = GraphEndpoint> + 'a {
        let key = topic_key(topic);
        let n = self
            .entries_backed()
            .min(KEY_TABLE.backed(&self.header().keys_backed));
        let keys: &[std::sync::atomic::AtomicU64] = self.seg.slice(KEYS_OFF, n).unwrap_or(&[]);
        keys.iter()
            .enumerate()
            .filter(move |(_, k)| k.load(Ordering::Relaxed) == key)
            .filter_map(move |(r, _)| self.entry(r))
            .filter(move |e| {
                e.state.load(Ordering::Acquire) == LIVE
                    && e.kind.load(Ordering::Relaxed) == kind as u32
            })
            .filter_map(read_entry)
            .filter(move |e| e.topic == topic)
    }

    /// The graph entries in use with a known kind, as read from their rows.
    pub(crate) fn live_entries(self) -> impl Iterator<Item = GraphEndpoint> + 'a {
        (0..self.entries_backed())
            .filter_map(move |r| self.entry(r))
            .filter(|e| e.state.load(Ordering::Acquire) == LIVE)
            .filter_map(read_entry)
    }
}

impl ParticipantRow {
    /// The participant's process.
    pub(crate) fn process(&self) -> ProcessId {
        ProcessId {
            pid: self.pid.load(Ordering::Relaxed),
            start_time: self.start_time.load(Ordering::Relaxed),
        }
    }
}

/// A graph entry as read from its row (`None`: unknown kind).
fn read_entry(e: &EntryRow) -> Option<GraphEndpoint> {
    Some(GraphEndpoint {
        kind: EntryKind::from_u32(e.kind.load(Ordering::Relaxed))?,
        node_row: e.node.load(Ordering::Relaxed),
        topic: e.topic.load(),
        type_name: e.type_name.load(),
        gid: load_bytes(&e.gid),
        type_hash: load_bytes(&e.type_hash),
        qos: std::array::from_fn(|i| e.qos[i].load(Ordering::Relaxed)),
    })
}
