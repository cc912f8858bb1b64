//! Service clients: a publisher on the service's request topic and a subscriber on the client's
//! own response topic (see the parent module for the routing).

use std::ffi::c_void;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use hazcat_core::graph::EndpointEntry;
use hazcat_core::{
    EntryKind, Listener, Publisher, PublisherOptions, SubscriberOptions, TypeInfo, Waker,
};

use super::transport::{self, ClientId, Header, Inbox, Kind, Listening};
use super::{fill_info, ServiceSpec};
use crate::detail::context::ContextShared;
use crate::detail::node::NodeImpl;
use crate::detail::qos;
use crate::detail::wait_set::Waitable;
use crate::ret::{RmwError, RmwResult};
use crate::sys::*;
use crate::typesupport::deserialize;

/// What `rmw_client_t::data` points at.
pub struct ClientImpl {
    ctx: Arc<ContextShared>,
    /// Name, types and requested QoS.
    pub spec: ServiceSpec,
    /// The client's gid (its first 16 bytes are the `writer_guid` of its requests).
    pub gid: [u8; 24],
    id: ClientId,
    request_qos: rmw_qos_profile_t,
    response_qos: rmw_qos_profile_t,
    requests: Publisher,
    /// Last sequence number handed out (the first request gets 1).
    sequence: AtomicI64,
    listening: Listening,
    /// Graph generation at which no server was found (re-checked when the graph changes).
    unavailable_at: Mutex<Option<u64>>,
    entry: Option<EndpointEntry>,
}

impl std::fmt::Debug for ClientImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientImpl")
            .field("name", &self.spec.name)
            .field("type", &self.spec.type_name)
            .finish()
    }
}

impl ClientImpl {
    /// Subscribes to the client's response topic, opens the request publisher, then registers
    /// the client in the graph (so a service that sees it can answer at once).
    pub fn new(node: &NodeImpl, spec: ServiceSpec) -> RmwResult<ClientImpl> {
        let ctx = node.ctx.clone();
        let gid = ctx.new_gid();
        let id = transport::client_id(&gid);
        let request_qos = qos::actual(&spec.qos, qos::Role::Publisher, &[]);
        let response_qos = qos::actual(&spec.qos, qos::Role::Subscription, &[]);
        let err = |e: &dyn std::fmt::Display| {
            RmwError::error(format!("client of '{}': {e}", spec.name_str()))
        };
        let sub = ctx
            .participant
            .subscriber(
                &transport::response_topic(spec.name_str(), &spec.type_name, &id),
                &TypeInfo::named(&spec.types.response.ros_type_name()),
                SubscriberOptions {
                    depth: transport::depth_of(&response_qos),
                    pool_size: transport::POOL_SIZE,
                    gid,
                    ..Default::default()
                },
            )
            .map_err(|e| err(&e))?;
        let requests = ctx
            .participant
            .publisher(
                &spec.request_topic(),
                &TypeInfo::named(&spec.types.request.ros_type_name()),
                PublisherOptions {
                    depth: 1,
                    transient_local: false,
                    pool_size: transport::POOL_SIZE,
                    gid,
                    ..Default::default()
                },
            )
            .map_err(|e| err(&e))?;
        let listening = Listening::new(&ctx.participant, Inbox::new(sub, Kind::Response, Some(id)));
        let entry = spec.register(node, EntryKind::Client, gid, &request_qos)?;
        Ok(ClientImpl {
            ctx,
            spec,
            gid,
            id,
            request_qos,
            response_qos,
            requests,
            sequence: AtomicI64::new(0),
            listening,
            unavailable_at: Mutex::new(None),
            entry: Some(entry),
        })
    }

    /// QoS of the request writer.
    pub fn request_qos(&self) -> rmw_qos_profile_t {
        self.request_qos
    }

    /// QoS of the response reader.
    pub fn response_qos(&self) -> rmw_qos_profile_t {
        self.response_qos
    }

    /// Sends a request; returns its sequence number (1, 2, ... per client).
    ///
    /// # Safety
    /// `msg` points to a live request message of the client's type and language.
    pub unsafe fn send_request(&self, msg: *const c_void) -> RmwResult<i64> {
        let sequence = self.sequence.fetch_add(1, Ordering::SeqCst) + 1;
        let header = Header {
            kind: Kind::Request,
            client: self.id,
            sequence,
        };
        // SAFETY: `msg` is a live request message of the client's type (this function's
        // `# Safety`), the type `transport::publish` is given.
        unsafe {
            transport::publish(
                &self.requests,
                &header,
                &self.spec.types.request,
                msg.cast(),
            )?
        };
        Ok(sequence)
    }

    /// Takes the oldest response into `msg` and fills `info` (the request's sequence number);
    /// `false` when none is queued.
    ///
    /// # Safety
    /// `msg` points to a live response message of the client's type and language.
    pub unsafe fn take_response(
        &self,
        info: &mut rmw_service_info_t,
        msg: *mut c_void,
    ) -> RmwResult<bool> {
        let ty = &self.spec.types.response;
        let taken = self.listening.inbox.take(|h, si, body| {
            // SAFETY: `msg` is a live response message of the client's type (this function's
            // `# Safety`), and `ty` is that type: `deserialize` writes only its fields.
            unsafe { deserialize(ty, body, msg.cast())? };
            fill_info(info, h, si);
            Ok(())
        })?;
        Ok(taken.is_some())
    }

    /// Whether a service of this name and type is in the domain graph (any process).
    pub fn server_is_available(&self) -> bool {
        let generation = self.ctx.participant.graph_generation();
        let mut at = self
            .unavailable_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if *at == Some(generation) {
            return false;
        }
        // The snapshot also sweeps out participants of dead processes.
        let snap = self.ctx.participant.graph();
        // A server in the graph, and somebody reading this client's request queue: a local
        // service subscribes before it registers, but a remote one (a bridge's proxy) is read
        // only once the bridge is ready to carry the calls (as DDS rmws also wait for the
        // request reader to match). Requests sent before would be lost.
        let found = snap.endpoints.iter().any(|e| {
            e.kind == EntryKind::Service
                && e.topic == self.spec.name_str()
                && e.type_name == self.spec.type_name
        }) && self.requests.subscriber_count() > 0;
        *at = (!found).then_some(snap.generation);
        found
    }

    /// `rmw_client_set_on_new_response_callback`.
    pub fn set_on_new_response_callback(
        &self,
        f: rmw_event_callback_t,
        user_data: *const c_void,
    ) -> RmwResult<()> {
        self.listening.set_callback(f, user_data)
    }
}

impl Drop for ClientImpl {
    fn drop(&mut self) {
        // Leave the graph first: services stop answering before the response reader goes.
        self.entry.take();
    }
}

impl Waitable for ClientImpl {
    fn attach(&self, listener: &Listener, _waker: &Waker) {
        self.listening.inbox.attach(listener);
    }

    fn detach(&self, _waker: &Waker) {
        self.listening.inbox.detach();
    }

    fn is_ready(&self) -> bool {
        self.listening.inbox.has_data()
    }
}
