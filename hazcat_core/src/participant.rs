//! A participant: one process's membership of a ROS domain. It owns a row in the domain registry,
//! the waker futex words its listeners sleep on, and the topic handles it opened.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

use crate::os::process::{self, ProcessId};
use crate::registry::{Registry, FREE_ROW, LIVE, MAX_PARTICIPANTS};
use crate::segment::SegmentError;
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
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Registry(e) => write!(f, "cannot join ROS domain: {e}"),
            JoinError::Full => write!(
                f,
                "ROS domain has {MAX_PARTICIPANTS} live participants already"
            ),
        }
    }
}

impl std::error::Error for JoinError {}

impl From<SegmentError> for JoinError {
    fn from(e: SegmentError) -> Self {
        JoinError::Registry(e)
    }
}

pub(crate) struct ParticipantInner {
    pub(crate) registry: Arc<Registry>,
    pub(crate) row: u32,
    pub(crate) id: u64,
    pub(crate) process: ProcessId,
    /// Waker slots in use by this participant's listeners.
    waker_slots: Mutex<u64>,
    topics: Mutex<HashMap<String, Weak<Topic>>>,
    /// Set once the participant left the registry (on drop or at process exit).
    left: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for ParticipantInner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Participant")
            .field("ros_domain", &self.registry.ros_domain)
            .field("row", &self.row)
            .field("id", &format_args!("{:016x}", self.id))
            .finish()
    }
}

/// This process's membership of one ROS domain. Cloning is cheap (shared handle).
#[derive(Clone, Debug)]
pub struct Participant {
    pub(crate) inner: Arc<ParticipantInner>,
}

impl Participant {
    /// Joins `ros_domain`: creates the domain registry if this is the first participant, sweeps
    /// out participants of dead processes, and removes objects left by them.
    pub fn join(ros_domain: u32) -> Result<Participant, JoinError> {
        let me = ProcessId::current();
        loop {
            let (registry, _created) = Registry::open_or_create(ros_domain)?;
            let guard = registry.lock();
            if guard.is_closed() {
                // The last participant closed this registry (and normally unlinked it before
                // unlocking; if it died in between, finish its job). A fresh one follows.
                guard.unlink_self();
                drop(guard);
                std::thread::yield_now();
                continue;
            }
            guard.sweep_dead();
            let alone = guard.live_participants() == 0;
            let mut row = None;
            for r in 0..MAX_PARTICIPANTS {
                let Some(p) = guard.participant(r) else {
                    continue;
                };
                if p.state.load(Ordering::Relaxed) == FREE_ROW {
                    row = Some((r, p));
                    break;
                }
            }
            let Some((row, p)) = row else {
                return Err(JoinError::Full);
            };
            let id = process::random_u64();
            p.pid.store(me.pid, Ordering::Relaxed);
            p.start_time.store(me.start_time, Ordering::Relaxed);
            p.id.store(id, Ordering::Relaxed);
            p.graph_mask.store(0, Ordering::Relaxed);
            p.state.store(LIVE, Ordering::Release);
            if alone {
                guard.unlink_stale_objects();
            }
            drop(guard);
            let inner = ParticipantInner {
                registry: registry.clone(),
                row: row as u32,
                id,
                process: me,
                waker_slots: Mutex::new(0),
                topics: Mutex::new(HashMap::new()),
                left: std::sync::atomic::AtomicBool::new(false),
            };
            let inner = Arc::new(inner);
            register_for_exit(&inner);
            return Ok(Participant { inner });
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
        let mut topics = self.inner.topics.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = topics.get(&key).and_then(Weak::upgrade) {
            if !t.is_closed() {
                t.check_type(type_info)?;
                return Ok(t);
            }
        }
        let t = Arc::new(Topic::open(self.inner.clone(), name, type_info)?);
        topics.retain(|_, w| w.strong_count() > 0);
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
        let mut slots = self
            .inner
            .waker_slots
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let free = (!*slots).trailing_zeros();
        if free >= 64 {
            return Err(ListenerError::Exhausted);
        }
        *slots |= 1 << free;
        Ok(Listener {
            participant: self.inner.clone(),
            slot: free,
        })
    }

    /// Removes participants of dead processes (with their nodes and endpoints) from the graph,
    /// as [`Participant::graph`] does first. A removal moves the graph generation and wakes graph
    /// listeners. Returns how many participants were removed.
    pub fn sweep_dead(&self) -> usize {
        self.inner.registry.lock().sweep_dead()
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

impl ParticipantInner {
    /// Leaves the domain (once): frees the registry row, and as the last live participant removes
    /// every object of the domain.
    fn leave(&self) {
        if self.left.swap(true, Ordering::SeqCst) {
            return;
        }
        let guard = self.registry.lock();
        guard.remove_participant_rows(self.row);
        guard.sweep_dead();
        guard.bump_graph();
        if guard.live_participants() == 0 {
            guard.close_and_unlink_all();
        }
    }
}

impl Drop for ParticipantInner {
    fn drop(&mut self) {
        self.leave();
    }
}

/// Participants alive in this process, for the exit hook.
static IN_PROCESS: Mutex<Vec<Weak<ParticipantInner>>> = Mutex::new(Vec::new());

fn register_for_exit(p: &Arc<ParticipantInner>) {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        // SAFETY: registering a plain `extern "C" fn()` with no preconditions.
        unsafe {
            libc::atexit(leave_all_at_exit);
        }
    });
    let mut live = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    live.retain(|w| w.strong_count() > 0);
    live.push(Arc::downgrade(p));
}

/// Runs at normal process exit (`exit()` or returning from `main`), when destructors of objects
/// still owned by C callers (an rmw context never shut down, a test that panicked) will never run:
/// leaves every domain this process still belongs to, so the last process out still removes the
/// shared memory. A registry lock held by another thread of this exiting process is not waited
/// for (that participant is skipped; survivors or the next joiner reclaim it).
extern "C" fn leave_all_at_exit() {
    let Ok(live) = IN_PROCESS.try_lock() else {
        return;
    };
    for p in live.iter().filter_map(Weak::upgrade) {
        let holder = p.registry.header().lock.load(Ordering::Relaxed) & !(1 << 31);
        let ours =
            holder != 0 && std::path::Path::new(&format!("/proc/self/task/{holder}")).exists();
        if !ours {
            p.leave();
        }
    }
}

/// Why a listener could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerError {
    /// All 64 waker slots of the participant are in use.
    Exhausted,
}

impl fmt::Display for ListenerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("all 64 listener slots of this participant are in use")
    }
}

impl std::error::Error for ListenerError {}

/// Address of a waker word, storable in shared memory so that other processes can wake it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WakerAddr {
    pub(crate) row: u32,
    pub(crate) slot: u32,
}

impl WakerAddr {
    /// Packed form for shared memory (0 means "none").
    pub(crate) fn pack(self) -> u64 {
        (1 << 63) | (u64::from(self.row) << 32) | u64::from(self.slot)
    }

    pub(crate) fn unpack(v: u64) -> Option<WakerAddr> {
        (v >> 63 == 1).then_some(WakerAddr {
            row: ((v >> 32) & 0x7fff_ffff) as u32,
            slot: v as u32,
        })
    }
}

/// A sleeping point for one waiter (a wait set): blocks until something bumps its futex word.
///
/// Use: `let e = l.epoch();` check every condition; if none holds, `l.wait(e, timeout)`. Any
/// publish, trigger or graph change after `epoch()` makes `wait` return at once: no lost wake-ups.
pub struct Listener {
    participant: Arc<ParticipantInner>,
    slot: u32,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("slot", &self.slot)
            .finish()
    }
}

impl Listener {
    fn word(&self) -> &std::sync::atomic::AtomicU32 {
        self.participant
            .registry
            .waker_word(self.participant.row, self.slot)
            .expect("own waker slot is in range")
    }

    /// Where others wake this listener.
    pub fn addr(&self) -> WakerAddr {
        WakerAddr {
            row: self.participant.row,
            slot: self.slot,
        }
    }

    /// A waker that bumps this listener from any thread of this process.
    pub fn waker(&self) -> Waker {
        Waker {
            registry: self.participant.registry.clone(),
            addr: self.addr(),
        }
    }

    /// Current value of the word; pass it to [`Listener::wait`].
    pub fn epoch(&self) -> u32 {
        self.word().load(Ordering::SeqCst)
    }

    /// Sleeps while the word still equals `epoch`, at most `timeout` (`None`: forever).
    /// Returns whether the word changed.
    pub fn wait(&self, epoch: u32, timeout: Option<std::time::Duration>) -> bool {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            if self.word().load(Ordering::SeqCst) != epoch {
                return true;
            }
            let left = match deadline {
                Some(d) => match d.checked_duration_since(std::time::Instant::now()) {
                    Some(l) if !l.is_zero() => Some(l),
                    _ => return false,
                },
                None => None,
            };
            crate::os::futex::wait(self.word(), epoch, left);
        }
    }

    /// Whether graph changes in the domain wake this listener.
    pub fn set_graph_interest(&self, on: bool) {
        let p = self
            .participant
            .registry
            .participant(self.participant.row as usize)
            .expect("own row");
        if on {
            p.graph_mask.fetch_or(1 << self.slot, Ordering::SeqCst);
        } else {
            p.graph_mask.fetch_and(!(1 << self.slot), Ordering::SeqCst);
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.set_graph_interest(false);
        let mut slots = self
            .participant
            .waker_slots
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *slots &= !(1 << self.slot);
    }
}

/// Wakes one listener; cheap to clone and usable from any thread.
#[derive(Clone, Debug)]
pub struct Waker {
    registry: Arc<Registry>,
    addr: WakerAddr,
}

impl Waker {
    /// Bumps the listener's word and wakes its sleepers.
    pub fn wake(&self) {
        self.registry.wake(self.addr.row, self.addr.slot);
    }

    /// The listener address this waker targets.
    pub fn addr(&self) -> WakerAddr {
        self.addr
    }
}

/// A user-triggered condition (rmw guard condition): `trigger` sets it and wakes every attached
/// listener; a wait consumes it with [`GuardCondition::take`].
#[derive(Debug, Default)]
pub struct GuardCondition {
    triggered: std::sync::atomic::AtomicBool,
    wakers: Mutex<Vec<Waker>>,
}

impl GuardCondition {
    /// A new, untriggered guard condition.
    pub fn new() -> GuardCondition {
        GuardCondition::default()
    }

    /// Sets the condition and wakes attached listeners.
    pub fn trigger(&self) {
        self.triggered.store(true, Ordering::SeqCst);
        for w in self.wakers.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            w.wake();
        }
    }

    /// Whether the condition is set (without clearing it).
    pub fn is_triggered(&self) -> bool {
        self.triggered.load(Ordering::SeqCst)
    }

    /// Clears the condition; returns whether it was set.
    pub fn take(&self) -> bool {
        self.triggered.swap(false, Ordering::SeqCst)
    }

    /// Makes `trigger` wake `waker`'s listener (idempotent).
    pub fn attach(&self, waker: &Waker) {
        let mut ws = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        if !ws
            .iter()
            .any(|w| w.addr == waker.addr && Arc::ptr_eq(&w.registry, &waker.registry))
        {
            ws.push(waker.clone());
        }
    }

    /// Stops waking `waker`'s listener.
    pub fn detach(&self, waker: &Waker) {
        let mut ws = self.wakers.lock().unwrap_or_else(|e| e.into_inner());
        ws.retain(|w| !(w.addr == waker.addr && Arc::ptr_eq(&w.registry, &waker.registry)));
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
