//! The per-ROS-domain registry segment: live participants (processes' hazcat contexts), their
//! waker futex words, and the ROS graph (nodes and endpoints) with a generation counter.
//!
//! All mutation happens under the registry's robust mutex. Participants that died are swept out
//! by whoever takes the lock next for a join, a leave, a graph change or a recovery.
//!
//! Liveness is kernel-tracked: every participant holds an OFD write lock on byte `row` of the
//! registry file (its *slot*) for as long as its registry handle is open; the kernel drops it when
//! the process dies. A row is dead when no other open file description holds that byte. This
//! works across PID namespaces sharing the shm directory and cannot be fooled by pid reuse; no
//! `/proc` probe decides that a peer is dead.

mod entry;
mod layout;
mod view;

pub use entry::{EntryKind, GraphEndpoint};

pub(crate) use layout::*;
pub(crate) use view::RegistryView;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use crate::naming;
use crate::os::{futex, ofd, shm_file};
use crate::segment::{Segment, SegmentError, SegmentKind};
use crate::sync::{self, LockError, Locked};

/// No slot claimed yet.
const NO_SLOT: u32 = u32::MAX;

/// The mapped registry of one ROS domain: one handle (one open file description) per participant.
#[derive(Debug)]
pub(crate) struct Registry {
    seg: Segment,
    pub(crate) ros_domain: u32,
    /// The slot (participant row) whose OFD lock this handle holds, [`NO_SLOT`] before
    /// [`Registry::claim_slot`].
    own_slot: AtomicU32,
    /// The incarnation of `own_slot` this handle claimed.
    own_incarnation: AtomicU32,
}

/// What a liveness probe of a participant row says about an owner `(row, id)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// The participant is in the domain and its process lives.
    Alive,
    /// Its process still holds the slot but the participant left the domain (the process is
    /// exiting, or shutting its context down): not yet reclaimable, but soon.
    Departing,
    /// Its process is gone, or the row belongs to someone else now.
    Dead,
}

/// Holds the registry lock; releases it on drop.
pub(crate) struct RegistryGuard<'a> {
    reg: &'a Registry,
}

impl Drop for RegistryGuard<'_> {
    fn drop(&mut self) {
        sync::unlock(&self.reg.header().lock);
    }
}

impl std::ops::Deref for RegistryGuard<'_> {
    type Target = Registry;
    fn deref(&self) -> &Registry {
        self.reg
    }
}

impl Registry {
    /// Opens the registry of `ros_domain`, creating it if absent. Returns it with `true` when this
    /// call created it.
    pub(crate) fn open_or_create(ros_domain: u32) -> Result<(Arc<Registry>, bool), SegmentError> {
        let name = naming::registry(ros_domain);
        loop {
            match Segment::open_with(&name, SegmentKind::Registry, true) {
                Ok(seg) => {
                    RegistryView::checked(&seg, ros_domain)?;
                    return Ok((Arc::new(Registry::new(seg, ros_domain)), false));
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            if let Some(seg) = Segment::create_with(
                &name,
                SegmentKind::Registry,
                REGISTRY_SIZE,
                REGISTRY_RESERVED,
                true,
                |seg| {
                    let h: &RegistryHeader = seg.get(HEADER_OFF)?;
                    h.ros_domain.store(ros_domain, Ordering::Relaxed);
                    h.max_participants
                        .store(MAX_PARTICIPANTS as u32, Ordering::Relaxed);
                    h.max_nodes.store(MAX_NODES as u32, Ordering::Relaxed);
                    h.max_entries.store(MAX_ENTRIES as u32, Ordering::Relaxed);
                    Ok(())
                },
            )? {
                return Ok((Arc::new(Registry::new(seg, ros_domain)), true));
            }
            // Someone else created it between our open and create: open theirs.
        }
    }

    /// The reader of this registry's segment (its layout was checked at open).
    #[inline]
    pub(crate) fn view(&self) -> RegistryView<'_> {
        RegistryView::new(&self.seg)
    }

    fn new(seg: Segment, ros_domain: u32) -> Registry {
        Registry {
            seg,
            ros_domain,
            own_slot: AtomicU32::new(NO_SLOT),
            own_incarnation: AtomicU32::new(0),
        }
    }

    /// Claims a free slot: takes the OFD lock on the first byte `row` nobody holds. The kernel
    /// arbitrates, so no registry lock is needed; the row may still be marked LIVE by a dead
    /// previous owner (the caller takes it over under the lock). `Ok(None)`: all slots held.
    /// The row is reserved first (a full shm directory is an error).
    pub(crate) fn claim_slot(&self) -> Result<Option<u32>, SegmentError> {
        let Some(fd) = self.seg.fd() else {
            return Ok(None);
        };
        let Some(slot) = (0..MAX_PARTICIPANTS as u32)
            .find(|&r| matches!(ofd::try_lock(fd, u64::from(r)), Ok(true)))
        else {
            return Ok(None);
        };
        let reserved = PARTICIPANT_TABLE.ensure(
            &self.seg,
            &self.header().participants_backed,
            slot as usize + 1,
        );
        let Some(p) = reserved
            .as_ref()
            .ok()
            .and_then(|()| self.participant(slot as usize))
        else {
            let _ = ofd::unlock(fd, u64::from(slot));
            return reserved.map(|()| None);
        };
        // Only the slot's holder writes its incarnation.
        let incarnation = p.incarnation.fetch_add(1, Ordering::AcqRel).wrapping_add(1) as u32
            & sync::INCARNATION_MASK;
        self.own_incarnation.store(incarnation, Ordering::Relaxed);
        self.own_slot.store(slot, Ordering::Relaxed);
        Ok(Some(slot))
    }

    /// This handle as a lock holder (slot and incarnation).
    pub(crate) fn holder(&self) -> sync::Holder {
        sync::Holder {
            slot: self.own_slot(),
            incarnation: self.own_incarnation.load(Ordering::Relaxed),
        }
    }

    /// Whether a lock holder is alive: its slot is held, by the incarnation that took the lock.
    pub(crate) fn holder_alive(&self, h: sync::Holder) -> bool {
        let Some(slot) = h.slot else { return false };
        let Some(p) = self.participant(slot as usize) else {
            return false;
        };
        (p.incarnation.load(Ordering::Acquire) as u32 & sync::INCARNATION_MASK) == h.incarnation
            && self.slot_alive(slot)
    }

    /// Gives up the slot's OFD lock (after the row was freed): the slot may be claimed again.
    pub(crate) fn release_slot(&self) {
        let slot = self.own_slot.swap(NO_SLOT, Ordering::Relaxed);
        if let (Some(fd), true) = (self.seg.fd(), slot != NO_SLOT) {
            let _ = ofd::unlock(fd, u64::from(slot));
        }
    }

    /// The slot this handle holds, if any.
    pub(crate) fn own_slot(&self) -> Option<u32> {
        let s = self.own_slot.load(Ordering::Relaxed);
        (s != NO_SLOT).then_some(s)
    }

    /// Whether the process holding slot `row` lives (kernel-tracked; see the module docs). Our
    /// own slot is alive. A failed probe counts as alive: never reclaim on doubt.
    pub(crate) fn slot_alive(&self, row: u32) -> bool {
        if row as usize >= MAX_PARTICIPANTS {
            return false;
        }
        if Some(row) == self.own_slot() {
            return true;
        }
        match self.seg.fd() {
            Some(fd) => ofd::is_locked_by_other(fd, u64::from(row)).unwrap_or(true),
            None => true,
        }
    }

    /// Liveness of participant `id`, which joined in row `row`.
    pub(crate) fn owner(&self, row: u32, id: u64) -> Owner {
        let Some(p) = self.participant(row as usize) else {
            return Owner::Dead;
        };
        if p.id.load(Ordering::Acquire) != id || !self.slot_alive(row) {
            return Owner::Dead;
        }
        if p.state.load(Ordering::Acquire) == LIVE {
            Owner::Alive
        } else {
            Owner::Departing
        }
    }

    pub(crate) fn header(&self) -> &RegistryHeader {
        self.view().header()
    }

    pub(crate) fn participant(&self, row: usize) -> Option<&ParticipantRow> {
        self.view().participant(row)
    }

    pub(crate) fn node(&self, row: usize) -> Option<&NodeRow> {
        self.view().node(row)
    }

    pub(crate) fn entry(&self, row: usize) -> Option<&EntryRow> {
        self.view().entry(row)
    }

    /// Takes a lock word of an object of this domain (`object` names it in errors) as this
    /// handle's slot: a holder whose slot is no longer held, or held by a later incarnation, is
    /// dead and taken over; a live one is waited for at most [`sync::lock_timeout`].
    pub(crate) fn lock_word(&self, word: &AtomicU32, object: &str) -> Result<Locked, LockError> {
        sync::lock(word, self.holder(), |h| self.holder_alive(h), object)
    }

    /// Takes the registry lock (the caller has claimed a slot); after recovering from a dead
    /// holder, sweeps dead participants. Fails after a bounded wait for a live holder.
    pub(crate) fn lock(&self) -> Result<RegistryGuard<'_>, LockError> {
        let how = self.lock_word(&self.header().lock, self.seg.name())?;
        let g = RegistryGuard { reg: self };
        if how == Locked::Recovered {
            log::warn!("{}: lock taken over from a dead holder", self.seg.name());
            g.sweep_dead();
        }
        Ok(g)
    }

    /// Removes rows of participants whose process is gone, with their nodes and graph entries.
    /// Caller holds the lock. Returns how many participants were removed.
    pub(crate) fn sweep_dead(&self) -> usize {
        let mut removed = 0;
        for (row, _) in self.view().live_participants() {
            if !self.slot_alive(row as u32) {
                self.remove_participant_rows(row as u32);
                removed += 1;
            }
        }
        if removed > 0 {
            log::info!(
                "{}: {removed} participant(s) found dead, removed from the graph",
                self.seg.name()
            );
            self.note_departure();
            self.bump_graph();
        }
        removed
    }

    /// Records that a participant left or died: what it held in topics may need reclaiming.
    pub(crate) fn note_departure(&self) {
        self.header().departures.fetch_add(1, Ordering::SeqCst);
    }

    /// Departures not yet followed by a complete reclamation pass: `Some(count)` to pass to
    /// [`Registry::reclaimed`] after a pass that found nothing departing.
    pub(crate) fn reclaim_pending(&self) -> Option<u64> {
        let h = self.header();
        let d = h.departures.load(Ordering::SeqCst);
        (h.reclaimed.load(Ordering::SeqCst) != d).then_some(d)
    }

    /// Records a complete reclamation pass that started when `departures` was `upto`.
    pub(crate) fn reclaimed(&self, upto: u64) {
        let _ = self.header().reclaimed.fetch_max(upto, Ordering::SeqCst);
    }

    /// Frees participant `row` and everything it registered in the graph. Caller holds the lock.
    pub(crate) fn remove_participant_rows(&self, row: u32) {
        let v = self.view();
        for i in 0..v.nodes_backed() {
            if let Some(n) = self.node(i) {
                if n.state.load(Ordering::Relaxed) == LIVE
                    && n.participant.load(Ordering::Relaxed) == row
                {
                    self.free_node_row(i, n);
                }
            }
        }
        for i in 0..v.entries_backed() {
            if let Some(e) = self.entry(i) {
                if e.state.load(Ordering::Relaxed) == LIVE
                    && e.participant.load(Ordering::Relaxed) == row
                {
                    self.free_entry_row(i, e);
                }
            }
        }
        if let Some(p) = self.participant(row as usize) {
            p.graph_mask.store(0, Ordering::Relaxed);
            p.state.store(FREE_ROW, Ordering::Release);
        }
    }

    /// Claims a free node row (reserving more of the table when all reserved rows are in use):
    /// `Ok(None)` when the table is at its maximum. Caller holds the lock.
    pub(crate) fn claim_node_row(&self) -> Result<Option<(usize, &NodeRow)>, SegmentError> {
        let h = self.header();
        let row = claim_row(&self.seg, &NODE_TABLE, &h.nodes_backed, &h.node_hint, |i| {
            self.node(i)
                .is_some_and(|n| n.state.load(Ordering::Relaxed) == FREE_ROW)
        })?;
        Ok(row.and_then(|i| Some((i, self.node(i)?))))
    }

    /// [`Registry::claim_node_row`] for graph entries.
    pub(crate) fn claim_entry_row(&self) -> Result<Option<(usize, &EntryRow)>, SegmentError> {
        let h = self.header();
        let row = claim_row(
            &self.seg,
            &ENTRY_TABLE,
            &h.entries_backed,
            &h.entry_hint,
            |i| {
                self.entry(i)
                    .is_some_and(|e| e.state.load(Ordering::Relaxed) == FREE_ROW)
            },
        )?;
        let Some(i) = row else { return Ok(None) };
        KEY_TABLE.ensure(&self.seg, &h.keys_backed, i + 1)?;
        Ok(self
            .entry(i)
            .filter(|_| self.view().key(i).is_some())
            .map(|e| (i, e)))
    }

    /// Frees node row `i`. Caller holds the lock.
    pub(crate) fn free_node_row(&self, i: usize, n: &NodeRow) {
        n.state.store(FREE_ROW, Ordering::Release);
        self.header()
            .node_hint
            .fetch_min(i as u32, Ordering::Relaxed);
    }

    /// Frees entry row `i`. Caller holds the lock.
    pub(crate) fn free_entry_row(&self, i: usize, e: &EntryRow) {
        e.state.store(FREE_ROW, Ordering::Release);
        if let Some(k) = self.view().key(i) {
            k.store(0, Ordering::Release);
        }
        self.header()
            .entry_hint
            .fetch_min(i as u32, Ordering::Relaxed);
    }

    /// Number of live participant rows. Caller holds the lock.
    pub(crate) fn live_participants(&self) -> usize {
        self.view().live_participants().count()
    }

    /// Increments the graph generation and wakes every waker that asked for graph changes.
    pub(crate) fn bump_graph(&self) {
        self.header()
            .graph_generation
            .fetch_add(1, Ordering::SeqCst);
        for row in 0..self.view().participants_backed() {
            let Some(p) = self.participant(row) else {
                continue;
            };
            if p.state.load(Ordering::Acquire) != LIVE {
                continue;
            }
            let mask = p.graph_mask.load(Ordering::Acquire);
            for slot in 0..WAKERS_PER_PARTICIPANT {
                if mask & (1 << slot) != 0 {
                    self.wake(row as u32, slot as u32);
                }
            }
        }
    }

    /// Bumps and wakes one waker word (`row`, `slot`); out-of-range values are ignored (they may
    /// come from a corrupt topic segment).
    pub(crate) fn wake(&self, row: u32, slot: u32) {
        if let Some(w) = self.waker_word(row, slot) {
            w.fetch_add(1, Ordering::SeqCst);
            futex::wake(w, i32::MAX);
        }
    }

    pub(crate) fn waker_word(&self, row: u32, slot: u32) -> Option<&std::sync::atomic::AtomicU32> {
        if slot as usize >= WAKERS_PER_PARTICIPANT {
            return None;
        }
        self.participant(row as usize)
            .map(|p| &p.wakers[slot as usize])
    }

    /// Marks the registry closed and removes every object of this domain, then the per-user shm
    /// directory if no other domain has objects there. Caller holds the lock and has checked that
    /// no participant is left.
    pub(crate) fn close_and_unlink_all(&self) {
        self.header().closed.store(1, Ordering::SeqCst);
        // While our registry still holds its name nobody can create a newer one (newcomers open
        // ours and wait for this lock), so every other object of the domain is ours to remove.
        // If the name already belongs to a newer registry, its objects are not ours.
        if self.seg.names_this_object() {
            let me = naming::registry(self.ros_domain);
            for name in shm_file::list(&naming::prefix(self.ros_domain)) {
                if name != me {
                    let _ = shm_file::unlink(&name);
                }
            }
        }
        self.seg.unlink();
        // Nothing of this user may outlive its last process in /dev/shm; a process about to
        // create an object there re-creates the directory.
        shm_file::remove_dir_if_empty();
    }

    /// Removes every object of this domain except the registry: called by a participant that
    /// joined while no other participant was alive, so all of them are leftovers of dead processes.
    pub(crate) fn unlink_stale_objects(&self) {
        let me = naming::registry(self.ros_domain);
        for name in shm_file::list(&naming::prefix(self.ros_domain)) {
            if name != me {
                let _ = shm_file::unlink(&name);
            }
        }
    }

    /// Removes this registry's name if it still names this object.
    pub(crate) fn unlink_self(&self) {
        self.seg.unlink();
    }

    /// `Err` naming the registry when a peer truncated or shrank it under this mapping.
    pub(crate) fn check_intact(&self) -> Result<(), SegmentError> {
        self.seg.check_intact()
    }

    /// Whether the registry was truncated or shrunk under this mapping, checking its current
    /// size (a system call: for waiters' periodic checks).
    pub(crate) fn probe_damaged(&self) -> bool {
        self.seg.probe_damaged()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.header().closed.load(Ordering::SeqCst) != 0
    }
}

/// The first free row of `table` at or above `hint` (no row below it is free), growing the
/// reserved rows when none is: creating rows one after another costs O(1) amortised. `Ok(None)`:
/// every row up to the table's maximum is in use. Caller holds the registry lock.
fn claim_row(
    seg: &Segment,
    table: &crate::segment::Table,
    backed: &AtomicU32,
    hint: &AtomicU32,
    is_free: impl Fn(usize) -> bool,
) -> Result<Option<usize>, SegmentError> {
    let have = table.backed(backed);
    let start = (hint.load(Ordering::Relaxed) as usize).min(have);
    // The hint lives in shared memory: a wrong one only costs a full scan.
    let found = (start..have)
        .find(|&i| is_free(i))
        .or_else(|| (0..start).find(|&i| is_free(i)));
    let row = match found {
        Some(i) => i,
        None => {
            table.ensure(seg, backed, have + 1)?;
            if table.backed(backed) <= have {
                return Ok(None);
            }
            have
        }
    };
    hint.store(row as u32 + 1, Ordering::Relaxed);
    Ok(Some(row))
}
