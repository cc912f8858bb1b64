//! Wait sets: one hazcat [`Listener`] (a futex word in shared memory) per wait set. Publishers in
//! any process, guard-condition triggers from any thread and graph changes bump it; `wait`
//! checks readiness between reading the epoch and sleeping, so no wake-up is lost and nothing
//! polls.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hazcat_core::{Listener, Waker};

use crate::detail::context::ContextShared;
use crate::detail::wait_spin::{sent_count, spin_for_change, wait_spin, SpinState};
use crate::ret::{RmwError, RmwResult};

/// Something `rmw_wait` can wait for.
pub trait Waitable {
    /// Makes changes of this entity wake `listener` (called at the start of every wait).
    fn attach(&self, listener: &Listener, waker: &Waker);
    /// Undoes what `attach` did that would otherwise outlive the wait.
    fn detach(&self, _waker: &Waker) {}
    /// Whether graph changes can make this entity ready.
    fn needs_graph(&self) -> bool {
        false
    }
    /// Non-consuming readiness check.
    fn is_ready(&self) -> bool;
    /// When (ns since the Unix epoch) the passage of time alone can make this entity ready
    /// (deadlines, liveliness leases), as of the last `is_ready`.
    fn next_due(&self) -> Option<u64> {
        None
    }
    /// Final readiness reported to the caller; may consume (guard conditions are reported once).
    fn take_ready(&self) -> bool {
        self.is_ready()
    }
}

/// What `rmw_wait_set_t::data` points at.
#[derive(Debug)]
pub struct WaitSetImpl {
    /// The context (keeps the participant alive).
    pub ctx: Arc<ContextShared>,
    listener: Listener,
    /// Serializes concurrent waits on one wait set (not allowed by rmw, but must not corrupt);
    /// holds what adaptive polling learnt from this wait set's earlier waits.
    busy: Mutex<SpinState>,
}

impl WaitSetImpl {
    /// Creates a wait set of `ctx`.
    pub fn new(ctx: &Arc<ContextShared>) -> RmwResult<WaitSetImpl> {
        let listener = ctx
            .participant
            .listener()
            .map_err(|e| RmwError::error(format!("rmw_create_wait_set: {e}")))?;
        Ok(WaitSetImpl {
            ctx: ctx.clone(),
            listener,
            busy: Mutex::new(SpinState::default()),
        })
    }

    /// Waits until one entry is ready or `timeout` passes (`None`: forever, zero: poll). Returns
    /// per-entry readiness (what `take_ready` said), in the order given.
    pub fn wait(&self, entries: &[&dyn Waitable], timeout: Option<Duration>) -> Vec<bool> {
        let mut spin_state = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let waker = self.listener.waker();
        let graph = entries.iter().any(|e| e.needs_graph());
        self.listener.set_graph_interest(graph);
        for e in entries {
            e.attach(&self.listener, &waker);
        }
        let started = Instant::now();
        let deadline = timeout.map(|t| started + t);
        let policy = wait_spin();
        let mut spin = spin_state.budget(policy);
        // Whether this wait polled or slept, whether its poll paid, and whether it ended because
        // something was ready.
        let (mut blocked, mut spun, mut paid, mut news) = (false, false, false, false);
        loop {
            // Epoch first, then the checks: anything that happens after this read wakes us.
            let epoch = self.listener.epoch();
            if entries.iter().any(|e| e.is_ready()) {
                news = true;
                break;
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(l) if !l.is_zero() => Some(l),
                    _ => break,
                },
            };
            // Sleep no longer than until an entry can become ready by time alone.
            let due = entries.iter().filter_map(|e| e.next_due()).min().map(|d| {
                Duration::from_nanos(d.saturating_sub(hazcat_core::now_ns()))
                    .max(Duration::from_micros(100))
            });
            let (sleep, capped) = match (left, due) {
                (Some(l), Some(d)) if d < l => (Some(d), true),
                (None, Some(d)) => (Some(d), true),
                (l, _) => (l, false),
            };
            // Poll first (once per wait, within the time we would sleep): news that comes
            // within the spin budget is seen without a futex wake-up.
            blocked = true;
            if !spin.is_zero() {
                let budget = sleep.map_or(spin, |s| s.min(spin));
                spin = Duration::ZERO;
                spun = true;
                let polled = Instant::now();
                if spin_for_change(&self.listener, epoch, budget) {
                    paid = polled.elapsed() <= spin_state.pays_within(budget, sent_count());
                    continue;
                }
            }
            // A wake-up (possibly spurious) or a due time leads to a re-check; the caller's
            // timeout to the final check.
            if !self.listener.wait(epoch, sleep) && !capped {
                break;
            }
        }
        // A wait that returned at once says nothing about how soon news comes.
        if blocked {
            spin_state.record(policy, spun, paid && news, news, started.elapsed());
        }
        spin_state.end_wait(sent_count());
        let ready = entries.iter().map(|e| e.take_ready()).collect();
        for e in entries {
            e.detach(&waker);
        }
        if graph {
            self.listener.set_graph_interest(false);
        }
        ready
    }
}
