//! QoS events of publishers and subscriptions.
//!
//! Event state lives in an [`EventHub`] owned by the publisher or subscription
//! (`rmw_event_t::data` points at it), because `rmw_event_fini` is implemented in librmw and
//! never tells us that an event handle died.
//!
//! * Matched, incompatible QoS and incompatible type come from the domain graph; they are
//!   recomputed only when the graph generation moved, so checking them in a wait set is cheap.
//! * Message lost comes from the subscriber queue's overflow counter.
//! * Deadline missed counts whole deadline periods without a message, from the first message on
//!   (DDS semantics for a keyless topic): the publisher from its own publishes, the subscription
//!   from the latest publish of the publishers that deliver to it (their topic rows in shared
//!   memory).
//! * Liveliness: a publisher with MANUAL_BY_TOPIC liveliness and a finite lease loses it when
//!   neither a publish nor `rmw_publisher_assert_liveliness` happened within the lease; an
//!   AUTOMATIC publisher is alive while its process is (checked once per lease). Subscriptions
//!   count matched publishers alive / not alive.
//!
//! Time-driven statuses are brought up to date whenever they are looked at; wait sets sleep at
//! most until the next time one can change ([`EventHub::next_due`]) and the notifier thread runs
//! the callbacks ([`Pump`]).

use std::collections::{HashMap, HashSet};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use hazcat_core::topic::TimedQos;
use hazcat_core::{now_ns, EntryKind, GraphSnapshot, Listener, Participant, Waker};

use crate::detail::notifier::{Callback, Notifier, Pump};
use crate::detail::qos;
use crate::detail::subscription::ArrivalRoute;
use crate::detail::wait_set::Waitable;
use crate::ret::RmwResult;
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
    /// OFFERED_DEADLINE_MISSED / REQUESTED_DEADLINE_MISSED.
    Deadline,
    /// LIVELINESS_LOST (publishers) / LIVELINESS_CHANGED (subscriptions).
    Liveliness,
}

const KINDS: usize = 6;
const ALL_KINDS: [EventKind; KINDS] = [
    EventKind::Matched,
    EventKind::QosIncompatible,
    EventKind::IncompatibleType,
    EventKind::MessageLost,
    EventKind::Deadline,
    EventKind::Liveliness,
];

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
        match t {
            RMW_EVENT_OFFERED_QOS_INCOMPATIBLE => Some(EventKind::QosIncompatible),
            RMW_EVENT_OFFERED_DEADLINE_MISSED => Some(EventKind::Deadline),
            RMW_EVENT_LIVELINESS_LOST => Some(EventKind::Liveliness),
            _ => None,
        }
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
        match t {
            RMW_EVENT_REQUESTED_QOS_INCOMPATIBLE => Some(EventKind::QosIncompatible),
            RMW_EVENT_MESSAGE_LOST => Some(EventKind::MessageLost),
            RMW_EVENT_REQUESTED_DEADLINE_MISSED => Some(EventKind::Deadline),
            RMW_EVENT_LIVELINESS_CHANGED => Some(EventKind::Liveliness),
            _ => None,
        }
    }

    /// Whether `rmw_*_event_init` accepts `t` for some entity (`rmw_event_type_is_supported`).
    pub fn is_supported(t: rmw_event_type_t) -> bool {
        Self::for_publisher(t).is_some() || Self::for_subscription(t).is_some()
    }
}

/// Membership of peers in one graph-derived category (matched, incompatible QoS, other type).
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

/// A cumulative count read by takes and announced to callbacks.
#[derive(Default, Clone, Copy)]
struct Tally {
    total: u64,
    taken: u64,
    announced: u64,
}

impl Tally {
    fn unannounced(&mut self) -> u64 {
        let n = self.total - self.announced;
        self.announced = self.total;
        n
    }
}

/// Deadline periods missed: whole periods since the latest activity (publish or receipt).
#[derive(Default)]
struct Deadline {
    /// Latest activity (ns since the epoch); 0 before the first one.
    last: u64,
    /// Periods already counted since `last`.
    missed_in_gap: u64,
    tally: Tally,
}

impl Deadline {
    fn count_until(&mut self, period: u64, now: u64) {
        if self.last == 0 || now <= self.last {
            return;
        }
        let n = (now - self.last) / period;
        if n > self.missed_in_gap {
            self.tally.total += n - self.missed_in_gap;
            self.missed_in_gap = n;
        }
    }

    /// Takes the latest activity time into account, then counts up to `now`.
    fn observe(&mut self, period: u64, activity: u64, now: u64) {
        if activity > self.last {
            // Periods missed before this activity still count.
            self.count_until(period, activity.min(now));
            self.last = activity;
            self.missed_in_gap = 0;
        }
        self.count_until(period, now);
    }

    fn next_due(&self, period: u64) -> Option<u64> {
        (self.last != 0).then(|| {
            self.last
                .saturating_add(period.saturating_mul(self.missed_in_gap + 1))
        })
    }
}

/// What a subscription knows about one matched publisher's liveliness.
#[derive(Clone, Copy)]
struct Peer {
    alive: bool,
    process_alive: bool,
}

/// LIVELINESS_CHANGED state of a subscription.
#[derive(Default)]
struct PeerLiveliness {
    peers: HashMap<[u8; 24], Peer>,
    alive: i32,
    not_alive: i32,
    alive_taken: i32,
    not_alive_taken: i32,
    /// Transitions (a peer appearing, changing or leaving).
    changes: Tally,
    /// When to ask the OS again whether automatic-liveliness publishers' processes live.
    next_process_check: u64,
    next_due: Option<u64>,
}

impl PeerLiveliness {
    fn count(&mut self, alive: bool, delta: i32) {
        if alive {
            self.alive += delta;
        } else {
            self.not_alive += delta;
        }
    }
}

#[derive(Default)]
struct HubState {
    generation: Option<u64>,
    counters: [Counter; 3],
    last_policy: rmw_qos_policy_kind_t,
    lost_taken: u64,
    lost_announced: u64,
    deadline: Deadline,
    /// Publisher: LIVELINESS_LOST.
    liveliness_lost: Tally,
    /// Publisher: currently without liveliness.
    lost: bool,
    /// Subscription: LIVELINESS_CHANGED.
    peers: PeerLiveliness,
    callbacks: [Option<Callback>; KINDS],
    /// The notifier pumping this hub, while any callback is set.
    notifier: Option<Arc<Notifier>>,
    /// Whether this hub holds the subscription's arrival route to the notifier.
    route_held: bool,
}

/// Event state of one publisher or subscription.
pub struct EventHub {
    participant: Participant,
    /// Publisher or Subscription.
    kind: EntryKind,
    topic: String,
    type_name: String,
    qos: rmw_qos_profile_t,
    timed: TimedQos,
    gid: [u8; 24],
    /// Subscriptions: their queue and who its arrivals wake.
    route: Option<Arc<ArrivalRoute>>,
    /// Publisher: time of its latest publish (ns since the epoch, 0: none).
    last_publish: AtomicU64,
    /// Publisher: time of its latest liveliness assertion (creation counts).
    last_assert: AtomicU64,
    /// When the endpoint was created (ns since the epoch).
    created: u64,
    /// Kinds that have an event handle: only those do time-driven work.
    enabled: [AtomicBool; KINDS],
    /// Set when the notifier sleeps without a due time that a publish or assertion would create.
    kick: AtomicBool,
    /// Lock-free mirrors for the notifier's fast path (it pumps every hub on every wake-up):
    /// the graph generation last applied, the lost count last announced, and whether callbacks
    /// of kinds that need more than those two are set.
    seen_generation: AtomicU64,
    seen_lost: AtomicU64,
    busy_callbacks: AtomicBool,
    me: Weak<EventHub>,
    state: Mutex<HubState>,
    calling: Mutex<()>,
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
    /// `rmw_offered_deadline_missed_status_t`.
    OfferedDeadlineMissed(rmw_offered_deadline_missed_status_t),
    /// `rmw_requested_deadline_missed_status_t`.
    RequestedDeadlineMissed(rmw_requested_deadline_missed_status_t),
    /// `rmw_liveliness_lost_status_t`.
    LivelinessLost(rmw_liveliness_lost_status_t),
    /// `rmw_liveliness_changed_status_t`.
    LivelinessChanged(rmw_liveliness_changed_status_t),
}

fn clamp_i32(v: u64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

impl EventHub {
    /// The topic of the hub's endpoint.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Publisher or Subscription.
    pub fn kind(&self) -> EntryKind {
        self.kind
    }

    /// Event state for an endpoint with these properties (`route` for subscriptions).
    pub fn new(
        participant: &Participant,
        kind: EntryKind,
        topic: &str,
        type_name: &str,
        qos: rmw_qos_profile_t,
        gid: [u8; 24],
        route: Option<Arc<ArrivalRoute>>,
    ) -> Arc<EventHub> {
        Arc::new_cyclic(|me| EventHub {
            participant: participant.clone(),
            kind,
            topic: topic.to_owned(),
            type_name: type_name.to_owned(),
            qos,
            timed: qos::timed(&qos),
            gid,
            route,
            last_publish: AtomicU64::new(0),
            last_assert: AtomicU64::new(now_ns()),
            created: now_ns(),
            enabled: Default::default(),
            kick: AtomicBool::new(false),
            seen_generation: AtomicU64::new(u64::MAX),
            seen_lost: AtomicU64::new(0),
            busy_callbacks: AtomicBool::new(false),
            me: me.clone(),
            state: Mutex::new(HubState::default()),
            calling: Mutex::new(()),
        })
    }

    /// The kind of event type `t` for this hub's endpoint, `None` when unsupported.
    pub fn event_kind(&self, t: rmw_event_type_t) -> Option<EventKind> {
        match self.kind {
            EntryKind::Publisher => EventKind::for_publisher(t),
            _ => EventKind::for_subscription(t),
        }
    }

    /// An event handle of `kind` exists: start its time-driven bookkeeping.
    pub fn enable(&self, kind: EventKind) {
        self.enabled[kind.index()].store(true, Ordering::Relaxed);
    }

    fn is_enabled(&self, kind: EventKind) -> bool {
        self.enabled[kind.index()].load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, HubState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether this publisher's publishes and assertions feed deadline or liveliness events.
    pub fn tracks_activity(&self) -> bool {
        self.timed.deadline_ns != 0 || (self.timed.manual_liveliness && self.timed.lease_ns != 0)
    }

    /// The publisher published a message at `t` (ns since the epoch): meets the deadline and
    /// asserts liveliness.
    pub fn note_publish(&self, t: u64) {
        self.last_publish.store(t, Ordering::Relaxed);
        self.note_assert(t);
    }

    /// The publisher asserted its liveliness at `t`.
    pub fn note_assert(&self, t: u64) {
        self.last_assert.store(t, Ordering::Relaxed);
        if self.kick.swap(false, Ordering::AcqRel) {
            if let Some(n) = &self.lock().notifier {
                n.wake();
            }
        }
    }

    /// Recomputes statuses from `snap` (if newer), brings timers up to date and announces news
    /// to callbacks.
    pub fn refresh_with(&self, snap: &GraphSnapshot) {
        self.announce_with(|| {
            let mut st = self.lock();
            self.apply_graph(&mut st, snap);
            self.poll_timed(&mut st, now_ns());
            self.pending_announcements(&mut st)
        });
    }

    /// Brings every status up to date (graph if it changed, timers to now); returns the
    /// callback calls that are due.
    fn update(&self) -> Vec<(Callback, usize)> {
        let generation = self.participant.graph_generation();
        let stale = self.lock().generation != Some(generation);
        let snap = stale.then(|| {
            self.participant
                .graph_of_topic(&self.topic, self.kind.peer())
        });
        let mut st = self.lock();
        if let Some(snap) = &snap {
            self.apply_graph(&mut st, snap);
        }
        self.poll_timed(&mut st, now_ns());
        self.pending_announcements(&mut st)
    }

    fn apply_graph(&self, st: &mut HubState, snap: &GraphSnapshot) {
        if st.generation.is_some_and(|g| g >= snap.generation) {
            return;
        }
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
        st.generation = Some(snap.generation);
        self.seen_generation
            .store(snap.generation, Ordering::Relaxed);
        st.counters[0].update(matched);
        st.counters[1].update(incompatible);
        st.counters[2].update(other_type);
        if let Some(p) = policy {
            st.last_policy = p;
        }
    }

    /// Brings deadline and liveliness statuses to `now`.
    fn poll_timed(&self, st: &mut HubState, now: u64) {
        if self.is_enabled(EventKind::Deadline) && self.timed.deadline_ns != 0 {
            let activity = match &self.route {
                None => self.last_publish.load(Ordering::Relaxed),
                // A message published before this subscription existed (transient-local
                // history) was received at its creation at the earliest.
                Some(r) => match r
                    .subscriber()
                    .publications(false)
                    .iter()
                    .map(|p| p.last_publish_ns)
                    .max()
                {
                    Some(t) if t != 0 => t.max(self.created),
                    _ => 0,
                },
            };
            st.deadline.observe(self.timed.deadline_ns, activity, now);
        }
        if !self.is_enabled(EventKind::Liveliness) {
            return;
        }
        match &self.route {
            None => {
                if self.timed.manual_liveliness && self.timed.lease_ns != 0 {
                    let end = self
                        .last_assert
                        .load(Ordering::Relaxed)
                        .saturating_add(self.timed.lease_ns);
                    if now > end && !st.lost {
                        st.lost = true;
                        st.liveliness_lost.total += 1;
                    } else if now <= end {
                        st.lost = false;
                    }
                }
            }
            Some(r) => Self::poll_peers(st, r, now),
        }
    }

    /// LIVELINESS_CHANGED: matched publishers (from the graph) alive or not, judged by their
    /// topic rows (manual liveliness) and their processes (automatic, finite lease).
    fn poll_peers(st: &mut HubState, route: &ArrivalRoute, now: u64) {
        let check_processes = now >= st.peers.next_process_check;
        let rows = route.subscriber().publications(check_processes);
        let matched = &st.counters[0].current;
        let pl = &mut st.peers;
        let mut next: Option<u64> = None;
        let mut auto_lease: Option<u64> = None;
        let mut peers = HashMap::with_capacity(matched.len());
        for gid in matched {
            let row = rows.iter().find(|p| p.gid == *gid);
            let prev = pl.peers.get(gid).copied();
            let process_alive = match row {
                Some(p) if check_processes => p.process_alive,
                _ => prev.is_none_or(|x| x.process_alive),
            };
            let mut lease_ok = true;
            if let Some(p) = row {
                if p.manual_liveliness && p.lease_ns != 0 {
                    let end = p.last_assert_ns.saturating_add(p.lease_ns);
                    lease_ok = now <= end;
                    // Alive: look again when the lease ends; lost: once per lease for a revival
                    // (an assertion without a publish wakes nobody).
                    let due = if lease_ok {
                        end + 1
                    } else {
                        now.saturating_add(p.lease_ns)
                    };
                    next = Some(next.map_or(due, |n| n.min(due)));
                } else if p.lease_ns != 0 {
                    auto_lease = Some(auto_lease.map_or(p.lease_ns, |l| l.min(p.lease_ns)));
                }
            }
            let alive = process_alive && lease_ok;
            match prev {
                None => {
                    pl.count(alive, 1);
                    pl.changes.total += 1;
                }
                Some(x) if x.alive != alive => {
                    pl.count(x.alive, -1);
                    pl.count(alive, 1);
                    pl.changes.total += 1;
                }
                _ => {}
            }
            peers.insert(
                *gid,
                Peer {
                    alive,
                    process_alive,
                },
            );
        }
        let old = std::mem::replace(&mut pl.peers, peers);
        for (gid, x) in old {
            if !pl.peers.contains_key(&gid) {
                pl.count(x.alive, -1);
                pl.changes.total += 1;
            }
        }
        if check_processes {
            pl.next_process_check = auto_lease.map_or(u64::MAX, |l| now.saturating_add(l));
        } else if let Some(l) = auto_lease {
            // An automatic publisher matched since the last check (which may have found none
            // and planned no other): look at its process within its lease.
            pl.next_process_check = pl.next_process_check.min(now.saturating_add(l));
        }
        let process_due = (pl.next_process_check != u64::MAX).then_some(pl.next_process_check);
        pl.next_due = match (next, process_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    fn lost(&self) -> u64 {
        self.route.as_ref().map_or(0, |r| r.subscriber().lost())
    }

    fn pending_announcements(&self, st: &mut HubState) -> Vec<(Callback, usize)> {
        let mut calls = Vec::new();
        let mut push = |cb: Option<Callback>, n: u64| {
            if let (Some(cb), true) = (cb, n > 0) {
                calls.push((cb, n as usize));
            }
        };
        for (i, kind) in ALL_KINDS[..3].iter().enumerate() {
            let cb = st.callbacks[kind.index()];
            if cb.is_some() {
                push(cb, std::mem::take(&mut st.counters[i].unannounced) as u64);
            }
        }
        if let Some(cb) = st.callbacks[EventKind::MessageLost.index()] {
            let lost = self.lost();
            let n = lost.saturating_sub(st.lost_announced);
            st.lost_announced = lost;
            self.seen_lost.store(lost, Ordering::Relaxed);
            push(Some(cb), n);
        }
        if let Some(cb) = st.callbacks[EventKind::Deadline.index()] {
            push(Some(cb), st.deadline.tally.unannounced());
        }
        if let Some(cb) = st.callbacks[EventKind::Liveliness.index()] {
            let n = match self.route {
                None => st.liveliness_lost.unannounced(),
                Some(_) => st.peers.changes.unannounced(),
            };
            push(Some(cb), n);
        }
        calls
    }

    /// Computes the callback calls that are due (`due`) and makes them as one step: a thread
    /// that finds nothing due has waited until another thread that found the same news (the
    /// notifier) has called back. So when creating or destroying a local endpoint returns, the
    /// callbacks about it have run. A callback that re-enters (on this thread) is not blocked.
    fn announce_with(&self, due: impl FnOnce() -> Vec<(Callback, usize)>) {
        thread_local! {
            static CALLING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if CALLING.with(|c| c.get()) {
            for (cb, n) in due() {
                cb.call(n);
            }
            return;
        }
        let _calling = self.calling.lock().unwrap_or_else(|e| e.into_inner());
        CALLING.with(|c| c.set(true));
        for (cb, n) in due() {
            cb.call(n);
        }
        CALLING.with(|c| c.set(false));
    }

    fn announce(&self, calls: Vec<(Callback, usize)>) {
        if calls.is_empty() {
            return;
        }
        // Held while calling, so that clearing a callback waits for a call in flight.
        let _calling = self.calling.lock().unwrap_or_else(|e| e.into_inner());
        for (cb, n) in calls {
            cb.call(n);
        }
    }

    /// When `kind` can next change by the passage of time alone (ns since the epoch).
    fn due_of(&self, st: &HubState, kind: EventKind) -> Option<u64> {
        match kind {
            EventKind::Deadline if self.timed.deadline_ns != 0 => {
                st.deadline.next_due(self.timed.deadline_ns)
            }
            EventKind::Liveliness => match self.route {
                None if self.timed.manual_liveliness && self.timed.lease_ns != 0 && !st.lost => {
                    Some(
                        self.last_assert
                            .load(Ordering::Relaxed)
                            .saturating_add(self.timed.lease_ns)
                            + 1,
                    )
                }
                None => None,
                Some(_) => st.peers.next_due,
            },
            _ => None,
        }
    }

    /// When `kind` can next change by the passage of time alone, as of the last check.
    pub fn next_due(&self, kind: EventKind) -> Option<u64> {
        self.due_of(&self.lock(), kind)
    }

    /// Sets (or clears, with `None`) the listener callback of `kind`. While any callback is
    /// set, the participant's notifier thread pumps this hub; changes that happened before are
    /// announced at once.
    pub fn set_callback(
        &self,
        kind: EventKind,
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
    ) -> RmwResult<()> {
        self.enable(kind);
        let me: Weak<dyn Pump> = self.me.clone();
        let mut st = self.lock();
        st.callbacks[kind.index()] = Callback::new(f, user_data);
        let any = st.callbacks.iter().any(Option::is_some);
        self.busy_callbacks.store(
            st.callbacks[EventKind::Deadline.index()].is_some()
                || st.callbacks[EventKind::Liveliness.index()].is_some(),
            Ordering::Relaxed,
        );
        if any && st.notifier.is_none() {
            let n = Notifier::for_participant(&self.participant)?;
            n.register(me.clone());
            st.notifier = Some(n);
        }
        // Arrivals (messages, overflow) must wake the notifier for these two.
        let needs_route = st.callbacks[EventKind::MessageLost.index()].is_some()
            || st.callbacks[EventKind::Deadline.index()].is_some();
        if let Some(r) = &self.route {
            if needs_route && !st.route_held {
                r.acquire_notifier()?;
                st.route_held = true;
            } else if !needs_route && st.route_held {
                r.release_notifier();
                st.route_held = false;
            }
        }
        let retired = if any { None } else { st.notifier.take() };
        drop(st);
        // Dropped without our lock: the last handle stops and joins the notifier thread, which
        // may be waiting for that lock in `pump`.
        if let Some(n) = retired {
            n.unregister(&me);
            drop(n);
        }
        if f.is_none() {
            // A call of the old callback may be in flight on the notifier thread: let it end.
            drop(self.calling.lock().unwrap_or_else(|e| e.into_inner()));
        }
        self.announce_with(|| self.update());
        if let Some(n) = &self.lock().notifier {
            n.wake();
        }
        Ok(())
    }

    /// Clears every callback (the owner is being destroyed); waits for a call in flight.
    pub fn clear_callbacks(&self) {
        for kind in ALL_KINDS {
            if self.lock().callbacks[kind.index()].is_some() {
                let _ = self.set_callback(kind, None, std::ptr::null());
            }
        }
    }

    /// Peers currently matched (same type, compatible QoS). A query, like the graph queries:
    /// peers whose process died (killed: it could not leave the graph) are swept out first.
    pub fn matched_count(&self) -> usize {
        self.participant.sweep_dead();
        self.announce_with(|| self.update());
        self.lock().counters[EventKind::Matched.index()]
            .current
            .len()
    }

    /// Whether `kind` changed since the last take.
    pub fn is_ready(&self, kind: EventKind) -> bool {
        self.announce_with(|| self.update());
        let st = self.lock();
        match kind {
            EventKind::MessageLost => self.lost() != st.lost_taken,
            EventKind::Deadline => st.deadline.tally.total != st.deadline.tally.taken,
            EventKind::Liveliness => match self.route {
                None => st.liveliness_lost.total != st.liveliness_lost.taken,
                Some(_) => st.peers.changes.total != st.peers.changes.taken,
            },
            _ => {
                let c = &st.counters[kind.index()];
                c.total != c.total_taken || c.current.len() != c.current_taken
            }
        }
    }

    /// Reads the status of `kind` and resets its `*_change` fields.
    pub fn take(&self, kind: EventKind) -> EventStatus {
        let calls = self.update();
        let lost = self.lost();
        let mut st = self.lock();
        let status = match kind {
            EventKind::MessageLost => {
                let change = lost.saturating_sub(st.lost_taken);
                st.lost_taken = lost;
                EventStatus::MessageLost(rmw_message_lost_status_t {
                    total_count: lost as usize,
                    total_count_change: change as usize,
                })
            }
            EventKind::Deadline => {
                let t = &mut st.deadline.tally;
                let (total, change) = (clamp_i32(t.total), clamp_i32(t.total - t.taken));
                t.taken = t.total;
                match self.route {
                    None => {
                        EventStatus::OfferedDeadlineMissed(rmw_offered_deadline_missed_status_t {
                            total_count: total,
                            total_count_change: change,
                        })
                    }
                    Some(_) => EventStatus::RequestedDeadlineMissed(
                        rmw_requested_deadline_missed_status_t {
                            total_count: total,
                            total_count_change: change,
                        },
                    ),
                }
            }
            EventKind::Liveliness if self.route.is_none() => {
                let t = &mut st.liveliness_lost;
                let (total, change) = (clamp_i32(t.total), clamp_i32(t.total - t.taken));
                t.taken = t.total;
                EventStatus::LivelinessLost(rmw_liveliness_lost_status_t {
                    total_count: total,
                    total_count_change: change,
                })
            }
            EventKind::Liveliness => {
                let p = &mut st.peers;
                let s = rmw_liveliness_changed_status_t {
                    alive_count: p.alive,
                    not_alive_count: p.not_alive,
                    alive_count_change: p.alive - p.alive_taken,
                    not_alive_count_change: p.not_alive - p.not_alive_taken,
                };
                p.alive_taken = p.alive;
                p.not_alive_taken = p.not_alive;
                p.changes.taken = p.changes.total;
                EventStatus::LivelinessChanged(s)
            }
            _ => {
                let last_policy = st.last_policy;
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
        };
        drop(st);
        self.announce(calls);
        status
    }
}

impl Pump for EventHub {
    fn pump(&self) -> Option<u64> {
        // Graph-driven and message-lost callbacks only: nothing to do unless the graph moved or
        // the lost count grew (two atomic loads for the common wake-up of another entity).
        if !self.busy_callbacks.load(Ordering::Relaxed)
            && self.participant.graph_generation() == self.seen_generation.load(Ordering::Relaxed)
            && self.lost() == self.seen_lost.load(Ordering::Relaxed)
        {
            return None;
        }
        self.announce_with(|| self.update());
        let st = self.lock();
        if st.callbacks[EventKind::MessageLost.index()].is_none() {
            // Nobody to tell: only the fast path above reads this.
            self.seen_lost.store(self.lost(), Ordering::Relaxed);
        }
        let mut due: Option<u64> = None;
        let mut timed_without_due = false;
        for kind in [EventKind::Deadline, EventKind::Liveliness] {
            if st.callbacks[kind.index()].is_none() {
                continue;
            }
            match self.due_of(&st, kind) {
                Some(d) => due = Some(due.map_or(d, |x| x.min(d))),
                None => timed_without_due = true,
            }
        }
        // A publisher's first publish (deadline) or a revival (liveliness) creates a due time
        // that nothing else would tell the notifier about.
        if timed_without_due && self.route.is_none() {
            self.kick.store(true, Ordering::Release);
        }
        due
    }
}

impl Drop for EventHub {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if st.route_held {
            if let Some(r) = &self.route {
                r.release_notifier();
            }
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
        match (&self.hub.route, self.kind) {
            (Some(r), EventKind::MessageLost | EventKind::Deadline) => r.begin_wait(listener),
            _ => listener.set_graph_interest(true),
        }
    }

    fn detach(&self, _waker: &Waker) {
        if let (Some(r), EventKind::MessageLost | EventKind::Deadline) =
            (&self.hub.route, self.kind)
        {
            r.end_wait();
        }
    }

    fn needs_graph(&self) -> bool {
        !matches!(self.kind, EventKind::MessageLost | EventKind::Deadline)
    }

    fn is_ready(&self) -> bool {
        self.hub.is_ready(self.kind)
    }

    fn next_due(&self) -> Option<u64> {
        self.hub.next_due(self.kind)
    }
}
