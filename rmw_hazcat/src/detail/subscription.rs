//! Subscriptions: take from the hazcat queue, then copy raw bytes (plain types) or deserialize
//! CDR into the caller's message; loans hand out the shared-memory bytes of plain messages.

use crate::detail::endpoint_options::{self, hazcat_endpoint_options_t};
use hazcat_core::config::Role as ConfigRole;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hazcat_core::graph::EndpointEntry;
use hazcat_core::{
    EntryKind, Listener, Received, SampleInfo, Subscriber, SubscriberOptions, TypeInfo, Waker,
};

use crate::detail::context::{ContextShared, MessageNotifier};
use crate::detail::event::EventHub;
use crate::detail::node::NodeImpl;
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
    pub notifier: Arc<MessageNotifier>,
    subscriber: Arc<Subscriber>,
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
        let subscriber = Arc::new(
            ctx.participant
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
                    },
                )
                .map_err(|e| {
                    RmwError::error(format!("cannot create subscription on '{topic}': {e}"))
                })?,
        );
        let entry =
            node.register_endpoint(EntryKind::Subscription, topic, &ty.name, gid, ty.hash, &q)?;
        let events = Arc::new(EventHub::new(
            &ctx.participant,
            EntryKind::Subscription,
            topic,
            &ty.name,
            q,
            gid,
            Some(subscriber.clone()),
        ));
        ctx.register_hub(&events);
        let notifier = Arc::new(MessageNotifier::new(topic, &ty.name, ignore_local));
        ctx.register_notifier(&notifier);
        ctx.graph_changed_locally();
        Ok(SubscriptionImpl {
            topic_name: CString::new(topic).map_err(|_| RmwError::invalid("topic name has NUL"))?,
            ctx,
            ty,
            qos: q,
            gid,
            events,
            notifier,
            subscriber,
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
        self.subscriber.has_data()
    }

    fn take_received(&self) -> RmwResult<Option<(Received, TakenInfo)>> {
        let Some(r) = self
            .subscriber
            .take()
            .map_err(|e| RmwError::error(e.to_string()))?
        else {
            return Ok(None);
        };
        let info = TakenInfo {
            sample: *r.info(),
            reception_sequence: self.received.fetch_add(1, Ordering::Relaxed) + 1,
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
        crate::api::loan::note_loan_domain(p, r.domain());
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
        crate::api::loan::forget_loan_domain(p);
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
        self.subscriber.attach(listener);
    }

    fn is_ready(&self) -> bool {
        self.subscriber.has_data()
    }
}

impl Drop for SubscriptionImpl {
    fn drop(&mut self) {
        for (p, _) in self.loans.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            crate::api::loan::forget_loan_domain(p as *const u8);
        }
        drop(self.entry.take());
        self.ctx.graph_changed_locally();
    }
}
