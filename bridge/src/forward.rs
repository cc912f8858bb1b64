//! Local -> Zenoh: for each local topic that a remote subscription wants, one hazcat subscriber
//! (ignoring the bridge's own proxy publishers, so nothing received from Zenoh goes back out)
//! takes the samples from shared memory and puts them on the topic's key expression, once per
//! local publisher through that publisher's own Zenoh publisher (its reliability, its gid and
//! sequence numbers in the attachment). Transient-local publishers get rmw_zenoh's
//! AdvancedPublisher, whose cache serves their history to remote late joiners.

use crate::announce::Announcer;
use crate::config::RateLimiter;
use crate::local::{LocalEndpoint, LocalGraph};
use crate::mapping::qos::{BEST_EFFORT, KEEP_ALL, TRANSIENT_LOCAL};
use crate::mapping::{data_key, Attachment};
use crate::payload::{Codec, Codecs};
use crate::remote::RemoteGraph;
use bytes::Bytes;
use hazcat_core::Received;
use hazcat_core::{EntryKind, Listener, Participant, Subscriber, SubscriberOptions, TypeInfo};
use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Duration;
use zenoh::bytes::ZBytes;
use zenoh::pubsub::Publisher;
use zenoh::qos::{CongestionControl, Reliability};
use zenoh::sample::Locality;
use zenoh::{Session, Wait};
use zenoh_ext::{AdvancedPublisher, AdvancedPublisherBuilderExt, CacheConfig, MissDetectionConfig};

/// Period of the sporadic heartbeat of reliable transient-local publishers (as rmw_zenoh: the
/// last sequence number, sent only when it changed, so subscribers recover a lost last sample).
const HEARTBEAT: Duration = Duration::from_secs(1);

/// A local publisher's Zenoh publisher: plain for volatile publishers; for transient-local ones
/// an AdvancedPublisher as rmw_zenoh declares it (a cache of `depth` samples that late-joining
/// remote subscriptions query, publisher detection, heartbeats when reliable).
enum Sink {
    Plain(Publisher<'static>),
    Advanced(AdvancedPublisher<'static>),
}

impl Sink {
    fn put(&self, payload: ZBytes, attachment: Vec<u8>) -> zenoh::Result<()> {
        match self {
            Sink::Plain(p) => p.put(payload).attachment(attachment).wait(),
            Sink::Advanced(p) => p.put(payload).attachment(attachment).wait(),
        }
    }

    fn key_expr(&self) -> String {
        match self {
            Sink::Plain(p) => p.key_expr().to_string(),
            Sink::Advanced(p) => p.key_expr().to_string(),
        }
    }
}

/// (topic, `pkg/msg/Type`).
type TopicId = (String, String);

/// A taken host-memory sample as the bytes of a Zenoh payload (it stays valid while held).
struct SampleBytes(Received);

impl AsRef<[u8]> for SampleBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.bytes().unwrap_or_default()
    }
}

/// One local publisher's way out.
struct Out {
    publisher: Sink,
    gid: [u8; 16],
    sequence: i64,
}

struct Forward {
    subscriber: Subscriber,
    /// Reads the local publishers' history.
    transient_local: bool,
    codec: Codec,
    outs: HashMap<[u8; 24], Out>,
    stats: ForwardStats,
}

/// Counters of what was carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct ForwardStats {
    /// Samples put on Zenoh.
    pub sent: u64,
    /// Samples dropped (unknown publisher, conversion or put failure).
    pub dropped: u64,
    /// Payload bytes put on Zenoh.
    pub bytes: u64,
    /// Samples dropped by a rate limit (not in `dropped`).
    pub rate_limited: u64,
}

impl ForwardStats {
    /// Adds what `total` counted since it was `before`.
    fn add_since(&mut self, before: &ForwardStats, total: &ForwardStats) {
        self.sent += total.sent - before.sent;
        self.dropped += total.dropped - before.dropped;
        self.bytes += total.bytes - before.bytes;
        self.rate_limited += total.rate_limited - before.rate_limited;
    }
}

/// Every active forwarder.
pub struct Forwards {
    session: Session,
    participant: Participant,
    domain: u32,
    topics: HashMap<TopicId, Forward>,
    codecs: Codecs,
    /// What was carried so far.
    pub stats: ForwardStats,
    /// Outbound rate limits (none by default).
    pub limiter: RateLimiter,
}

impl Forwards {
    /// None yet.
    pub fn new(session: &Session, participant: &Participant, domain: u32) -> Forwards {
        Forwards {
            session: session.clone(),
            participant: participant.clone(),
            domain,
            topics: HashMap::new(),
            codecs: Codecs::default(),
            stats: ForwardStats::default(),
            limiter: RateLimiter::default(),
        }
    }

    /// Starts forwarding the local topics with a remote subscription and stops the others;
    /// keeps one Zenoh publisher per local publisher of each.
    pub fn sync(
        &mut self,
        local: &LocalGraph,
        remote: &RemoteGraph,
        announcer: &Announcer,
        listener: &Listener,
    ) {
        let mut wanted: HashMap<TopicId, Vec<&LocalEndpoint>> = HashMap::new();
        for e in local
            .endpoints
            .iter()
            .filter(|e| e.kind == EntryKind::Publisher)
        {
            if remote.has(EntryKind::Subscription, &e.topic, &e.ros_type) {
                wanted
                    .entry((e.topic.clone(), e.ros_type.clone()))
                    .or_default()
                    .push(e);
            }
        }
        // A topic read volatile is reopened when a transient-local publisher joins it, so that
        // its history reaches Zenoh.
        self.topics.retain(|id, f| {
            wanted.get(id).is_some_and(|pubs| {
                f.transient_local || !pubs.iter().any(|p| p.qos.durability == TRANSIENT_LOCAL)
            })
        });
        for (id, pubs) in wanted {
            if !self.topics.contains_key(&id) {
                let Some(f) = self.open(&id, &pubs, listener) else {
                    continue;
                };
                log::info!("forwarding {} ({}) to Zenoh", id.0, id.1);
                self.topics.insert(id.clone(), f);
            }
            let f = self.topics.get_mut(&id).expect("inserted above");
            f.outs.retain(|gid, _| {
                pubs.iter().any(|p| &p.gid == gid) && announcer.endpoint(gid).is_some()
            });
            for p in pubs {
                if f.outs.contains_key(&p.gid) {
                    continue;
                }
                let Some(a) = announcer.endpoint(&p.gid) else {
                    continue; // announced on a later pass
                };
                let Some(t) = &a.token.topic else { continue };
                let key = data_key(self.domain, &t.name, &t.dds_type, &t.type_hash);
                let reliable = p.qos.reliability != BEST_EFFORT;
                let builder = self
                    .session
                    .declare_publisher(key.clone())
                    // As rmw_zenoh: BLOCK only for RELIABLE + KEEP_ALL (which must lose nothing,
                    // and may then hold the bridge's loop), DROP otherwise (best-effort and
                    // keep-last publishers never block it).
                    .congestion_control(if reliable && p.qos.history == KEEP_ALL {
                        CongestionControl::Block
                    } else {
                        CongestionControl::Drop
                    })
                    .reliability(if reliable {
                        Reliability::Reliable
                    } else {
                        Reliability::BestEffort
                    })
                    .allowed_destination(Locality::Remote);
                let declared = if p.qos.durability == TRANSIENT_LOCAL {
                    let mut adv = builder
                        .cache(CacheConfig::default().max_samples(p.qos.depth.max(1) as usize))
                        .publisher_detection();
                    if reliable {
                        adv = adv.sample_miss_detection(
                            MissDetectionConfig::default().sporadic_heartbeat(HEARTBEAT),
                        );
                    }
                    adv.wait().map(Sink::Advanced)
                } else {
                    builder.wait().map(Sink::Plain)
                };
                match declared {
                    Ok(publisher) => {
                        f.outs.insert(
                            p.gid,
                            Out {
                                publisher,
                                gid: a.gid,
                                sequence: 0,
                            },
                        );
                    }
                    Err(e) => log::warn!("cannot declare a Zenoh publisher on {key}: {e}"),
                }
            }
        }
    }

    fn open(
        &mut self,
        id: &TopicId,
        pubs: &[&LocalEndpoint],
        listener: &Listener,
    ) -> Option<Forward> {
        let codec = self.codecs.get(&id.1)?;
        let depth = pubs
            .iter()
            .map(|p| p.qos.depth)
            .max()
            .unwrap_or(10)
            .clamp(10, hazcat_core::topic::RING_CAP as u64) as u32;
        let type_info = TypeInfo {
            name: id.1.clone(),
            hash: pubs.first().map(|p| p.type_hash).unwrap_or([0; 32]),
        };
        // Transient-local when a publisher is: its history (kept in shared memory) then reaches
        // the Zenoh cache that late-joining remote subscriptions query.
        let transient_local = pubs.iter().any(|p| p.qos.durability == TRANSIENT_LOCAL);
        let opts = SubscriberOptions {
            depth,
            transient_local,
            ignore_local: true,
            ..SubscriberOptions::default()
        };
        match self.participant.subscriber(&id.0, &type_info, opts) {
            Ok(subscriber) => {
                subscriber.attach(listener);
                Some(Forward {
                    subscriber,
                    transient_local,
                    codec,
                    outs: HashMap::new(),
                    stats: ForwardStats::default(),
                })
            }
            Err(e) => {
                log::error!("cannot subscribe to {} locally: {e}", id.0);
                None
            }
        }
    }

    /// Puts everything the forwarders' subscribers hold on Zenoh.
    pub fn drain(&mut self) {
        let now = std::time::Instant::now();
        for (id, f) in &mut self.topics {
            let before = self.stats;
            loop {
                let msg = match f.subscriber.take() {
                    Ok(Some(m)) => m,
                    Ok(None) => break,
                    Err(e) => {
                        log::warn!("take on {}: {e}", id.0);
                        break;
                    }
                };
                let info = *msg.info();
                let Some(out) = f.outs.get_mut(&info.publisher_gid) else {
                    self.stats.dropped += 1;
                    continue;
                };
                let Some(bytes) = msg.bytes() else {
                    self.stats.dropped += 1;
                    continue;
                };
                if !self.limiter.admit(&id.0, now) {
                    self.stats.rate_limited += 1;
                    continue;
                }
                let converted = match f.codec.to_wire(bytes) {
                    Ok(Cow::Borrowed(_)) => None,
                    Ok(Cow::Owned(v)) => Some(v),
                    Err(e) => {
                        log::warn!("{}: {e}", id.0);
                        self.stats.dropped += 1;
                        continue;
                    }
                };
                // CDR passes through without a copy here: Zenoh reads the shared-memory sample
                // itself (it copies it into its batches during the put, then lets it go). An
                // AdvancedPublisher keeps its last `depth` samples in its cache, so it gets a copy:
                // held samples would pin hazcat loan slots (at most MAX_LOANS per subscriber).
                let wire = match (converted, &out.publisher) {
                    (Some(v), _) => ZBytes::from(v),
                    (None, Sink::Advanced(_)) => ZBytes::from(bytes.to_vec()),
                    (None, Sink::Plain(_)) => ZBytes::from(Bytes::from_owner(SampleBytes(msg))),
                };
                out.sequence += 1;
                let attachment = Attachment {
                    sequence: out.sequence,
                    source_timestamp: info.source_timestamp as i64,
                    gid: out.gid,
                };
                let len = wire.len() as u64;
                match out.publisher.put(wire, attachment.encode().to_vec()) {
                    Ok(()) => {
                        self.stats.sent += 1;
                        self.stats.bytes += len;
                    }
                    Err(e) => {
                        log::warn!("put on {}: {e}", out.publisher.key_expr());
                        self.stats.dropped += 1;
                    }
                }
            }
            f.stats.add_since(&before, &self.stats);
        }
    }

    /// Per forwarded topic: (topic, `pkg/msg/Type`, what was carried since it started).
    pub fn topics(&self) -> impl Iterator<Item = (&str, &str, &ForwardStats)> {
        self.topics
            .iter()
            .map(|(id, f)| (id.0.as_str(), id.1.as_str(), &f.stats))
    }
}
