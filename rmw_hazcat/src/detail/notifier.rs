//! The per-participant notifier thread behind every listener callback
//! (`rmw_*_set_on_new_*_callback`, `rmw_event_set_callback`), which is what rclcpp's
//! `EventsExecutor` runs on.
//!
//! A publisher cannot call into another process, so the receiving process announces: every
//! entity with a callback registers a [`Pump`] here and makes its arrivals wake the notifier's
//! listener (a futex word in shared memory); graph changes wake it too. The thread then pumps
//! every registered entity, which counts what is new and calls its callbacks. Pumps that track
//! time (deadlines, liveliness leases) say when they want to run again; the thread sleeps until
//! the earliest such time or the next wake-up, never polling.

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use hazcat_core::{Listener, Participant, Waker};

use crate::ret::{RmwError, RmwResult};

/// A listener callback and its user data, as `rmw_*_set_*_callback` registers them.
#[derive(Clone, Copy)]
pub struct Callback {
    f: unsafe extern "C" fn(*const c_void, usize),
    user_data: usize,
}

impl Callback {
    /// The callback `f` with `user_data`; `None` when `f` is (clearing it).
    pub fn new(
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
    ) -> Option<Callback> {
        f.map(|f| Callback {
            f,
            user_data: user_data as usize,
        })
    }

    /// Announces `n` new items (nothing for 0).
    pub fn call(&self, n: usize) {
        if n > 0 {
            // SAFETY: callback and user data were registered together by the caller of
            // `rmw_*_set_*_callback`, who keeps them valid while registered; every owner clears
            // its callbacks (waiting for a call in flight) before it is destroyed.
            unsafe { (self.f)(self.user_data as *const c_void, n) };
        }
    }
}

/// Something with listener callbacks that the notifier thread runs.
pub trait Pump: Send + Sync {
    /// Announces what is new to the callbacks; returns when (ns since the Unix epoch) to be
    /// pumped again at the latest, `None` when only a wake-up can bring news.
    fn pump(&self) -> Option<u64>;
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One thread per participant that fires listener callbacks.
pub struct Notifier {
    shared: Arc<Shared>,
    waker: Waker,
    thread: Option<JoinHandle<()>>,
    participant_id: u64,
}

struct Shared {
    listener: Listener,
    stop: AtomicBool,
    pumps: Mutex<Vec<Weak<dyn Pump>>>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("participant", &format_args!("{:016x}", self.participant_id))
            .finish()
    }
}

fn notifiers() -> &'static Mutex<Vec<(u64, Weak<Notifier>)>> {
    static N: Mutex<Vec<(u64, Weak<Notifier>)>> = Mutex::new(Vec::new());
    &N
}

impl Notifier {
    /// The notifier of `participant`, started on first use and stopped with its last user.
    pub fn for_participant(participant: &Participant) -> RmwResult<Arc<Notifier>> {
        let mut all = lock(notifiers());
        all.retain(|(_, w)| w.strong_count() > 0);
        if let Some(n) = all
            .iter()
            .find(|(id, _)| *id == participant.id())
            .and_then(|(_, w)| w.upgrade())
        {
            return Ok(n);
        }
        let listener = participant
            .listener()
            .map_err(|e| RmwError::error(format!("listener callback: {e}")))?;
        // Matched / incompatible-QoS / liveliness events change with the graph.
        listener.set_graph_interest(true);
        let waker = listener.waker();
        let shared = Arc::new(Shared {
            listener,
            stop: AtomicBool::new(false),
            pumps: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("hazcat-notify".into())
            .spawn(move || run(&s))
            .map_err(|e| RmwError::error(format!("cannot start the notifier thread: {e}")))?;
        let n = Arc::new(Notifier {
            shared,
            waker,
            thread: Some(thread),
            participant_id: participant.id(),
        });
        all.push((participant.id(), Arc::downgrade(&n)));
        Ok(n)
    }

    /// What arrivals for a registered pump must wake.
    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    /// Wakes the thread (after a pump's next due time moved earlier, or news it cannot see).
    pub fn wake(&self) {
        self.waker.wake();
    }

    /// Pumps `p` from now on (until it is dropped or unregistered).
    pub fn register(&self, p: Weak<dyn Pump>) {
        let mut v = lock(&self.shared.pumps);
        v.retain(|w| w.strong_count() > 0);
        if !v.iter().any(|w| Weak::ptr_eq(w, &p)) {
            v.push(p);
        }
        drop(v);
        self.wake();
    }

    /// Stops pumping `p`.
    pub fn unregister(&self, p: &Weak<dyn Pump>) {
        lock(&self.shared.pumps).retain(|w| w.strong_count() > 0 && !Weak::ptr_eq(w, p));
    }
}

fn run(s: &Shared) {
    loop {
        // Epoch first, then the work: a wake-up after this read ends the wait below.
        let epoch = s.listener.epoch();
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        let pumps: Vec<Arc<dyn Pump>> = lock(&s.pumps).iter().filter_map(Weak::upgrade).collect();
        let next = pumps.iter().filter_map(|p| p.pump()).min();
        drop(pumps);
        // At least a millisecond: a due time already past cannot make this loop spin.
        let timeout = next.map(|due| {
            Duration::from_nanos(due.saturating_sub(hazcat_core::now_ns()))
                .max(Duration::from_millis(1))
        });
        s.listener.wait(epoch, timeout);
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.waker.wake();
        if let Some(t) = self.thread.take() {
            if t.thread().id() != std::thread::current().id() {
                let _ = t.join();
            }
        }
    }
}
