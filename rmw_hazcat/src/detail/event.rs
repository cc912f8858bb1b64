//! QoS events of publishers and subscriptions.
//!
//! Event state lives in an [`EventHub`] owned by the publisher or subscription
//! (`rmw_event_t::data` points at it), because `rmw_event_fini` is implemented in librmw and
//! never tells us that an event handle died. Statuses are derived from the domain graph
//! (matched, incompatible QoS, incompatible type) and from the subscriber queue (message lost);
//! they are recomputed only when the graph generation moved, so checking an event in a wait set
//! is cheap.
//!
//! Supported: MATCHED (both sides, not on Humble), OFFERED/REQUESTED_QOS_INCOMPATIBLE,
//! PUBLISHER/SUBSCRIPTION_INCOMPATIBLE_TYPE (not on Humble), MESSAGE_LOST. Liveliness and
//! deadline events are `RMW_RET_UNSUPPORTED` (hazcat has no liveliness leases or deadlines).

use std::collections::HashSet;
use std::ffi::c_void;
use std::sync::{Arc, Mutex};

use hazcat_core::{EntryKind, GraphSnapshot, Listener, Participant, Subscriber, Waker};

use crate::detail::qos;
use crate::detail::wait_set::Waitable;
use crate::sys::*;

/// The event kinds hazcat reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// PUBLICATION_MATCHED / SUBSCRIPTION_MATCHED.
    Matched,
    /// OFFERED_QOS_INCOMPATIBLE / REQUESTED_QOS_INCOMPATIBLE.
    QosIncompatible,
    /// PUBLISHER_INCOMPATIBLE_TYPE / SUBSCRIPTION_INCOMPATIBLE_TYPE.
    IncompatibleType,
    /// MESSAGE_LOST (subscriptions).
    MessageLost,
}

const KINDS: usize = 4;

impl EventKind {
    fn index(self) -> usize {
        self as usize
    }

    /// The kind of a publisher event type, `None` when unsupported.
    pub fn for_publisher(t: rmw_event_type_t) -> Option<EventKind> {
        #[cfg(not(ros_distro = "humble"))]
        {
            if t == RMW_EVENT_PUBLICATION_MATCHED {
                return Some(EventKind::Matched);
            }
            if t == RMW_EVENT_PUBLISHER_INCOMPATIBLE_TYPE {
                return Some(EventKind::IncompatibleType);
            }
        }
        (t == RMW_EVENT_OFFERED_QOS_INCOMPATIBLE).then_some(EventKind::QosIncompatible)
    }

    /// The kind of a subscription event type, `None` when unsupported.
    pub fn for_subscription(t: rmw_event_type_t) -> Option<EventKind> {
        #[cfg(not(ros_distro = "humble"))]
        {
            if t == RMW_EVENT_SUBSCRIPTION_MATCHED {
                return Some(EventKind::Matched);
            }
            if t == RMW_EVENT_SUBSCRIPTION_INCOMPATIBLE_TYPE {
                return Some(EventKind::IncompatibleType);
            }
        }
        if t == RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE {
            return Some(EventKind::QosIncompatible);
        }
        (t == RMW_EVENT_MESSAGE_LOST).then_some(EventKind::MessageLost)
    }

    /// Whether `rmw_*_event_init` accepts `t` for some entity (`rmw_event_type_is_supported`).
    pub fn is_supported(t: rmw_event_type_t) -> bool {
        Self::for_publisher(t).is_some() || Self::for_subscription(t).is_some()
    }
}

/// A registered listener callback (`rmw_event_set_callback`).
#[derive(Clone, Copy)]
struct Callback {
    f: unsafe extern "C" fn(*const c_void, usize),
    user_data: usize,
}

#[derive(Default)]
struct Counter {
    /// Endpoints currently in this category.
    current: HashSet<[u8; 24]>,
    /// Cumulative entries into the category.
    total: usize,
    /// `total` at the last take.
    total_taken: usize,
    /// `current.len()` at the last take.
    current_taken: usize,
    /// Changes (entries + exits) not yet announced to a callback.
    unannounced: usize,
}

impl Counter {
    fn update(&mut self, now: HashSet<[u8; 24]>) {
        let added = now.difference(&self.current).count();
        let removed = self.current.difference(&now).count();
        self.total += added;
        self.unannounced += added + removed;
        self.current = now;
    }
}

#[derive(Default)]
struct HubState {
    generation: Option<u64>,
    counters: [Counter; 3],
    last_policy: rmw_qos_policy_kind_t,
    lost_taken: u64,
    lost_announced: u64,
    callbacks: [Option<Callback>; KINDS],
}

/// Event state of one publisher or subscription.
pub struct EventHub {
    participant: Participant,
    /// Publisher or Subscription.
    kind: EntryKind,
    topic: String,
    type_name: String,
    qos: rmw_qos_profile_t,
    gid: [u8; 24],
    subscriber: Option<Arc<Subscriber>>,
    state: Mutex<HubState>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub")
            .field("kind", &self.kind)
            .field("topic", &self.topic)
            .finish()
    }
}

/// A status filled by [`EventHub::take`].
#[derive(Debug, Clone, Copy)]
pub enum EventStatus {
    /// `rmw_matched_status_t`.
    #[cfg(not(ros_distro = "humble"))]
    Matched(rmw_matched_status_t),
    /// `rmw_qos_incompatible_event_status_t`.
    QosIncompatible(rmw_qos_incompatible_event_status_t),
    /// `rmw_incompatible_type_status_t`.
    #[cfg(not(ros_distro = "humble"))]
    IncompatibleType(rmw_incompatible_type_status_t),
    /// `rmw_message_lost_status_t`.
    MessageLost(rmw_message_lost_status_t),
}

impl EventHub {
    /// Event state for an endpoint with these properties (`subscriber` for subscriptions).
    pub fn new(
        participant: &Participant,
        kind: EntryKind,
        topic: &str,
        type_name: &str,
        qos: rmw_qos_profile_t,
        gid: [u8; 24],
        subscriber: Option<Arc<Subscriber>>,
    ) -> EventHub {
        EventHub {
            participant: participant.clone(),
            kind,
            topic: topic.to_owned(),
            type_name: type_name.to_owned(),
            qos,
            gid,
            subscriber,
            state: Mutex::new(HubState::default()),
        }
    }

    /// The kind of event type `t` for this hub's endpoint, `None` when unsupported.
    pub fn event_kind(&self, t: rmw_event_type_t) -> Option<EventKind> {
        match self.kind {
            EntryKind::Publisher => EventKind::for_publisher(t),
            _ => EventKind::for_subscription(t),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Recomputes statuses from the graph if it changed since the last computation.
    pub fn refresh(&self) {
        let generation = self.participant.graph_generation();
        if self.lock().generation == Some(generation) {
            return;
        }
        let snap = self.participant.graph();
        self.refresh_with(&snap);
    }

    /// Recomputes statuses from `snap` and announces news to callbacks.
    pub fn refresh_with(&self, snap: &GraphSnapshot) {
        let peer_kind = match self.kind {
            EntryKind::Publisher => EntryKind::Subscription,
            _ => EntryKind::Publisher,
        };
        let mut matched = HashSet::new();
        let mut incompatible = HashSet::new();
        let mut other_type = HashSet::new();
        let mut policy = None;
        for e in snap
            .endpoints
            .iter()
            .filter(|e| e.kind == peer_kind && e.topic == self.topic && e.gid != self.gid)
        {
            if e.type_name != self.type_name {
                other_type.insert(e.gid);
                continue;
            }
            let peer = qos::decode(&e.qos);
            let (p, s) = match self.kind {
                EntryKind::Publisher => (&self.qos, &peer),
                _ => (&peer, &self.qos),
            };
            let c = qos::check_compatible(p, s);
            if c.kind == RMW_QOS_COMPATIBILITY_ERROR {
                incompatible.insert(e.gid);
                policy = Some(c.policy);
            } else {
                matched.insert(e.gid);
            }
        }
        let mut st = self.lock();
        if st.generation.is_some_and(|g| g >= snap.generation) {
            return;
        }
        st.generation = Some(snap.generation);
        st.counters[0].update(matched);
        st.counters[1].update(incompatible);
        st.counters[2].update(other_type);
        if let Some(p) = policy {
            st.last_policy = p;
        }
        let calls = Self::pending_announcements(&mut st, self.lost());
        drop(st);
        Self::announce(calls);
    }

    fn lost(&self) -> u64 {
        self.subscriber.as_ref().map_or(0, |s| s.lost())
    }

    fn pending_announcements(st: &mut HubState, lost: u64) -> Vec<(Callback, usize)> {
        let mut calls = Vec::new();
        for (i, kind) in [
            EventKind::Matched,
            EventKind::QosIncompatible,
            EventKind::IncompatibleType,
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(cb) = st.callbacks[kind.index()] {
                let n = std::mem::take(&mut st.counters[i].unannounced);
                if n > 0 {
                    calls.push((cb, n));
                }
            }
        }
        if let Some(cb) = st.callbacks[EventKind::MessageLost.index()] {
            let n = lost.saturating_sub(st.lost_announced);
            st.lost_announced = lost;
            if n > 0 {
                calls.push((cb, n as usize));
            }
        }
        calls
    }

    fn announce(calls: Vec<(Callback, usize)>) {
        for (cb, n) in calls {
            // SAFETY: the callback and its user data were registered together by the caller of
            // `rmw_event_set_callback`, who keeps them valid while registered.
            unsafe { (cb.f)(cb.user_data as *const c_void, n) };
        }
    }

    /// Sets (or clears, with `None`) the listener callback of `kind`; changes that happened
    /// before are announced at once.
    pub fn set_callback(
        &self,
        kind: EventKind,
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
    ) {
        self.refresh();
        let mut st = self.lock();
        st.callbacks[kind.index()] = f.map(|f| Callback {
            f,
            user_data: user_data as usize,
        });
        let calls = if st.callbacks[kind.index()].is_some() {
            Self::pending_announcements(&mut st, self.lost())
        } else {
            Vec::new()
        };
        drop(st);
        Self::announce(calls);
    }

    /// Peers currently matched (same type, compatible QoS).
    pub fn matched_count(&self) -> usize {
        self.refresh();
        self.lock().counters[EventKind::Matched.index()]
            .current
            .len()
    }

    /// Whether `kind` changed since the last take.
    pub fn is_ready(&self, kind: EventKind) -> bool {
        if kind == EventKind::MessageLost {
            return self.lost() != self.lock().lost_taken;
        }
        self.refresh();
        let st = self.lock();
        let c = &st.counters[kind.index()];
        c.total != c.total_taken || c.current.len() != c.current_taken
    }

    /// Reads the status of `kind` and resets its `*_change` fields.
    pub fn take(&self, kind: EventKind) -> EventStatus {
        if kind != EventKind::MessageLost {
            self.refresh();
        }
        let lost = self.lost();
        let mut st = self.lock();
        let last_policy = st.last_policy;
        if kind == EventKind::MessageLost {
            let change = lost.saturating_sub(st.lost_taken);
            st.lost_taken = lost;
            return EventStatus::MessageLost(rmw_message_lost_status_t {
                total_count: lost as usize,
                total_count_change: change as usize,
            });
        }
        let c = &mut st.counters[kind.index()];
        let total_change = c.total - c.total_taken;
        let current = c.current.len();
        #[cfg_attr(ros_distro = "humble", allow(unused_variables))]
        let current_change = current as i64 - c.current_taken as i64;
        c.total_taken = c.total;
        c.current_taken = current;
        match kind {
            #[cfg(not(ros_distro = "humble"))]
            EventKind::Matched => EventStatus::Matched(rmw_matched_status_t {
                total_count: c.total,
                total_count_change: total_change,
                current_count: current,
                current_count_change: current_change as i32,
            }),
            #[cfg(not(ros_distro = "humble"))]
            EventKind::IncompatibleType => {
                EventStatus::IncompatibleType(rmw_incompatible_type_status_t {
                    total_count: c.total as i32,
                    total_count_change: total_change as i32,
                })
            }
            _ => EventStatus::QosIncompatible(rmw_qos_incompatible_event_status_t {
                total_count: c.total as i32,
                total_count_change: total_change as i32,
                last_policy_kind: last_policy,
            }),
        }
    }
}

/// One event of a hub, as a wait-set entry.
#[derive(Debug, Clone, Copy)]
pub struct EventEntry<'a> {
    /// The hub.
    pub hub: &'a EventHub,
    /// Which event.
    pub kind: EventKind,
}

impl Waitable for EventEntry<'_> {
    fn attach(&self, listener: &Listener, _waker: &Waker) {
        match (&self.hub.subscriber, self.kind) {
            (Some(s), EventKind::MessageLost) => s.attach(listener),
            _ => listener.set_graph_interest(true),
        }
    }

    fn needs_graph(&self) -> bool {
        self.kind != EventKind::MessageLost
    }

    fn is_ready(&self) -> bool {
        self.hub.is_ready(self.kind)
    }
}
