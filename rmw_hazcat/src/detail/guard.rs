//! Guard conditions: user-triggered ones, and the node graph guard condition that reports every
//! graph change in the domain (any process) without a background thread.

use std::sync::atomic::{AtomicU64, Ordering};

use hazcat_core::{GuardCondition, Listener, Participant, Waker};

use crate::detail::wait_set::Waitable;

/// Watches the domain's graph generation for a graph guard condition.
#[derive(Debug)]
struct GraphWatch {
    participant: Participant,
    /// Generation last reported by a wait.
    seen: AtomicU64,
}

/// What `rmw_guard_condition_t::data` points at.
#[derive(Debug)]
pub struct GuardImpl {
    gc: GuardCondition,
    graph: Option<GraphWatch>,
}

impl GuardImpl {
    /// A guard condition set only by `rmw_trigger_guard_condition`.
    pub fn user() -> GuardImpl {
        GuardImpl {
            gc: GuardCondition::new(),
            graph: None,
        }
    }

    /// A guard condition that is also set by every graph change in `participant`'s domain after
    /// now (the graph generation is compared, so no change is missed between waits).
    pub fn graph(participant: &Participant) -> GuardImpl {
        GuardImpl {
            gc: GuardCondition::new(),
            graph: Some(GraphWatch {
                participant: participant.clone(),
                seen: AtomicU64::new(participant.graph_generation()),
            }),
        }
    }

    /// Sets the condition and wakes every wait set waiting on it (any thread).
    pub fn trigger(&self) {
        self.gc.trigger();
    }
}

impl Waitable for GuardImpl {
    fn attach(&self, listener: &Listener, waker: &Waker) {
        self.gc.attach(waker);
        if self.graph.is_some() {
            listener.set_graph_interest(true);
        }
    }

    fn detach(&self, waker: &Waker) {
        self.gc.detach(waker);
    }

    fn needs_graph(&self) -> bool {
        self.graph.is_some()
    }

    fn is_ready(&self) -> bool {
        self.gc.is_triggered()
            || self
                .graph
                .as_ref()
                .is_some_and(|g| g.participant.graph_generation() != g.seen.load(Ordering::SeqCst))
    }

    /// Reports the condition once: the trigger is cleared and the graph generation recorded.
    fn take_ready(&self) -> bool {
        let mut ready = self.gc.take();
        if let Some(g) = &self.graph {
            let now = g.participant.graph_generation();
            ready |= g.seen.swap(now, Ordering::SeqCst) != now;
        }
        ready
    }
}
