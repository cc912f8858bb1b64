//! Services and clients over hazcat shared memory.
//!
//! Transport ([`transport`] has the wire format):
//! - **Requests**: one hazcat topic per (service name, service type), named
//!   `@rq:<service>:<pkg/srv/Type>` (never a valid ROS name, so it cannot collide with a user
//!   topic, and it is not registered in the ROS graph). Every client publishes on it, every
//!   service of that name and type subscribes to it.
//! - **Responses**: one hazcat topic per *client*, `@rr:<service>:<type>:<client id>`. Only that
//!   client subscribes; a service opens a publisher on it when it first answers that client
//!   (cached until the client leaves the graph). So a client can never take a response meant for
//!   another one, and other clients' traffic cannot push its responses out of its queue.
//! - **Several services with one name**: like the DDS rmws (one request topic, every reader gets
//!   every request), each of them receives every request and may answer it; the client takes
//!   every response and rclcpp/rcl drop the ones whose sequence number is no longer pending.
//! - A request carries the client id (the first 16 bytes of the client gid, which is what
//!   `rmw_request_id_t::writer_guid` holds) and the client's sequence number; the response
//!   echoes both. `rmw_send_response` for a client that is gone returns `RMW_RET_OK` and drops
//!   the response.
//! - **Graph**: services and clients are registered as `EntryKind::Service` / `EntryKind::Client`
//!   under the service name with the type `pkg/srv/Type`; `rmw_service_server_is_available` is
//!   true while a service of the same name and type is in the domain graph (any process) and
//!   the request queue has a reader (a `hazcat bridge` reads a remote service's requests only
//!   once a local client of it exists).
//! - **Listener callbacks**: a publisher cannot call into another process, so the taking process
//!   announces: while a callback is set, arrivals wake a per-participant notifier thread, which
//!   moves the new messages out of shared memory and calls the callback with their number; when
//!   a callback is set, the messages already queued are announced at once (what rmw_zenoh does
//!   with its unread count).

mod client;
pub mod transport;

pub use client::ClientImpl;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::ffi::{c_void, CString};
use std::sync::{Arc, Mutex};

use hazcat_core::graph::EndpointEntry;
use hazcat_core::{
    EntryKind, Listener, Publisher, PublisherOptions, SubscriberOptions, TypeInfo, Waker,
};

use crate::detail::context::ContextShared;
use crate::detail::node::NodeImpl;
use crate::detail::wait_set::Waitable;
use crate::detail::{names, qos};
use crate::ret::{RmwError, RmwResult};
use crate::sys::rosidl::rosidl_service_type_support_t;
use crate::sys::*;
use crate::typesupport::{deserialize, service_types, ServiceTypes};
use transport::{Arrival, ClientId, Header, Inbox, Kind, Listening};

/// What services and clients are made of: a validated name, resolved types and QoS.
#[derive(Debug)]
pub struct ServiceSpec {
    /// Service name (`rmw_service_t::service_name` points here).
    pub name: CString,
    /// Request and response models.
    pub types: ServiceTypes,
    /// `pkg/srv/Type`.
    pub type_name: String,
    /// RIHS01 type hash (zero when unknown).
    pub type_hash: [u8; 32],
    /// The profile asked for.
    pub qos: rmw_qos_profile_t,
}

impl ServiceSpec {
    /// Validates `name` (a fully-qualified name unless the profile avoids ROS namespace
    /// conventions) and `qos` (no UNKNOWN policies), and resolves the type support.
    ///
    /// # Safety
    /// `ts` is NULL or a valid service type-support handle whose libraries stay loaded while the
    /// service or client lives.
    pub unsafe fn new(
        ts: *const rosidl_service_type_support_t,
        name: &str,
        qos_profile: &rmw_qos_profile_t,
    ) -> RmwResult<ServiceSpec> {
        if name.is_empty() {
            return Err(RmwError::invalid("service name is empty"));
        }
        if !qos_profile.avoid_ros_namespace_conventions {
            names::validate_full_topic_name(name)
                .map_err(|e| RmwError::invalid(format!("invalid service name: {e}")))?;
        }
        qos::validate(qos_profile).map_err(RmwError::invalid)?;
        // SAFETY: `ts` is NULL or a valid service type-support handle (this function's
        // `# Safety`), which is what `service_types` requires.
        let types = unsafe { service_types(ts)? };
        crate::ret::reset_rcutils_error();
        #[allow(unused_mut)]
        let mut type_hash = [0u8; 32];
        #[cfg(not(ros_distro = "humble"))]
        {
            // SAFETY: `ts` is valid (service_types succeeded).
            if let Some(f) = unsafe { (*ts).get_type_hash_func } {
                // SAFETY: the handle's own hash function; returns NULL or a static hash.
                let h = unsafe { f(ts) };
                // SAFETY: NULL-checked first, then a valid static hash.
                if !h.is_null() && unsafe { (*h).version } == 1 {
                    // SAFETY: `h` is non-NULL (checked in the condition) and points to the type
                    // support's static hash.
                    type_hash = unsafe { (*h).value };
                }
            }
        }
        let ns = types.namespace.replace("::", "/").replace("__", "/");
        let type_name = format!("{ns}/{}", types.name);
        Ok(ServiceSpec {
            name: CString::new(name).map_err(|_| RmwError::invalid("service name contains NUL"))?,
            types,
            type_name,
            type_hash,
            qos: *qos_profile,
        })
    }

    /// The service name as a `&str` (valid UTF-8: it came from one).
    pub fn name_str(&self) -> &str {
        self.name.to_str().unwrap_or_default()
    }

    fn request_topic(&self) -> String {
        transport::request_topic(self.name_str(), &self.type_name)
    }

    fn register(
        &self,
        node: &NodeImpl,
        kind: EntryKind,
        gid: [u8; 24],
        actual: &rmw_qos_profile_t,
    ) -> RmwResult<EndpointEntry> {
        node.register_endpoint(
            kind,
            self.name_str(),
            &self.type_name,
            gid,
            self.type_hash,
            actual,
        )
    }
}

/// Fills `rmw_service_info_t` from a taken request or response.
pub fn fill_info(out: &mut rmw_service_info_t, h: &Header, a: &Arrival) {
    out.source_timestamp = a.info.source_timestamp as i64;
    out.received_timestamp = a.received_timestamp as i64;
    for (d, s) in out.request_id.writer_guid.iter_mut().zip(h.client) {
        // `writer_guid` is `int8_t[16]` on Humble, `uint8_t[16]` later.
        #[allow(clippy::unnecessary_cast)]
        {
            *d = s as _;
        }
    }
    out.request_id.sequence_number = h.sequence;
}

/// Response publishers of a service, one per client it answered, dropped when the client leaves
/// the graph.
#[derive(Default)]
struct Responders {
    /// Graph generation `live` was computed at.
    generation: Option<u64>,
    /// Clients of this service name and type in the graph.
    live: HashSet<ClientId>,
    publishers: HashMap<ClientId, Publisher>,
}

/// What `rmw_service_t::data` points at.
pub struct ServiceImpl {
    ctx: Arc<ContextShared>,
    /// Name, types and requested QoS.
    pub spec: ServiceSpec,
    /// The service's gid.
    pub gid: [u8; 24],
    request_qos: rmw_qos_profile_t,
    response_qos: rmw_qos_profile_t,
    listening: Listening,
    responders: Mutex<Responders>,
    /// Graph registration (dropped first: no longer "available" before the reader goes).
    entry: Option<EndpointEntry>,
}

impl std::fmt::Debug for ServiceImpl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceImpl")
            .field("name", &self.spec.name)
            .field("type", &self.spec.type_name)
            .finish()
    }
}

impl ServiceImpl {
    /// Subscribes to the request topic, then registers the service in the graph.
    pub fn new(node: &NodeImpl, spec: ServiceSpec) -> RmwResult<ServiceImpl> {
        let ctx = node.ctx.clone();
        let gid = ctx.new_gid();
        let request_qos = qos::actual(&spec.qos, qos::Role::Subscription, &[]);
        let response_qos = qos::actual(&spec.qos, qos::Role::Publisher, &[]);
        let sub = ctx
            .participant
            .subscriber(
                &spec.request_topic(),
                &TypeInfo::named(&spec.types.request.ros_type_name()),
                SubscriberOptions {
                    depth: transport::depth_of(&request_qos),
                    pool_size: transport::POOL_SIZE,
                    gid,
                    ..Default::default()
                },
            )
            .map_err(|e| RmwError::error(format!("service '{}': {e}", spec.name_str())))?;
        let listening = Listening::new(&ctx.participant, Inbox::new(sub, Kind::Request, None));
        let entry = spec.register(node, EntryKind::Service, gid, &request_qos)?;
        Ok(ServiceImpl {
            ctx,
            spec,
            gid,
            request_qos,
            response_qos,
            listening,
            responders: Mutex::new(Responders::default()),
            entry: Some(entry),
        })
    }

    /// QoS of the request reader.
    pub fn request_qos(&self) -> rmw_qos_profile_t {
        self.request_qos
    }

    /// QoS of the response writer.
    pub fn response_qos(&self) -> rmw_qos_profile_t {
        self.response_qos
    }

    /// Takes the oldest request into `msg` and fills `info`; `false` when none is queued.
    ///
    /// # Safety
    /// `msg` points to a live request message of the service's type and language.
    pub unsafe fn take_request(
        &self,
        info: &mut rmw_service_info_t,
        msg: *mut c_void,
    ) -> RmwResult<bool> {
        {
            // Let go of the response topics of clients that left (their shared memory goes with
            // the last endpoint) without waiting for the next response.
            let mut r = self.responders.lock().unwrap_or_else(|e| e.into_inner());
            if !r.publishers.is_empty() {
                self.refresh_live(&mut r);
            }
        }
        let ty = &self.spec.types.request;
        let taken = self.listening.inbox.take(|h, si, body| {
            // SAFETY: `msg` is a live request message of the service's type (this function's
            // `# Safety`), and `ty` is that type: `deserialize` writes only its fields.
            unsafe { deserialize(ty, body, msg.cast())? };
            fill_info(info, h, si);
            Ok(())
        })?;
        Ok(taken.is_some())
    }

    /// Sends `msg` as the response to request `id`, to the client that sent it only. A client
    /// that left the graph gets nothing and this returns `Ok`.
    ///
    /// # Safety
    /// `msg` points to a live response message of the service's type and language.
    pub unsafe fn send_response(&self, id: &rmw_request_id_t, msg: *const c_void) -> RmwResult<()> {
        let mut client: ClientId = [0; transport::CLIENT_ID_LEN];
        for (d, s) in client.iter_mut().zip(id.writer_guid) {
            // `writer_guid` is `int8_t[16]` on Humble, `uint8_t[16]` later.
            #[allow(clippy::unnecessary_cast)]
            {
                *d = s as u8;
            }
        }
        let mut r = self.responders.lock().unwrap_or_else(|e| e.into_inner());
        self.refresh_live(&mut r);
        if !r.live.contains(&client) {
            // The client is gone (or never existed): nothing to deliver, as with DDS.
            r.publishers.remove(&client);
            return Ok(());
        }
        let publ = match r.publishers.entry(client) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(v) => v.insert(self.open_responder(&client)?),
        };
        let header = Header {
            kind: Kind::Response,
            client,
            sequence: id.sequence_number,
        };
        // SAFETY: `msg` is a live response message of the service's type (this function's
        // `# Safety`), the type `transport::publish` is given.
        unsafe { transport::publish(publ, &header, &self.spec.types.response, msg.cast()) }
    }

    /// Recomputes the live clients when the graph changed; drops publishers of departed ones.
    fn refresh_live(&self, r: &mut Responders) {
        let generation = self.ctx.participant.graph_generation();
        if r.generation == Some(generation) {
            return;
        }
        let snap = self.ctx.participant.graph();
        r.live = snap
            .endpoints
            .iter()
            .filter(|e| {
                e.kind == EntryKind::Client
                    && e.topic == self.spec.name_str()
                    && e.type_name == self.spec.type_name
            })
            .map(|e| transport::client_id(&e.gid))
            .collect();
        r.generation = Some(snap.generation);
        let live = &r.live;
        r.publishers.retain(|c, _| live.contains(c));
    }

    fn open_responder(&self, client: &ClientId) -> RmwResult<Publisher> {
        let name = transport::response_topic(self.spec.name_str(), &self.spec.type_name, client);
        self.ctx
            .participant
            .publisher(
                &name,
                &TypeInfo::named(&self.spec.types.response.ros_type_name()),
                PublisherOptions {
                    depth: 1,
                    transient_local: false,
                    pool_size: transport::POOL_SIZE,
                    gid: self.gid,
                    ..Default::default()
                },
            )
            .map_err(|e| RmwError::error(format!("service '{}': {e}", self.spec.name_str())))
    }

    /// `rmw_service_set_on_new_request_callback`.
    pub fn set_on_new_request_callback(
        &self,
        f: rmw_event_callback_t,
        user_data: *const c_void,
    ) -> RmwResult<()> {
        self.listening.set_callback(f, user_data)
    }
}

impl Drop for ServiceImpl {
    fn drop(&mut self) {
        // Leave the graph first, then stop answering (fields drop in declaration order after).
        self.entry.take();
    }
}

impl Waitable for ServiceImpl {
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
