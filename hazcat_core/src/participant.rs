//! A participant: one process's membership of a ROS domain (the `membership` module: its row in
//! the domain registry and the waker futex words its listeners sleep on) and the topic handles it
//! opened.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

use crate::membership::ParticipantInner;
pub use crate::membership::{GuardCondition, Listener, ListenerError, Waker, WakerAddr};
use crate::os::process::{self, ProcessId};
use crate::registry::{Registry, LIVE, MAX_PARTICIPANTS};
use crate::segment::SegmentError;
use crate::sync::LockError;
use crate::topic::{
    EndpointError, Publisher, PublisherOptions, Subscriber, SubscriberOptions, Topic,
    TopicOpenError, TypeInfo,
};

/// Why [`Participant::publisher`] or [`Participant::subscriber`] failed.
#[derive(Debug)]
pub enum CreateError {
    /// Opening the topic failed.
    Topic(TopicOpenError),
    /// Creating the endpoint failed.
    Endpoint(EndpointError),
}

impl fmt::Display for CreateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CreateError::Topic(e) => e.fmt(f),
            CreateError::Endpoint(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CreateError {}

impl From<TopicOpenError> for CreateError {
    fn from(e: TopicOpenError) -> Self {
        CreateError::Topic(e)
    }
}

/// Why joining a ROS domain failed.
#[derive(Debug)]
pub enum JoinError {
    /// The registry could not be created, opened or validated.
    Registry(SegmentError),
    /// Every participant row of the domain is in use by live processes.
    Full,
    /// The registry lock is held by a live participant for longer than the bounded wait.
    Busy(LockError),
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Registry(e) => write!(f, "cannot join ROS domain: {e}"),
            JoinError::Full => write!(
                f,
                "ROS domain has {MAX_PARTICIPANTS} live participants already"
            ),
            JoinError::Busy(e) => write!(f, "cannot join ROS domain: {e}"),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<SegmentError> for JoinError {
    fn from(e: SegmentError) -> Self {
        JoinError::Registry(e)
    }
}

/// This process's membership of one ROS domain. Cloning is cheap (shared handle).
#[derive(Clone)]
pub struct Participant {
    pub(crate) inner: Arc<ParticipantInner>,
    /// The topic handles it opened, shared by its clones.
    topics: Arc<Mutex<HashMap<String, Weak<Topic>>>>,
}

impl fmt::Debug for Participant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Participant")
            .field("inner", &self.inner)
            .finish()
    }
}

impl Drop for Participant {
    fn drop(&mut self) {
        // The last handle (clones share `topics`) leaving: a leave is one of the moments
        // survivors reclaim what departed participants left behind. The row itself is freed when
        // the last topic handle lets go of the membership.
        if Arc::strong_count(&self.topics) == 1 {
            self.reclaim_departed();
        }
    }
}

impl Participant {
    /// Joins `ros_domain`: creates the domain registry if this is the first participant, sweeps
    /// out participants of dead processes, and removes objects left by them.
    pub fn join(ros_domain: u32) -> Result<Participant, JoinError> {
        let me = ProcessId::current();
        loop {
            let (registry, _created) = Registry::open_or_create(ros_domain)?;
            // The slot (an OFD lock the kernel holds for us until we leave or die) comes first:
            // it is our identity as a lock holder and our liveness beacon.
            let row = registry.claim_slot()?.ok_or(JoinError::Full)?;
            let guard = registry.lock().map_err(JoinError::Busy)?;
            if guard.is_closed() {
                // The last participant closed this registry (and normally unlinked it before
                // unlocking; if it died in between, finish its job). A fresh one follows.
                guard.unlink_self();
                drop(guard);
                std::thread::yield_now();
                continue;
            }
            guard.sweep_dead();
            let p = guard
                .participant(row as usize)
                .expect("claimed slots are rows");
            if p.state.load(Ordering::Relaxed) == LIVE {
                // A dead participant's row whose slot we now hold: remove what it left.
                guard.remove_participant_rows(row);
                guard.note_departure();
                guard.bump_graph();
            }
            let alone = guard.live_participants() == 0;
            let id = process::random_u64();
            p.pid.store(me.pid, Ordering::Relaxed);
            p.start_time.store(me.start_time, Ordering::Relaxed);
            p.id.store(id, Ordering::Release);
            p.graph_mask.store(0, Ordering::Relaxed);
            p.state.store(LIVE, Ordering::Release);
            if alone {
                guard.unlink_stale_objects();
            }
            drop(guard);
            let inner = ParticipantInner::new(registry.clone(), row, id);
            let participant = Participant {
                inner,
                topics: Arc::default(),
            };
            participant.reclaim_departed();
            return Ok(participant);
        }
    }

    /// Slot (row) of this participant in the domain registry; its OFD lock is the participant's
    /// kernel-tracked liveness.
    pub fn slot(&self) -> u32 {
        self.inner.row
    }

    /// If participants left or died since the last complete pass, releases what their endpoints
    /// still hold in every topic of the domain (queued samples, loans, pools), removes topics
    /// left without endpoints and pools they created but never registered in a topic. Returns
    /// the number of endpoints reclaimed.
    fn reclaim_departed(&self) -> usize {
        match self.inner.registry.reclaim_pending() {
            Some(upto) => {
                let pass = crate::topic::reclaim_domain(&self.inner);
                if pass.endpoints > 0 || pass.pools > 0 {
                    log::info!(
                        "ROS domain {}: reclaimed {} endpoint(s) and {} unregistered pool(s) of \
                         departed participants",
                        self.inner.registry.ros_domain,
                        pass.endpoints,
                        pass.pools
                    );
                }
                if pass.complete {
                    self.inner.registry.reclaimed(upto);
                }
                pass.endpoints
            }
            None => 0,
        }
    }

    /// The ROS domain id.
    pub fn ros_domain(&self) -> u32 {
        self.inner.registry.ros_domain
    }

    /// Random 64-bit id of this participant (unique across processes).
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// Opens (or creates) the queue of `name` carrying `type_info`. Handles are shared within the
    /// participant: opening the same topic twice returns the same queue.
    ///
    /// A queue whose last endpoint left is closed; a cached handle to it is replaced by a fresh
    /// queue here. Between this call and creating an endpoint, another process may close it too:
    /// endpoint creation then fails with `EndpointError::TopicClosed` and callers open again (as
    /// [`Participant::publisher`] and [`Participant::subscriber`] do).
    pub fn topic(&self, name: &str, type_info: &TypeInfo) -> Result<Arc<Topic>, TopicOpenError> {
        let key = format!("{name}\n{}", type_info.name);
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = topics.get(&key).and_then(Weak::upgrade) {
            if !t.is_closed() {
                t.check_type(type_info)?;
                return Ok(t);
            }
        }
        let t = Arc::new(Topic::open(self.inner.clone(), name, type_info)?);
        // Forget closed handles when the map doubles: amortised O(1) per open.
        if topics.len().is_power_of_two() {
            topics.retain(|_, w| w.strong_count() > 0);
        }
        topics.insert(key, Arc::downgrade(&t));
        Ok(t)
    }

    /// Opens `name` and creates a publisher on it, reopening if the queue closes in between.
    pub fn publisher(
        &self,
        name: &str,
        type_info: &TypeInfo,
        opts: PublisherOptions,
    ) -> Result<Publisher, CreateError> {
        loop {
            let t = self.topic(name, type_info)?;
            match Publisher::new(&t, opts.clone()) {
                Err(EndpointError::TopicClosed) => continue,
                other => return other.map_err(CreateError::Endpoint),
            }
        }
    }

    /// Opens `name` and creates a subscriber on it, reopening if the queue closes in between.
    pub fn subscriber(
        &self,
        name: &str,
        type_info: &TypeInfo,
        opts: SubscriberOptions,
    ) -> Result<Subscriber, CreateError> {
        loop {
            let t = self.topic(name, type_info)?;
            match Subscriber::new(&t, opts.clone()) {
                Err(EndpointError::TopicClosed) => continue,
                other => return other.map_err(CreateError::Endpoint),
            }
        }
    }

    /// Creates a listener: a futex word that publishers, guard conditions and graph changes bump.
    pub fn listener(&self) -> Result<Listener, ListenerError> {
        self.inner.listener()
    }

    /// Removes participants of dead processes (with their nodes and endpoints) from the graph,
    /// as [`Participant::graph`] does first, then releases what departed participants still hold
    /// in topics (queued samples, loans, pools; topics left without endpoints are removed). A
    /// removal moves the graph generation and wakes graph listeners. Returns how many
    /// participants were removed (0 as well when the registry lock could not be taken within the
    /// bounded wait).
    pub fn sweep_dead(&self) -> usize {
        let removed = self.inner.registry.lock().map_or(0, |g| g.sweep_dead());
        self.reclaim_departed();
        removed
    }

    /// Current graph generation; changes on every graph change in the domain.
    pub fn graph_generation(&self) -> u64 {
        self.inner
            .registry
            .header()
            .graph_generation
            .load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming;
    use crate::os::shm_file;

    #[test]
    fn join_recovers_from_a_registry_left_closed_but_linked() {
        // What a last participant killed between "closed" and "unlink" leaves behind.
        let domain = 90_000 + std::process::id() % 10_000;
        let stale = Participant::join(domain).unwrap();
        stale
            .inner
            .registry
            .header()
            .closed
            .store(1, Ordering::SeqCst);
        let fresh = Participant::join(domain).expect("join must not spin on a closed registry");
        assert_ne!(stale.id(), fresh.id());
        let t = fresh
            .topic("/after", &crate::TypeInfo::named("x/msg/Y"))
            .unwrap();
        // The stale participant leaving must not remove the fresh registry or its topics.
        drop(stale);
        assert!(shm_file::list(&naming::prefix(domain)).len() >= 2);
        drop(t);
        drop(fresh);
        assert!(shm_file::list(&naming::prefix(domain)).is_empty());
    }
}
