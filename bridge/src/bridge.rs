//! The bridge's loop: one thread owns every piece of state. It sleeps on one hazcat listener
//! that local graph changes, local samples of forwarded topics and Zenoh's callbacks (through
//! the [`Inbox`]) all wake, then handles what arrived from Zenoh, re-reads the local graph when
//! it changed, and forwards what local publishers wrote.

use crate::announce::Announcer;
use crate::config::{Filter, RateLimiter};
use crate::forward::Forwards;
use crate::inbox::{Event, Inbox};
use crate::local::LocalGraph;
use crate::mapping::token::domain_tokens;
use crate::proxy::Proxies;
use crate::remote::RemoteGraph;
use crate::services::Services;
use crate::session::{self, OpenError, SessionArgs};
use crate::status::{self, StatusBoard, StatusServer};
use hazcat_core::{Listener, Participant};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Receiver;
use std::time::Duration;
use zenoh::sample::SampleKind;
use zenoh::{Session, Wait};

/// Why the bridge could not start.
#[derive(Debug)]
pub enum StartError {
    /// Joining the local ROS domain failed.
    Join(String),
    /// The hazcat listener could not be created.
    Listener(String),
    /// The Zenoh session could not be opened.
    Session(OpenError),
    /// The liveliness subscriber could not be declared.
    Liveliness(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Join(e) => write!(f, "cannot join the local ROS domain: {e}"),
            Self::Listener(e) => write!(f, "cannot create a hazcat listener: {e}"),
            Self::Session(e) => write!(f, "{e}"),
            Self::Liveliness(e) => write!(f, "cannot subscribe to liveliness tokens: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running bridge for one ROS domain.
pub struct Bridge {
    // Field order is drop order: the status server, Zenoh-facing state, the session, then the
    // participant.
    status: Option<(StatusServer, StatusBoard, SessionArgs, Option<String>)>,
    filter: Filter,
    domain: u32,
    forwards: Forwards,
    proxies: Proxies,
    services: Services,
    announcer: Announcer,
    remote: RemoteGraph,
    _liveliness: zenoh::pubsub::Subscriber<()>,
    events: Receiver<Event>,
    session: Session,
    listener: Listener,
    participant: Participant,
    last_generation: Option<u64>,
}

impl Bridge {
    /// Joins ROS domain `domain` locally and opens the Zenoh session.
    pub fn start(domain: u32, args: &SessionArgs) -> Result<Bridge, StartError> {
        let participant = Participant::join(domain).map_err(|e| StartError::Join(e.to_string()))?;
        let listener = participant
            .listener()
            .map_err(|e| StartError::Listener(e.to_string()))?;
        listener.set_graph_interest(true);
        let session = session::open(args).map_err(StartError::Session)?;
        let zid = session.zid().to_string();
        let (inbox, events) = Inbox::new(listener.waker());
        let tokens = inbox.clone();
        let liveliness = session
            .liveliness()
            .declare_subscriber(domain_tokens(domain))
            .history(true)
            .callback(move |sample| {
                tokens.post(Event::Token {
                    key: sample.key_expr().as_str().to_owned(),
                    alive: sample.kind() == SampleKind::Put,
                })
            })
            .wait()
            .map_err(|e| StartError::Liveliness(e.to_string()))?;
        log::info!("bridge up: ROS domain {domain}, zid {zid}");
        Ok(Bridge {
            status: None,
            filter: Filter::default(),
            domain,
            forwards: Forwards::new(&session, &participant, domain),
            proxies: Proxies::new(&session, &participant, domain, inbox.clone()),
            services: Services::new(&session, &participant, domain, inbox),
            announcer: Announcer::new(&session, domain),
            remote: RemoteGraph::new(&participant, domain, &zid),
            _liveliness: liveliness,
            events,
            session,
            listener,
            participant,
            last_generation: None,
        })
    }

    /// The Zenoh session id, as tokens spell it.
    pub fn zid(&self) -> String {
        self.session.zid().to_string()
    }

    /// Carries only the names `filter` allows and limits outbound rates by `limiter` (call
    /// before [`Bridge::run`]; by default everything crosses, unlimited).
    pub fn set_policy(&mut self, filter: Filter, limiter: RateLimiter) {
        self.filter = filter;
        self.forwards.limiter = limiter;
    }

    /// Serves the status to `hazcat ls` on the domain's abstract socket (see [`status`]);
    /// `args` and `config` (the bridge configuration file) are reported as given.
    pub fn serve_status(
        &mut self,
        args: &SessionArgs,
        config: Option<String>,
    ) -> std::io::Result<()> {
        let name = hazcat_core::bridge_status::socket_name(self.domain);
        let board = StatusBoard::default();
        let waker = self.listener.waker();
        let server = StatusServer::start(&name, board.clone(), move || waker.wake())?;
        self.status = Some((server, board, args.clone(), config));
        Ok(())
    }

    fn publish_status(&self) {
        let Some((_, board, args, config)) = &self.status else {
            return;
        };
        if board.wanted() {
            board.publish(&status::render(&status::View {
                domain: self.domain,
                session: &self.session,
                listen: &args.listen,
                connect: &args.connect,
                config: config.as_deref(),
                forwards: &self.forwards,
                proxies: &self.proxies,
                remote: &self.remote,
                services: &self.services,
                filter: &self.filter,
            }));
        }
    }

    /// Runs until `stop` is set (checked at least every `tick`).
    pub fn run(&mut self, stop: &AtomicBool, tick: Duration) {
        while !stop.load(Ordering::SeqCst) {
            let epoch = self.listener.epoch();
            self.step();
            self.listener.wait(epoch, Some(tick));
        }
        let s = self.services.stats;
        log::info!(
            "bridge stopping: {} samples sent to Zenoh ({} dropped, {} rate-limited), {} received \
             ({} dropped); service calls: {} in, {} out ({} dropped)",
            self.forwards.stats.sent,
            self.forwards.stats.dropped,
            self.forwards.stats.rate_limited,
            self.proxies.stats.delivered,
            self.proxies.stats.dropped,
            s.requests_in,
            s.requests_out,
            s.dropped
        );
    }

    /// One pass: Zenoh events, the local graph if it changed, local samples.
    pub fn step(&mut self) {
        let mut remote_changed = false;
        while let Ok(event) = self.events.try_recv() {
            // A remote entity's token precedes its samples and calls: what it changed in the
            // graph (its proxy, its client entry) must be in place before they are handled.
            if !matches!(event, Event::Token { .. }) && std::mem::take(&mut remote_changed) {
                self.resync();
            }
            match event {
                Event::Token { key, alive: true } => {
                    remote_changed |= self.filter.allows_token(&key) && self.remote.token_put(&key)
                }
                Event::Token { key, alive: false } => {
                    remote_changed |= self.remote.token_delete(&key)
                }
                Event::Sample {
                    key,
                    payload,
                    attachment,
                } => self.proxies.deliver(key.as_str(), &payload, attachment),
                Event::Query(query) => {
                    self.services
                        .on_query(query, &self.listener, self.remote.client_ids())
                }
                Event::Reply {
                    service,
                    client,
                    sequence,
                    payload,
                    source_timestamp,
                } => self
                    .services
                    .on_reply(&service, client, sequence, &payload, source_timestamp),
            }
        }
        if remote_changed || self.last_generation != Some(self.participant.graph_generation()) {
            self.resync();
        }
        self.forwards.drain();
        self.services.drain();
        self.publish_status();
    }

    fn resync(&mut self) {
        // Read before the snapshot: a change made meanwhile triggers one more pass.
        self.last_generation = Some(self.participant.graph_generation());
        let snap = self.participant.graph();
        let mut local = LocalGraph::from_snapshot(&snap, &self.remote.proxy_node_rows());
        self.filter.retain_local(&mut local);
        // Queryables before tokens: a remote client that sees a service can call it.
        self.services.sync(&local, &self.remote, &self.listener);
        self.announcer.sync(&local);
        self.services.note_announced(&local, &self.announcer);
        self.services
            .retry_parked(&self.listener, self.remote.client_ids());
        self.proxies.sync(&local, &self.remote);
        self.forwards
            .sync(&local, &self.remote, &self.announcer, &self.listener);
    }
}
