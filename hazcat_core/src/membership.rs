//! One process's membership of a ROS domain, below topics: its row in the domain registry, its
//! id, the waker futex words its listeners sleep on, and what lives on those words (listeners,
//! wakers, guard conditions). Topics and the graph build on it; [`crate::participant`] is the
//! public handle that also opens topics.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};

use crate::registry::Registry;

pub(crate) struct ParticipantInner {
    pub(crate) registry: Arc<Registry>,
    pub(crate) row: u32,
    pub(crate) id: u64,
    /// Waker slots in use by this participant's listeners.
    waker_slots: Mutex<u64>,
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

impl ParticipantInner {
    /// The membership of this process in registry row `row` (already marked live), left again
    /// when the last handle drops or at process exit.
    pub(crate) fn new(registry: Arc<Registry>, row: u32, id: u64) -> Arc<ParticipantInner> {
        let inner = ParticipantInner {
            registry,
            row,
            id,
            waker_slots: Mutex::new(0),
            left: std::sync::atomic::AtomicBool::new(false),
        };
        let inner = Arc::new(inner);
        register_for_exit(&inner);
        inner
    }

    /// Creates a listener on one of the participant's free waker slots.
    pub(crate) fn listener(self: &Arc<Self>) -> Result<Listener, ListenerError> {
        let mut slots = self.waker_slots.lock().unwrap_or_else(|e| e.into_inner());
        let free = (!*slots).trailing_zeros();
        if free >= 64 {
            return Err(ListenerError::Exhausted);
        }
        *slots |= 1 << free;
        Ok(Listener {
            participant: self.clone(),
            slot: free,
        })
    }

    /// Leaves the domain (once): frees the registry row, and as the last live participant removes
    /// every object of the domain. With `release_slot` it also gives up its slot's OFD lock (a
    /// normal leave); at process exit the kernel drops it when the process is gone, so that
    /// peers do not judge its still-running threads dead while they finish.
    fn leave(&self, release_slot: bool) {
        if self.left.swap(true, Ordering::SeqCst) {
            return;
        }
        // A lock held by a live peer for longer than the bounded wait: leave without the lock;
        // survivors sweep this row out once the process is gone.
        let Ok(guard) = self.registry.lock() else {
            log::warn!("leaving without the registry lock (held by a live peer); survivors sweep");
            return;
        };
        guard.remove_participant_rows(self.row);
        guard.note_departure();
        guard.sweep_dead();
        guard.bump_graph();
        if guard.live_participants() == 0 {
            log::debug!("last participant of the domain: removing every object");
            guard.close_and_unlink_all();
        }
        drop(guard);
        if release_slot {
            self.registry.release_slot();
        }
    }
}

impl Drop for ParticipantInner {
    fn drop(&mut self) {
        self.leave(true);
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
        // Held by a thread of this process (which exit stopped mid-way): do not wait for it.
        let holder = crate::sync::Holder::of(p.registry.header().lock.load(Ordering::Relaxed));
        if holder != p.registry.holder() {
            p.leave(false);
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

/// Longest sleep of a listener between checks that its registry is intact.
const DAMAGE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

impl Listener {
    /// The listener's wake-up word; a process-local stand-in when the registry no longer
    /// shows our row (a peer truncated it): waits then return at once (see [`Listener::wait`]).
    fn word(&self) -> &std::sync::atomic::AtomicU32 {
        static LOST: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        self.participant
            .registry
            .waker_word(self.participant.row, self.slot)
            .unwrap_or(&LOST)
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
    /// Returns whether the word changed. Returns `true` as well when the registry holding the
    /// word was truncated by a peer (wake-ups can no longer arrive): callers then find the error
    /// on their next operation instead of sleeping forever; checked once per [`DAMAGE_CHECK`].
    pub fn wait(&self, epoch: u32, timeout: Option<std::time::Duration>) -> bool {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        // The size check is a system call: only after a sleep ended without a change, so a wait
        // that is answered promptly costs none.
        let mut slept = false;
        loop {
            if self.word().load(Ordering::SeqCst) != epoch
                || (slept && self.participant.registry.probe_damaged())
            {
                return true;
            }
            slept = true;
            let left = match deadline {
                Some(d) => match d.checked_duration_since(std::time::Instant::now()) {
                    Some(l) if !l.is_zero() => l.min(DAMAGE_CHECK),
                    _ => return false,
                },
                None => DAMAGE_CHECK,
            };
            crate::os::futex::wait(self.word(), epoch, Some(left));
        }
    }

    /// Whether graph changes in the domain wake this listener.
    pub fn set_graph_interest(&self, on: bool) {
        // Our row is gone only if a peer truncated the registry: nothing left to set.
        let Some(p) = self
            .participant
            .registry
            .participant(self.participant.row as usize)
        else {
            return;
        };
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
