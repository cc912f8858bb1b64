//! Services across hosts, as rmw_zenoh carries them: a service server is a Zenoh queryable on
//! the service's key expression (`<domain>/<service>/<pkg::srv::dds_::Type_>/<type hash>`), a
//! call is a `get` on it whose payload is the CDR request and whose attachment holds the
//! client's sequence number, source timestamp and gid; the reply carries the CDR response and
//! an attachment with the same sequence number and gid.
//!
//! Locally, a hazcat service reads requests from the internal queue `@rq:<service>:<type>` and
//! answers each client on its own queue `@rr:<service>:<type>:<client id>`, where the client id
//! is the first 16 bytes of the client's gid (`rmw_request_id_t::writer_guid`). Every request and
//! response there starts with rmw_hazcat's 48-byte header (client id, sequence number) in front
//! of the same CDR bytes that Zenoh carries, so bodies pass through unchanged.
//!
//! - **Call in** ([`Server`]): for each local service the bridge declares a complete queryable
//!   (before its liveliness token is announced, so a remote client that sees the server can
//!   call it). A query becomes a request on `@rq:` whose header holds the remote client's gid
//!   and sequence number, so the local server sees the caller's own request id; the bridge
//!   first subscribes to that client's response queue and answers the query with what arrives
//!   there. The local server answers only clients in the graph: remote clients are mirrored
//!   from their tokens as proxy clients with that gid ([`crate::remote`]).
//! - **Call out** ([`Caller`]): for each remote service that a local client uses, the bridge
//!   reads the requests on `@rq:` (skipping its own call-in requests, so nothing loops); the
//!   client sees the service available only from then on (rmw checks that the request queue is
//!   read), so no call is lost. It sends each as a `get` with the client's announced gid, and
//!   publishes the replies on the client's `@rr:` queue with the original header.

use crate::announce::Announcer;
use crate::inbox::{Event, Inbox};
use crate::local::{LocalEndpoint, LocalGraph};
use crate::mapping::{data_key, ros_to_dds_type, to_rihs01, Attachment};
use crate::remote::{RemoteEndpoint, RemoteGraph};
use hazcat_core::{
    EntryKind, Listener, Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions,
    TypeInfo,
};
use rmw_hazcat_rs::detail::service::transport::{
    client_id, request_topic, response_topic, ClientId, Header, Kind, HEADER_LEN,
};
use rmw_hazcat_rs::typesupport::{load_message_type, validate, MessageType};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zenoh::query::{ConsolidationMode, Query, QueryTarget, Queryable};
use zenoh::{Session, Wait};

/// (service name, `pkg/srv/Type`).
type ServiceId = (String, String);

/// Queue depth of the bridge's own request and response queues.
const DEPTH: u32 = 64;
/// Memory pools of those queues (they grow on demand).
const POOL_SIZE: usize = 256 << 10;
/// Calls of one local service waiting for its answer, at most: a remote client that keeps
/// calling a server that does not answer gets errors beyond this, instead of growing the
/// bridge without bound.
const MAX_PENDING: usize = 4096;
/// How long a query from a client the graph does not know yet waits for its token.
const PARK_LIMIT: Duration = Duration::from_secs(5);

fn request_type(srv_type: &str) -> TypeInfo {
    TypeInfo::named(&format!("{srv_type}_Request"))
}

fn response_type(srv_type: &str) -> TypeInfo {
    TypeInfo::named(&format!("{srv_type}_Response"))
}

/// The rmw_zenoh key expression of a service, `None` if its type name cannot be mangled.
fn service_key(domain: u32, name: &str, srv_type: &str, hash: &[u8; 32]) -> Option<String> {
    match ros_to_dds_type(srv_type) {
        Ok(dds) => Some(data_key(domain, name, &dds, &to_rihs01(hash))),
        Err(e) => {
            log::warn!("not carrying service {name}: {e}");
            None
        }
    }
}

/// Counters of what was carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct ServiceStats {
    /// Remote requests handed to local services.
    pub requests_in: u64,
    /// Local services' responses sent back over Zenoh.
    pub responses_out: u64,
    /// Local requests sent to remote services.
    pub requests_out: u64,
    /// Remote responses handed to local clients.
    pub responses_in: u64,
    /// Requests or responses dropped (malformed, unknown client, queue or Zenoh failure).
    pub dropped: u64,
}

/// A remote client's call waiting for the local service's response.
struct Pending {
    query: Query,
    gid: [u8; 16],
}

/// A local service exposed to Zenoh.
struct Server {
    name: String,
    srv_type: String,
    _queryable: Queryable<()>,
    /// Publishes remote requests into the service's request queue.
    requests: Publisher,
    /// The response queues of the remote clients that called.
    responses: HashMap<ClientId, Subscriber>,
    pending: HashMap<(ClientId, i64), Pending>,
}

/// A remote service that local clients call.
struct Caller {
    key: String,
    /// Local requests (the bridge's own call-in requests excluded).
    requests: Subscriber,
    /// Response queues of the local clients, opened on first reply.
    responders: HashMap<ClientId, Publisher>,
}

/// Every service carried, both ways.
pub struct Services {
    session: Session,
    participant: Participant,
    domain: u32,
    inbox: Inbox,
    servers: HashMap<String, Server>,
    callers: HashMap<ServiceId, Caller>,
    /// Queries from clients not yet in the graph, retried after each graph change.
    parked: Vec<(Instant, Query)>,
    /// Local clients' announced gids by client id (a call names its client by it on the wire).
    client_gids: HashMap<ClientId, [u8; 16]>,
    /// Request and response models by message type name, to check what comes from other hosts
    /// (`None`: not loadable).
    models: HashMap<String, Option<Arc<MessageType>>>,
    /// What was carried so far.
    pub stats: ServiceStats,
}

impl Services {
    /// None yet; Zenoh callbacks post queries and replies to `inbox`.
    pub fn new(
        session: &Session,
        participant: &Participant,
        domain: u32,
        inbox: Inbox,
    ) -> Services {
        Services {
            session: session.clone(),
            participant: participant.clone(),
            domain,
            inbox,
            servers: HashMap::new(),
            callers: HashMap::new(),
            parked: Vec::new(),
            client_gids: HashMap::new(),
            models: HashMap::new(),
            stats: ServiceStats::default(),
        }
    }

    /// Declares a queryable for every local service (call before the tokens are announced),
    /// opens a caller for every remote service a local client uses, and drops what went away:
    /// queryables, callers, response queues of clients that left.
    pub fn sync(&mut self, local: &LocalGraph, remote: &RemoteGraph, listener: &Listener) {
        let mut local_services: HashMap<String, &LocalEndpoint> = HashMap::new();
        for e in local
            .endpoints
            .iter()
            .filter(|e| e.kind == EntryKind::Service)
        {
            if let Some(key) = service_key(self.domain, &e.topic, &e.ros_type, &e.type_hash) {
                local_services.entry(key).or_insert(e);
            }
        }
        self.servers.retain(|k, _| local_services.contains_key(k));
        for (key, e) in local_services {
            if !self.servers.contains_key(&key) {
                if let Some(s) = self.open_server(&key, e) {
                    log::info!("serving {} ({}) to Zenoh", e.topic, e.ros_type);
                    self.servers.insert(key, s);
                }
            }
        }
        // Remote clients that left: their response queues go (pending calls keep theirs).
        let remote_clients = remote.client_ids();
        for s in self.servers.values_mut() {
            let pending: HashSet<ClientId> = s.pending.keys().map(|(c, _)| *c).collect();
            s.responses
                .retain(|c, _| remote_clients.contains(c) || pending.contains(c));
        }

        // A caller reads the requests of a remote service while a local client of it exists.
        // Local clients see the service available only once its request queue is read (rmw's
        // `rmw_service_server_is_available`), so no request is sent before: after opening
        // callers, the graph listeners are told to look again.
        let mut wanted: HashMap<ServiceId, &RemoteEndpoint> = HashMap::new();
        for e in remote.endpoints(EntryKind::Service) {
            if local.has(EntryKind::Client, &e.topic, &e.ros_type) {
                wanted.insert((e.topic.clone(), e.ros_type.clone()), e);
            }
        }
        self.callers.retain(|id, _| wanted.contains_key(id));
        let local_clients: HashSet<ClientId> = local
            .endpoints
            .iter()
            .filter(|e| e.kind == EntryKind::Client)
            .map(|e| client_id(&e.gid))
            .collect();
        for c in self.callers.values_mut() {
            c.responders.retain(|id, _| local_clients.contains(id));
        }
        let mut opened = false;
        for (id, e) in wanted {
            if !self.callers.contains_key(&id) {
                opened |= self.open_caller(id, e, listener);
            }
        }
        if opened {
            if let Err(e) = self.participant.notify_graph() {
                log::warn!("cannot wake local clients of remote services: {e}");
            }
        }
    }

    /// Starts reading the local requests to remote service `e`; whether it could.
    fn open_caller(&mut self, id: ServiceId, e: &RemoteEndpoint, listener: &Listener) -> bool {
        let Some(key) = service_key(self.domain, &e.topic, &e.ros_type, &e.type_hash) else {
            return false;
        };
        let opts = SubscriberOptions {
            depth: DEPTH,
            ignore_local: true,
            pool_size: POOL_SIZE,
            ..SubscriberOptions::default()
        };
        match self
            .participant
            .subscriber(&request_topic(&id.0, &id.1), &request_type(&id.1), opts)
        {
            Ok(requests) => {
                requests.attach(listener);
                log::info!("calling remote service {} ({}) over Zenoh", id.0, id.1);
                self.callers.insert(
                    id,
                    Caller {
                        key,
                        requests,
                        responders: HashMap::new(),
                    },
                );
                true
            }
            Err(err) => {
                log::warn!("cannot read the requests of {} locally: {err}", id.0);
                false
            }
        }
    }

    /// The local services served to Zenoh, as (name, `pkg/srv/Type`).
    pub fn served(&self) -> impl Iterator<Item = (&str, &str)> {
        self.servers
            .values()
            .map(|s| (s.name.as_str(), s.srv_type.as_str()))
    }

    /// The remote services local clients can call, as (name, `pkg/srv/Type`).
    pub fn called(&self) -> impl Iterator<Item = (&str, &str)> {
        self.callers.keys().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// Remembers the gids under which local clients were announced (the caller's gid on the
    /// wire); a client not announced is named by its client id.
    pub fn note_announced(&mut self, local: &LocalGraph, announcer: &Announcer) {
        self.client_gids = local
            .endpoints
            .iter()
            .filter(|e| e.kind == EntryKind::Client)
            .filter_map(|e| Some((client_id(&e.gid), announcer.endpoint(&e.gid)?.gid)))
            .collect();
    }

    fn open_server(&self, key: &str, e: &LocalEndpoint) -> Option<Server> {
        let requests = self
            .participant
            .publisher(
                &request_topic(&e.topic, &e.ros_type),
                &request_type(&e.ros_type),
                PublisherOptions {
                    depth: DEPTH,
                    reliable: true,
                    pool_size: POOL_SIZE,
                    ..PublisherOptions::default()
                },
            )
            .map_err(|err| log::warn!("cannot send requests to {} locally: {err}", e.topic))
            .ok()?;
        let inbox = self.inbox.clone();
        let queryable = self
            .session
            .declare_queryable(key.to_owned())
            .complete(true)
            .callback(move |query| inbox.post(Event::Query(query)))
            .wait()
            .map_err(|err| log::error!("cannot declare a queryable on {key}: {err}"))
            .ok()?;
        Some(Server {
            name: e.topic.clone(),
            srv_type: e.ros_type.clone(),
            _queryable: queryable,
            requests,
            responses: HashMap::new(),
            pending: HashMap::new(),
        })
    }

    /// A remote call of a local service: into the service's request queue, once the bridge
    /// listens on the caller's response queue. A caller the graph does not list yet (its token
    /// may trail its first call) is parked until it does.
    pub fn on_query(
        &mut self,
        query: Query,
        listener: &Listener,
        known_clients: &HashSet<ClientId>,
    ) {
        let key = query.key_expr().as_str().to_owned();
        let Some(srv_type) = self.servers.get(&key).map(|s| s.srv_type.clone()) else {
            let _ = query.reply_err("no such service behind this bridge").wait();
            self.stats.dropped += 1;
            return;
        };
        let a = match query
            .attachment()
            .map(|a| Attachment::decode(&a.to_bytes()))
        {
            Some(Ok(a)) => a,
            other => {
                let why = match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "no attachment".to_owned(),
                };
                log::debug!("call of {key}: {why}");
                let _ = query
                    .reply_err(format!("bad request attachment: {why}"))
                    .wait();
                self.stats.dropped += 1;
                return;
            }
        };
        if !known_clients.contains(&a.gid) {
            self.parked.push((Instant::now(), query));
            return;
        }
        let body = query
            .payload()
            .map(|p| p.to_bytes().into_owned())
            .unwrap_or_default();
        if let Err(why) = self.check(&srv_type, "Request", &body) {
            log::warn!("malformed request for {key} from a remote client: {why}");
            let _ = query.reply_err(format!("malformed request: {why}")).wait();
            self.stats.dropped += 1;
            return;
        }
        let Some(server) = self.servers.get_mut(&key) else {
            return;
        };
        if server.pending.len() >= MAX_PENDING {
            log::warn!("{key}: {MAX_PENDING} calls already wait for the local server; refused");
            let _ = query
                .reply_err(format!(
                    "{MAX_PENDING} calls of this service already wait for an answer"
                ))
                .wait();
            self.stats.dropped += 1;
            return;
        }
        let client = a.gid;
        if !server.responses.contains_key(&client) {
            let opts = SubscriberOptions {
                depth: DEPTH,
                pool_size: POOL_SIZE,
                ..SubscriberOptions::default()
            };
            match self.participant.subscriber(
                &response_topic(&server.name, &server.srv_type, &client),
                &response_type(&server.srv_type),
                opts,
            ) {
                Ok(sub) => {
                    sub.attach(listener);
                    server.responses.insert(client, sub);
                }
                Err(e) => {
                    log::warn!("cannot read responses of {} locally: {e}", server.name);
                    let _ = query.reply_err("bridge cannot read the response").wait();
                    self.stats.dropped += 1;
                    return;
                }
            }
        }
        let header = Header {
            kind: Kind::Request,
            client,
            sequence: a.sequence,
        };
        match publish(&server.requests, &header, &body, a.source_timestamp) {
            Ok(()) => {
                self.stats.requests_in += 1;
                server
                    .pending
                    .insert((client, a.sequence), Pending { query, gid: a.gid });
            }
            Err(e) => {
                log::warn!("cannot pass a request to {} locally: {e}", server.name);
                let _ = query.reply_err("bridge cannot pass the request on").wait();
                self.stats.dropped += 1;
            }
        }
    }

    /// Whether `body` is a valid CDR `part` ("Request" or "Response") of service type
    /// `srv_type` (walked with the part's introspection model, nothing built): a malformed
    /// request or response from another host is refused instead of making a local server's or
    /// client's take fail. A type whose support cannot be loaded is not checked (logged once).
    fn check(&mut self, srv_type: &str, part: &str, body: &[u8]) -> Result<(), String> {
        let name = format!("{srv_type}_{part}");
        let model = self
            .models
            .entry(name.clone())
            .or_insert_with(|| match load_message_type(&name) {
                Ok(t) => Some(t),
                Err(e) => {
                    log::warn!("{name} messages are passed on unchecked: {e}");
                    None
                }
            })
            .clone();
        match body {
            [0, 0 | 1, _, _, ..] => {}
            _ => return Err("not CDR with an encapsulation header".to_owned()),
        }
        let Some(ty) = model else {
            return Ok(());
        };
        validate(&ty, body).map_err(|e| e.to_string())
    }

    /// Retries parked queries after a graph change; those parked too long get an error reply.
    pub fn retry_parked(&mut self, listener: &Listener, known_clients: &HashSet<ClientId>) {
        if self.parked.is_empty() {
            return;
        }
        let now = Instant::now();
        for (since, query) in std::mem::take(&mut self.parked) {
            let known = query
                .attachment()
                .and_then(|a| Attachment::decode(&a.to_bytes()).ok())
                .is_some_and(|a| known_clients.contains(&a.gid));
            if known {
                self.on_query(query, listener, known_clients);
            } else if now.duration_since(since) > PARK_LIMIT {
                log::warn!(
                    "call of {} from a client never seen: dropped",
                    query.key_expr()
                );
                let _ = query
                    .reply_err("calling client unknown to the bridge")
                    .wait();
                self.stats.dropped += 1;
            } else {
                self.parked.push((since, query));
            }
        }
    }

    /// A remote service's reply to a local client's call: onto that client's response queue.
    pub fn on_reply(
        &mut self,
        service: &ServiceId,
        client: ClientId,
        sequence: i64,
        payload: &[u8],
        source_timestamp: i64,
    ) {
        if let Err(why) = self.check(&service.1, "Response", payload) {
            log::warn!(
                "malformed response of {} from another host: {why}",
                service.0
            );
            self.stats.dropped += 1;
            return;
        }
        let Some(caller) = self.callers.get_mut(service) else {
            self.stats.dropped += 1;
            return;
        };
        let publ = match caller.responders.entry(client) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                let opts = PublisherOptions {
                    depth: DEPTH,
                    reliable: true,
                    pool_size: POOL_SIZE,
                    ..PublisherOptions::default()
                };
                match self.participant.publisher(
                    &response_topic(&service.0, &service.1, &client),
                    &response_type(&service.1),
                    opts,
                ) {
                    Ok(p) => v.insert(p),
                    Err(e) => {
                        log::warn!("cannot answer a client of {} locally: {e}", service.0);
                        self.stats.dropped += 1;
                        return;
                    }
                }
            }
        };
        let header = Header {
            kind: Kind::Response,
            client,
            sequence,
        };
        match publish(publ, &header, payload, source_timestamp) {
            Ok(()) => self.stats.responses_in += 1,
            Err(e) => {
                log::warn!("cannot pass a response of {} on: {e}", service.0);
                self.stats.dropped += 1;
            }
        }
    }

    /// Moves local requests to remote services onto Zenoh and local services' responses back
    /// to the remote callers.
    pub fn drain(&mut self) {
        for s in self.servers.values_mut() {
            for sub in s.responses.values() {
                loop {
                    let msg = match sub.take() {
                        Ok(Some(m)) => m,
                        Ok(None) => break,
                        Err(e) => {
                            log::warn!("take on a response queue of {}: {e}", s.name);
                            break;
                        }
                    };
                    let Some((h, body)) = msg.bytes().and_then(split) else {
                        self.stats.dropped += 1;
                        continue;
                    };
                    let Some(p) = s.pending.remove(&(h.client, h.sequence)) else {
                        continue; // a response to a call that was not ours, or answered twice
                    };
                    let attachment = Attachment {
                        sequence: h.sequence,
                        source_timestamp: msg.info().source_timestamp as i64,
                        gid: p.gid,
                    };
                    let key = p.query.key_expr().clone();
                    match p
                        .query
                        .reply(key, body.to_vec())
                        .attachment(attachment.encode().to_vec())
                        .wait()
                    {
                        Ok(()) => self.stats.responses_out += 1,
                        Err(e) => {
                            log::warn!("reply to a call of {}: {e}", s.name);
                            self.stats.dropped += 1;
                        }
                    }
                }
            }
        }
        for (id, c) in &mut self.callers {
            loop {
                let msg = match c.requests.take() {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => {
                        log::warn!("take on the requests of {}: {e}", id.0);
                        break;
                    }
                };
                let Some((h, body)) = msg.bytes().and_then(split) else {
                    self.stats.dropped += 1;
                    continue;
                };
                if h.kind != Kind::Request {
                    self.stats.dropped += 1;
                    continue;
                }
                let gid = self.client_gids.get(&h.client).copied().unwrap_or(h.client);
                let attachment = Attachment {
                    sequence: h.sequence,
                    source_timestamp: msg.info().source_timestamp as i64,
                    gid,
                };
                let inbox = self.inbox.clone();
                let service = id.clone();
                let (client, sequence) = (h.client, h.sequence);
                let sent = self
                    .session
                    .get(c.key.clone())
                    .payload(body.to_vec())
                    .attachment(attachment.encode().to_vec())
                    .target(QueryTarget::AllComplete)
                    .consolidation(ConsolidationMode::None)
                    // As rmw_zenoh: no timeout (services behind actions may take long).
                    .timeout(Duration::from_millis(u64::MAX))
                    .callback(move |reply| match reply.result() {
                        Ok(sample) => {
                            let ts = sample
                                .attachment()
                                .and_then(|a| Attachment::decode(&a.to_bytes()).ok())
                                .map(|a| a.source_timestamp)
                                .unwrap_or_else(|| hazcat_core::now_ns() as i64);
                            inbox.post(Event::Reply {
                                service: service.clone(),
                                client,
                                sequence,
                                payload: sample.payload().to_bytes().into_owned(),
                                source_timestamp: ts,
                            })
                        }
                        Err(e) => log::warn!(
                            "call of {}: error reply: {}",
                            service.0,
                            String::from_utf8_lossy(&e.payload().to_bytes())
                        ),
                    })
                    .wait();
                match sent {
                    Ok(()) => self.stats.requests_out += 1,
                    Err(e) => {
                        log::warn!("cannot call {} over Zenoh: {e}", id.0);
                        self.stats.dropped += 1;
                    }
                }
            }
        }
    }
}

/// A request or response sample: its header and CDR body.
fn split(bytes: &[u8]) -> Option<(Header, &[u8])> {
    let h = Header::read(bytes)?;
    Some((h, &bytes[HEADER_LEN..]))
}

/// Publishes `header` + `body` on `publ`, stamped `source_timestamp`.
fn publish(
    publ: &Publisher,
    header: &Header,
    body: &[u8],
    source_timestamp: i64,
) -> Result<(), String> {
    let mut loan = publ
        .loan(HEADER_LEN + body.len())
        .map_err(|e| e.to_string())?;
    let buf = loan
        .as_mut_slice()
        .ok_or_else(|| "request queue is not in host memory".to_owned())?;
    header.write(buf);
    buf[HEADER_LEN..].copy_from_slice(body);
    publ.publish_with_timestamp(loan, source_timestamp.max(0) as u64)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_keys_follow_rmw_zenoh() {
        let key = service_key(
            7,
            "/talker/get_parameters",
            "rcl_interfaces/srv/GetParameters",
            &[0xab; 32],
        );
        assert_eq!(
            key.as_deref(),
            Some(
                "7/talker/get_parameters/rcl_interfaces::srv::dds_::GetParameters_/RIHS01_\
                 abababababababababababababababababababababababababababababababab"
            )
        );
        assert!(service_key(7, "/x", "not a type", &[0; 32]).is_none());
    }

    #[test]
    fn split_reads_the_header_and_keeps_the_body() {
        let mut buf = vec![0u8; HEADER_LEN + 5];
        let h = Header {
            kind: Kind::Response,
            client: [3; 16],
            sequence: 42,
        };
        h.write(&mut buf);
        buf[HEADER_LEN..].copy_from_slice(&[0, 1, 0, 0, 9]);
        let (got, body) = split(&buf).unwrap();
        assert_eq!(got, h);
        assert_eq!(body, &[0, 1, 0, 0, 9]);
        assert!(split(&buf[..10]).is_none());
    }
}
