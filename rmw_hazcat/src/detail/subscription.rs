//! Subscriptions: take from the hazcat queue, then copy raw bytes (plain types) or deserialize
//! CDR into the caller's message; loans hand out the shared-memory bytes of plain messages.

use crate::detail::endpoint_options::{self, hazcat_endpoint_options_t};
use hazcat_core::config::Role as ConfigRole;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use hazcat_core::graph::EndpointEntry;
use hazcat_core::{
    EntryKind, Listener, Participant, Received, SampleInfo, Subscriber, SubscriberOptions,
    TypeInfo, Waker,
};

use crate::detail::context::ContextShared;
use crate::detail::event::EventHub;
use crate::detail::node::NodeImpl;
use crate::detail::notifier::{Callback, Notifier, Pump};
use crate::detail::publisher::{peer_qos, validate_endpoint, EndpointType};
use crate::detail::qos::{self, Role};
use crate::detail::wait_set::Waitable;
use crate::ret::{RmwError, RmwResult};
use crate::sys::*;

/// Metadata of a taken message (what `rmw_message_info_t` is filled from).
#[derive(Debug, Clone, Copy)]
pub struct TakenInfo {
    /// From hazcat.
    pub sample: SampleInfo,
    /// Per-subscription reception sequence number (1, 2, ...).
    pub reception_sequence: u64,
    /// When it was taken (ns since the Unix epoch).
    pub received_timestamp: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Who a subscriber's arrivals wake: the wait set waiting on it, otherwise the participant's
/// notifier thread while some callback (new message, message lost, deadline) needs them, else
/// nobody (a publish then costs no wake-up).
pub struct ArrivalRoute {
    participant: Participant,
    subscriber: Arc<Subscriber>,
    /// Users of the notifier route, and the notifier while there are any.
    notifier: Mutex<(u32, Option<Arc<Notifier>>)>,
}

impl std::fmt::Debug for ArrivalRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrivalRoute")
            .field("subscriber", &self.subscriber)
            .finish()
    }
}

impl ArrivalRoute {
    fn new(participant: &Participant, subscriber: Subscriber) -> ArrivalRoute {
        ArrivalRoute {
            participant: participant.clone(),
            subscriber: Arc::new(subscriber),
            notifier: Mutex::new((0, None)),
        }
    }

    /// The hazcat subscriber.
    pub fn subscriber(&self) -> &Subscriber {
        &self.subscriber
    }

    /// One more user needs arrivals to wake the notifier; returns the notifier.
    pub fn acquire_notifier(&self) -> RmwResult<Arc<Notifier>> {
        let mut n = lock(&self.notifier);
        let notifier = match &n.1 {
            Some(x) => x.clone(),
            None => {
                let x = Notifier::for_participant(&self.participant)?;
                self.subscriber.attach_addr(x.waker().addr());
                n.1 = Some(x.clone());
                x
            }
        };
        n.0 += 1;
        Ok(notifier)
    }

    /// A user of [`ArrivalRoute::acquire_notifier`] is done.
    pub fn release_notifier(&self) {
        let mut n = lock(&self.notifier);
        n.0 = n.0.saturating_sub(1);
        let retired = if n.0 == 0 { n.1.take() } else { None };
        if retired.is_some() {
            self.subscriber.detach();
        }
        // The last handle stops the notifier thread: not while holding our lock.
        drop(n);
        drop(retired);
    }

    /// A wait set waits: arrivals wake `listener`.
    pub fn begin_wait(&self, listener: &Listener) {
        self.subscriber.attach(listener);
    }

    /// The wait ended: arrivals wake the notifier again (which looks at what came meanwhile),
    /// or nobody.
    pub fn end_wait(&self) {
        match &lock(&self.notifier).1 {
            Some(n) => {
                self.subscriber.attach_addr(n.waker().addr());
                n.wake();
            }
            None => self.subscriber.detach(),
        }
    }
}

#[derive(Default)]
struct ListenerState {
    callback: Option<Callback>,
    /// Queue pushes (the subscriber's monotonic count) already announced.
    announced: u64,
    /// The notifier pumping this listener while a callback is set.
    notifier: Option<Arc<Notifier>>,
}

/// The new-message callback of a subscription (`rmw_subscription_set_on_new_message_callback`),
/// fired by the participant's notifier thread for messages from any process.
pub struct MessageListener {
    route: Arc<ArrivalRoute>,
    /// Held while a callback runs, so that clearing it waits for a running call.
    state: Mutex<ListenerState>,
    /// Copy of `ListenerState::announced`: the notifier thread pumps every listener on every
    /// wake-up, and one atomic load tells most of them that nothing arrived.
    announced: AtomicU64,
    me: Weak<MessageListener>,
}

impl std::fmt::Debug for MessageListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageListener").finish_non_exhaustive()
    }
}

impl MessageListener {
    fn new(route: &Arc<ArrivalRoute>) -> Arc<MessageListener> {
        Arc::new_cyclic(|me| MessageListener {
            route: route.clone(),
            state: Mutex::new(ListenerState::default()),
            announced: AtomicU64::new(0),
            me: me.clone(),
        })
    }

    /// Sets or clears the callback. Messages already queued are announced at once (announcing
    /// one twice costs a take that finds nothing; never announcing it would lose it), later
    /// arrivals from the notifier thread.
    pub fn set(
        &self,
        f: Option<unsafe extern "C" fn(*const c_void, usize)>,
        user_data: *const c_void,
    ) -> RmwResult<()> {
        let me: Weak<dyn Pump> = self.me.clone();
        let mut st = lock(&self.state);
        st.callback = Callback::new(f, user_data);
        match st.callback {
            Some(cb) => {
                if st.notifier.is_none() {
                    let n = self.route.acquire_notifier()?;
                    n.register(me);
                    st.notifier = Some(n);
                }
                // Baseline first: a message pushed after it is announced by the thread.
                let sub = self.route.subscriber();
                st.announced = sub.delivered();
                self.announced.store(st.announced, Ordering::Relaxed);
                // Called under the state lock: clearing waits for this call.
                cb.call(sub.queued() as usize);
            }
            None => {
                let retired = st.notifier.take();
                drop(st);
                // Dropped without our lock: the last handle stops and joins the notifier
                // thread, which may be waiting for that lock in `pump`.
                if let Some(n) = retired {
                    n.unregister(&me);
                    self.route.release_notifier();
                    drop(n);
                }
            }
        }
        Ok(())
    }
}

impl Pump for MessageListener {
    fn pump(&self) -> Option<u64> {
        if self.route.subscriber().delivered() == self.announced.load(Ordering::Relaxed) {
            return None;
        }
        let mut st = lock(&self.state);
        if let Some(cb) = st.callback {
            let delivered = self.route.subscriber().delivered();
            let n = delivered.saturating_sub(st.announced);
            st.announced = delivered;
            self.announced.store(delivered, Ordering::Relaxed);
            cb.call(n as usize);
        }
        None
    }
}

impl Drop for MessageListener {
    fn drop(&mut self) {
        let st = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if st.notifier.take().is_some() {
            self.route.release_notifier();
        }
    }
}

/// What `rmw_subscription_t::data` points at.
pub struct SubscriptionImpl {
    /// The context.
    pub ctx: Arc<ContextShared>,
    /// Topic name (`rmw_subscription_t::topic_name` points here).
    pub topic_name: CString,
    /// Message type.
    pub ty: EndpointType,
    /// Actual QoS.
    pub qos: rmw_qos_profile_t,
    /// Gid.
    pub gid: [u8; 24],
    /// Event state.
    pub events: Arc<EventHub>,
    /// New-message callback.
    pub listener: Arc<MessageListener>,
    route: Arc<ArrivalRoute>,
    received: AtomicU64,
    loans: Mutex<HashMap<usize, Received>>,
    entry: Option<EndpointEntry>,
}

impl std::fmt::Debug for SubscriptionImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionImpl")
            .field("topic", &self.topic_name)
            .field("type", &self.ty.name)
            .finish()
    }
}

impl SubscriptionImpl {
    /// Opens the topic queue, creates the hazcat subscriber and registers it in the graph.
    pub fn new(
        node: &NodeImpl,
        topic: &str,
        ty: EndpointType,
        requested: &rmw_qos_profile_t,
        ignore_local: bool,
        payload: Option<&hazcat_endpoint_options_t>,
    ) -> RmwResult<SubscriptionImpl> {
        validate_endpoint(topic, requested)?;
        let ctx = node.ctx.clone();
        let peers = peer_qos(&ctx, EntryKind::Publisher, topic);
        let q = qos::actual(requested, Role::Subscription, &peers);
        let memory = endpoint_options::resolve(
            &ctx.hazcat_config,
            &node.fqn(),
            topic,
            ConfigRole::Subscriber,
            payload,
        )?;
        let gid = ctx.new_gid();
        let type_info = TypeInfo {
            name: ty.name.clone(),
            hash: ty.hash,
        };
        let depth = if q.history == RMW_QOS_POLICY_HISTORY_KEEP_ALL {
            hazcat_core::topic::RING_CAP
        } else {
            q.depth.clamp(1, hazcat_core::topic::RING_CAP)
        };
        let subscriber = ctx
            .participant
            .subscriber(
                topic,
                &type_info,
                SubscriberOptions {
                    depth: memory.depth.unwrap_or(depth as u32),
                    domain: memory.domain,
                    pool_size: memory.pool_size,
                    transient_local: q.durability == RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
                    reliable: q.reliability == crate::sys::RMW_QOS_POLICY_RELIABILITY_RELIABLE,
                    ignore_local,
                    gid,
                    timed: qos::timed(&q),
                },
            )
            .map_err(|e| {
                RmwError::error(format!("cannot create subscription on '{topic}': {e}"))
            })?;
        let route = Arc::new(ArrivalRoute::new(&ctx.participant, subscriber));
        let entry =
            node.register_endpoint(EntryKind::Subscription, topic, &ty.name, gid, ty.hash, &q)?;
        let events = EventHub::new(
            &ctx.participant,
            EntryKind::Subscription,
            topic,
            &ty.name,
            q,
            gid,
            Some(route.clone()),
        );
        ctx.register_hub(&events);
        let listener = MessageListener::new(&route);
        ctx.graph_changed_locally(topic, EntryKind::Subscription);
        Ok(SubscriptionImpl {
            topic_name: CString::new(topic).map_err(|_| RmwError::invalid("topic name has NUL"))?,
            ctx,
            ty,
            qos: q,
            gid,
            events,
            listener,
            route,
            received: AtomicU64::new(0),
            loans: Mutex::new(HashMap::new()),
            entry: Some(entry),
        })
    }

    /// Whether messages are plain (raw bytes on the wire, loanable).
    pub fn is_plain(&self) -> bool {
        self.ty.model.is_plain()
    }

    /// Whether a message is queued.
    pub fn has_data(&self) -> bool {
        self.route.subscriber().has_data()
    }

    fn take_received(&self) -> RmwResult<Option<(Received, TakenInfo)>> {
        let Some(r) = self
            .route
            .subscriber()
            .take()
            .map_err(|e| RmwError::error(e.to_string()))?
        else {
            return Ok(None);
        };
        let info = TakenInfo {
            sample: *r.info(),
            reception_sequence: self.received.fetch_add(1, Ordering::Relaxed) + 1,
            received_timestamp: hazcat_core::now_ns(),
        };
        Ok(Some((r, info)))
    }

    /// Takes the oldest message and hands its bytes to `read` (which copies or deserializes
    /// them into the caller's message). `None` when the queue is empty.
    pub fn take_with(
        &self,
        read: impl FnOnce(&[u8]) -> RmwResult<()>,
    ) -> RmwResult<Option<TakenInfo>> {
        let Some((r, info)) = self.take_received()? else {
            return Ok(None);
        };
        match r.bytes() {
            Some(bytes) => read(bytes)?,
            None => {
                // Device memory: never dereferenced here; copy it to the host first.
                let mut buf = vec![0u8; r.len()];
                r.read_into(&mut buf)
                    .map_err(|e| RmwError::error(format!("take: {e}")))?;
                read(&buf)?;
            }
        }
        Ok(Some(info))
    }

    /// Takes the oldest message as a loan: a pointer to its bytes in shared memory, valid until
    /// [`SubscriptionImpl::return_loan`].
    pub fn take_loan(&self) -> RmwResult<Option<(*const u8, TakenInfo)>> {
        let Some((r, info)) = self.take_received()? else {
            return Ok(None);
        };
        // A message in device memory is lent as its device address (never dereferenced here).
        let p = match r.device_ptr() {
            Some((d, _)) => d as usize as *const u8,
            None => r.as_ptr(),
        };
        if p.is_null() {
            return Err(RmwError::error("take: message has no address"));
        }
        crate::detail::loans::note_loan_domain(p, r.domain());
        self.loans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p as usize, r);
        Ok(Some((p, info)))
    }

    /// Returns a loan made by [`SubscriptionImpl::take_loan`].
    pub fn return_loan(&self, p: *const u8) -> RmwResult<()> {
        let r = self
            .loans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(p as usize))
            .ok_or_else(|| {
                RmwError::error("pointer is not a message loaned by this subscription")
            })?;
        crate::detail::loans::forget_loan_domain(p);
        drop(r);
        Ok(())
    }

    /// Publishers matched (same type, compatible QoS) in the domain.
    pub fn matched_count(&self) -> usize {
        self.events.matched_count()
    }
}

impl Waitable for SubscriptionImpl {
    fn attach(&self, listener: &Listener, _waker: &Waker) {
        self.route.begin_wait(listener);
    }

    fn detach(&self, _waker: &Waker) {
        self.route.end_wait();
    }

    fn is_ready(&self) -> bool {
        self.has_data()
    }
}

impl Drop for SubscriptionImpl {
    fn drop(&mut self) {
        // No callback may run once the subscription is gone.
        let _ = self.listener.set(None, std::ptr::null());
        self.events.clear_callbacks();
        for (p, _) in self.loans.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            crate::detail::loans::forget_loan_domain(p as *const u8);
        }
        drop(self.entry.take());
        self.ctx
            .graph_changed_locally(self.events.topic(), EntryKind::Subscription);
    }
}
