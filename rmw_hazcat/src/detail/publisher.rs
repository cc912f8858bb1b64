//! Publishers. Wire format inside shared memory: plain message types as their raw struct bytes
//! (the same in C and C++, loaned straight from the publisher's pool: zero copy); every other
//! type as CDR, serialized once on publish.

use crate::detail::endpoint_options::{self, hazcat_endpoint_options_t};
use hazcat_core::config::Role as ConfigRole;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::{Arc, Mutex};

use hazcat_core::graph::EndpointEntry;
use hazcat_core::{EntryKind, Loan, Publisher, PublisherOptions, TypeInfo};

use crate::detail::context::ContextShared;
use crate::detail::event::EventHub;
use crate::detail::names;
use crate::detail::node::NodeImpl;
use crate::detail::qos::{self, Role};
use crate::ret::{RmwError, RmwResult};
use crate::sys::rmw_qos_profile_t;
use crate::typesupport::MessageType;

/// Everything an endpoint needs to know about its message type.
#[derive(Debug, Clone)]
pub struct EndpointType {
    /// The layout model.
    pub model: Arc<MessageType>,
    /// `"pkg/msg/Type"`.
    pub name: String,
    /// RIHS01 hash value (all zero if unknown).
    pub hash: [u8; 32],
}

impl EndpointType {
    fn type_info(&self) -> TypeInfo {
        TypeInfo {
            name: self.name.clone(),
            hash: self.hash,
        }
    }
}

/// Validates a topic name (skipped with `avoid_ros_namespace_conventions`) and a QoS profile.
pub fn validate_endpoint(topic: &str, q: &rmw_qos_profile_t) -> RmwResult<()> {
    if topic.is_empty() {
        return Err(RmwError::invalid("topic name is empty"));
    }
    qos::validate(q).map_err(RmwError::invalid)?;
    if !q.avoid_ros_namespace_conventions {
        names::validate_full_topic_name(topic).map_err(RmwError::invalid)?;
    }
    Ok(())
}

/// QoS of the already discovered endpoints of `kind` on `topic`.
pub fn peer_qos(ctx: &ContextShared, kind: EntryKind, topic: &str) -> Vec<rmw_qos_profile_t> {
    ctx.participant
        .graph_of_topic(topic, kind)
        .endpoints
        .iter()
        .map(|e| qos::decode(&e.qos))
        .collect()
}

/// What `rmw_publisher_t::data` points at.
pub struct PublisherImpl {
    /// The context.
    pub ctx: Arc<ContextShared>,
    /// Topic name (`rmw_publisher_t::topic_name` points here).
    pub topic_name: CString,
    /// Message type.
    pub ty: EndpointType,
    /// Actual QoS.
    pub qos: rmw_qos_profile_t,
    /// Gid (first `RMW_GID_STORAGE_SIZE` bytes are the rmw gid).
    pub gid: [u8; 24],
    /// Event state (`rmw_event_t::data` of this publisher's events).
    pub events: Arc<EventHub>,
    publisher: Publisher,
    loans: Mutex<HashMap<usize, Loan>>,
    entry: Option<EndpointEntry>,
}

impl std::fmt::Debug for PublisherImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublisherImpl")
            .field("topic", &self.topic_name)
            .field("type", &self.ty.name)
            .finish()
    }
}

impl PublisherImpl {
    /// Opens the topic queue, creates the hazcat publisher and registers it in the graph.
    pub fn new(
        node: &NodeImpl,
        topic: &str,
        ty: EndpointType,
        requested: &rmw_qos_profile_t,
        payload: Option<&hazcat_endpoint_options_t>,
    ) -> RmwResult<PublisherImpl> {
        validate_endpoint(topic, requested)?;
        let ctx = node.ctx.clone();
        let peers = peer_qos(&ctx, EntryKind::Subscription, topic);
        let q = qos::actual(requested, Role::Publisher, &peers);
        let memory = endpoint_options::resolve(
            &ctx.hazcat_config,
            &node.fqn(),
            topic,
            ConfigRole::Publisher,
            payload,
        )?;
        let gid = ctx.new_gid();
        let publisher = ctx
            .participant
            .publisher(
                topic,
                &ty.type_info(),
                PublisherOptions {
                    domain: memory.domain,
                    pool_size: memory.pool_size,
                    depth: memory
                        .depth
                        .unwrap_or(q.depth.clamp(1, hazcat_core::topic::RING_CAP) as u32),
                    reliable: q.reliability != crate::sys::RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
                    transient_local: q.durability
                        == crate::sys::RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
                    gid,
                    timed: qos::timed(&q),
                    lifespan_ns: qos::finite_ns(&q.lifespan),
                },
            )
            .map_err(|e| RmwError::error(format!("cannot create publisher on '{topic}': {e}")))?;
        let entry =
            node.register_endpoint(EntryKind::Publisher, topic, &ty.name, gid, ty.hash, &q)?;
        let events = EventHub::new(
            &ctx.participant,
            EntryKind::Publisher,
            topic,
            &ty.name,
            q,
            gid,
            None,
        );
        ctx.register_hub(&events);
        ctx.graph_changed_locally(topic, EntryKind::Publisher);
        Ok(PublisherImpl {
            topic_name: CString::new(topic).map_err(|_| RmwError::invalid("topic name has NUL"))?,
            ctx,
            ty,
            qos: q,
            gid,
            events,
            publisher,
            loans: Mutex::new(HashMap::new()),
            entry: Some(entry),
        })
    }

    /// Whether messages are plain (raw bytes on the wire, loanable).
    pub fn is_plain(&self) -> bool {
        self.ty.model.is_plain()
    }

    /// Publishes `len` bytes written by `fill` into a fresh loan (serialization happens
    /// straight into shared memory).
    pub fn publish_with(
        &self,
        len: usize,
        fill: impl FnOnce(&mut [u8]) -> RmwResult<()>,
    ) -> RmwResult<()> {
        let mut loan = self
            .publisher
            .loan(len)
            .map_err(|e| RmwError::bad_alloc(format!("publish: {e}")))?;
        match loan.as_mut_slice() {
            Some(buf) => fill(buf)?,
            None => {
                // Device memory: never dereferenced here; fill a host buffer, copy it over.
                let mut buf = vec![0u8; len];
                fill(&mut buf)?;
                loan.write(&buf)
                    .map_err(|e| RmwError::error(format!("publish: {e}")))?;
            }
        }
        self.publish_loan_now(loan)
    }

    fn publish_loan_now(&self, loan: Loan) -> RmwResult<()> {
        crate::detail::wait_spin::note_sent();
        if self.events.tracks_activity() {
            // One timestamp for the message and the deadline / liveliness bookkeeping.
            let t = hazcat_core::now_ns();
            self.publisher
                .publish_with_timestamp(loan, t)
                .map_err(|e| RmwError::error(e.to_string()))?;
            self.events.note_publish(t);
        } else {
            self.publisher
                .publish(loan)
                .map_err(|e| RmwError::error(e.to_string()))?;
        }
        Ok(())
    }

    /// Asserts liveliness (MANUAL_BY_TOPIC publishers; harmless for others).
    pub fn assert_liveliness(&self) {
        self.publisher.assert_liveliness();
        self.events.note_assert(hazcat_core::now_ns());
    }

    /// Lends an uninitialized message-sized block of shared memory (plain types only).
    pub fn borrow(&self) -> RmwResult<*mut u8> {
        let loan = self
            .publisher
            .loan(self.ty.model.size_of.max(1))
            .map_err(|e| RmwError::bad_alloc(format!("borrow: {e}")))?;
        // A loan in device memory is lent as its device address (never dereferenced here).
        let p = match loan.device_ptr() {
            Some((d, _)) => d as usize as *mut u8,
            None => loan.as_ptr(),
        };
        if p.is_null() {
            return Err(RmwError::error("borrow: loan has no address"));
        }
        crate::detail::loans::note_loan_domain(p.cast_const(), loan.domain());
        self.loans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(p as usize, loan);
        Ok(p)
    }

    fn take_loan(&self, p: *mut u8) -> RmwResult<Loan> {
        let loan = self
            .loans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(p as usize))
            .ok_or_else(|| {
                RmwError::invalid("pointer is not a message loaned by this publisher")
            })?;
        crate::detail::loans::forget_loan_domain(p.cast_const());
        Ok(loan)
    }

    /// Publishes a borrowed message; ownership returns to the middleware whatever happens.
    pub fn publish_loan(&self, p: *mut u8) -> RmwResult<()> {
        let loan = self.take_loan(p)?;
        self.publish_loan_now(loan)
    }

    /// Gives back an unpublished loan.
    pub fn return_loan(&self, p: *mut u8) -> RmwResult<()> {
        self.take_loan(p).map(drop)
    }

    /// Subscriptions matched (QoS-compatible, same type) in the domain.
    pub fn matched_count(&self) -> usize {
        self.events.matched_count()
    }
}

impl Drop for PublisherImpl {
    fn drop(&mut self) {
        // No callback may run once the publisher is gone.
        self.events.clear_callbacks();
        for (p, _) in self.loans.lock().unwrap_or_else(|e| e.into_inner()).drain() {
            crate::detail::loans::forget_loan_domain(p as *const u8);
        }
        // Leave the graph before telling local event hubs, so they see us gone.
        drop(self.entry.take());
        self.ctx
            .graph_changed_locally(self.events.topic(), EntryKind::Publisher);
    }
}
