//! The per-ROS-domain registry segment: live participants (processes' hazcat contexts), their
//! waker futex words, and the ROS graph (nodes and endpoints) with a generation counter.
//!
//! All mutation happens under the registry's robust mutex. Participants that died are swept out
//! by whoever takes the lock next for a join, a leave, a graph change or a recovery.

mod layout;
mod view;

pub(crate) use layout::*;
pub(crate) use view::RegistryView;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::naming;
use crate::os::{futex, shm_file};
use crate::segment::{Segment, SegmentError, SegmentKind};
use crate::sync::{self, Locked};

/// The mapped registry of one ROS domain.
#[derive(Debug)]
pub(crate) struct Registry {
    seg: Segment,
    pub(crate) ros_domain: u32,
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
            match Segment::open(&name, SegmentKind::Registry) {
                Ok(seg) => {
                    RegistryView::checked(&seg, ros_domain)?;
                    return Ok((Arc::new(Registry { seg, ros_domain }), false));
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            if let Some(seg) =
                Segment::create(&name, SegmentKind::Registry, REGISTRY_SIZE, |seg| {
                    let h: &RegistryHeader = seg.get(HEADER_OFF)?;
                    h.ros_domain.store(ros_domain, Ordering::Relaxed);
                    h.max_participants
                        .store(MAX_PARTICIPANTS as u32, Ordering::Relaxed);
                    h.max_nodes.store(MAX_NODES as u32, Ordering::Relaxed);
                    h.max_entries.store(MAX_ENTRIES as u32, Ordering::Relaxed);
                    Ok(())
                })?
            {
                return Ok((Arc::new(Registry { seg, ros_domain }), true));
            }
            // Someone else created it between our open and create: open theirs.
        }
    }

    /// The reader of this registry's segment (its layout was checked at open).
    #[inline]
    pub(crate) fn view(&self) -> RegistryView<'_> {
        RegistryView::new(&self.seg)
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

    /// Takes the registry lock; after recovering from a dead holder, sweeps dead participants.
    pub(crate) fn lock(&self) -> RegistryGuard<'_> {
        let how = sync::lock(&self.header().lock);
        let g = RegistryGuard { reg: self };
        if how == Locked::Recovered {
            g.sweep_dead();
        }
        g
    }

    /// Removes rows of participants whose process is gone, with their nodes and graph entries.
    /// Caller holds the lock. Returns how many participants were removed.
    pub(crate) fn sweep_dead(&self) -> usize {
        let mut removed = 0;
        for (row, p) in self.view().live_participants() {
            if !p.process().is_alive() {
                self.remove_participant_rows(row as u32);
                removed += 1;
            }
        }
        if removed > 0 {
            self.bump_graph();
        }
        removed
    }

    /// Frees participant `row` and everything it registered in the graph. Caller holds the lock.
    pub(crate) fn remove_participant_rows(&self, row: u32) {
        for i in 0..MAX_NODES {
            if let Some(n) = self.node(i) {
                if n.state.load(Ordering::Relaxed) == LIVE
                    && n.participant.load(Ordering::Relaxed) == row
                {
                    n.state.store(FREE_ROW, Ordering::Release);
                }
            }
        }
        for i in 0..MAX_ENTRIES {
            if let Some(e) = self.entry(i) {
                if e.state.load(Ordering::Relaxed) == LIVE
                    && e.participant.load(Ordering::Relaxed) == row
                {
                    e.state.store(FREE_ROW, Ordering::Release);
                }
            }
        }
        if let Some(p) = self.participant(row as usize) {
            p.graph_mask.store(0, Ordering::Relaxed);
            p.state.store(FREE_ROW, Ordering::Release);
        }
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
        for row in 0..MAX_PARTICIPANTS {
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

    /// Marks the registry closed and removes every object of this domain. Caller holds the lock
    /// and has checked that no participant is left.
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

    pub(crate) fn is_closed(&self) -> bool {
        self.header().closed.load(Ordering::SeqCst) != 0
    }
}
