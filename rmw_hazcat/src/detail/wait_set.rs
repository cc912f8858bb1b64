//! Wait sets: one hazcat [`Listener`] (a futex word in shared memory) per wait set. Publishers in
//! any process, guard-condition triggers from any thread and graph changes bump it; `wait`
//! checks readiness between reading the epoch and sleeping, so no wake-up is lost and nothing
//! polls.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hazcat_core::{Listener, Waker};

use crate::detail::context::ContextShared;
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

/// Environment variable: microseconds `rmw_wait` polls for news before it sleeps (default 0).
pub const WAIT_SPIN_ENV: &str = "HAZCAT_WAIT_SPIN_US";

/// Upper bound of [`WAIT_SPIN_ENV`].
const MAX_WAIT_SPIN: Duration = Duration::from_millis(1);

/// How long a wait polls before sleeping: `HAZCAT_WAIT_SPIN_US` (read once per process), 0 when
/// unset or invalid, at most [`MAX_WAIT_SPIN`].
///
/// A sleeping waiter is woken by a futex wake-up; when the waker runs on another CPU that is idle,
/// the wake-up costs what the machine needs to bring that CPU back (on the 2-vCPU KVM guest of
/// benchmarks/README.md ~25 µs per hop, against ~3 µs when both processes share a CPU). A waiter
/// that polls for a while first sees an answer that comes within that time without sleeping, at
/// the price of that much CPU time whenever nothing comes.
pub fn wait_spin() -> Duration {
    static SPIN: OnceLock<Duration> = OnceLock::new();
    *SPIN.get_or_init(|| parse_spin(std::env::var(WAIT_SPIN_ENV).ok().as_deref()))
}

fn parse_spin(v: Option<&str>) -> Duration {
    v.and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(Duration::ZERO, |us| {
            Duration::from_micros(us).min(MAX_WAIT_SPIN)
        })
}

/// Polls `listener` until its word moves away from `epoch` (true) or `budget` passes (false),
/// yielding the CPU between polls so a partner on the same CPU can run.
fn spin_for_change(listener: &Listener, epoch: u32, budget: Duration) -> bool {
    let end = Instant::now() + budget;
    loop {
        if listener.epoch() != epoch {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::yield_now();
    }
}

/// What `rmw_wait_set_t::data` points at.
#[derive(Debug)]
pub struct WaitSetImpl {
    /// The context (keeps the participant alive).
    pub ctx: Arc<ContextShared>,
    listener: Listener,
    /// Serializes concurrent waits on one wait set (not allowed by rmw, but must not corrupt).
    busy: Mutex<()>,
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
            busy: Mutex::new(()),
        })
    }

    /// Waits until one entry is ready or `timeout` passes (`None`: forever, zero: poll). Returns
    /// per-entry readiness (what `take_ready` said), in the order given.
    pub fn wait(&self, entries: &[&dyn Waitable], timeout: Option<Duration>) -> Vec<bool> {
        let _busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        let waker = self.listener.waker();
        let graph = entries.iter().any(|e| e.needs_graph());
        self.listener.set_graph_interest(graph);
        for e in entries {
            e.attach(&self.listener, &waker);
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut spin = wait_spin();
        loop {
            // Epoch first, then the checks: anything that happens after this read wakes us.
            let epoch = self.listener.epoch();
            if entries.iter().any(|e| e.is_ready()) {
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
            if !spin.is_zero() {
                let budget = sleep.map_or(spin, |s| s.min(spin));
                spin = Duration::ZERO;
                if spin_for_change(&self.listener, epoch, budget) {
                    continue;
                }
            }
            // A wake-up (possibly spurious) or a due time leads to a re-check; the caller's
            // timeout to the final check.
            if !self.listener.wait(epoch, sleep) && !capped {
                break;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spin_setting_is_parsed_and_capped() {
        assert_eq!(parse_spin(None), Duration::ZERO);
        assert_eq!(parse_spin(Some("")), Duration::ZERO);
        assert_eq!(parse_spin(Some("abc")), Duration::ZERO);
        assert_eq!(parse_spin(Some("-5")), Duration::ZERO);
        assert_eq!(parse_spin(Some(" 40 ")), Duration::from_micros(40));
        assert_eq!(parse_spin(Some("1000000")), MAX_WAIT_SPIN);
    }
}
