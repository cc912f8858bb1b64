//! Zenoh -> local: for each remote publisher of a topic that a local subscription wants, a proxy
//! hazcat publisher with the remote publisher's gid and QoS (reliability, depth) writes the
//! samples received on the topic's key expression into shared memory, stamped with the remote
//! source timestamp. One Zenoh subscriber per key expression, accepting only remote samples (so
//! the bridge never receives its own puts); for transient-local remote publishers it is an
//! AdvancedSubscriber that fetches their history, and the proxy publisher keeps it in shared
//! memory for local late joiners.

use crate::inbox::{Event, Inbox};
use crate::local::LocalGraph;
use crate::mapping::qos::{BEST_EFFORT, RELIABLE, TRANSIENT_LOCAL};
use crate::mapping::{data_key, hazcat_gid, Attachment, AttachmentError};
use crate::payload::{Codec, Codecs};
use crate::remote::{RemoteEndpoint, RemoteGraph};
use hazcat_core::{EntryKind, Participant, Publisher, PublisherOptions, TypeInfo};
use rmw_hazcat_rs::typesupport::{validate, MessageType};
use std::collections::HashMap;
use std::time::Duration;
use zenoh::bytes::ZBytes;
use zenoh::pubsub::Subscriber;
use zenoh::sample::{Locality, Sample};
use zenoh::{Session, Wait};
use zenoh_ext::{AdvancedSubscriber, AdvancedSubscriberBuilderExt, HistoryConfig, RecoveryConfig};

/// A topic's Zenoh subscriber: plain, or, when a remote publisher of it is transient-local, an
/// AdvancedSubscriber as rmw_zenoh declares one (it queries the history of late-joining
/// publishers and recovers lost samples through their heartbeats when reliable).
#[expect(
    dead_code,
    reason = "held for its lifetime: dropping it undeclares the subscriber"
)]
enum Source {
    Plain(Subscriber<()>),
    Advanced(AdvancedSubscriber<()>),
}

struct ProxyTopic {
    topic: String,
    ros_type: String,
    stats: ProxyStats,
    codec: Codec,
    /// Opened as an AdvancedSubscriber.
    durable: bool,
    _subscriber: Source,
    publishers: HashMap<[u8; 16], Publisher>,
}

/// Counters of what was carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct ProxyStats {
    /// Samples published into shared memory.
    pub delivered: u64,
    /// Samples dropped (no attachment, unknown publisher, conversion or publish failure).
    pub dropped: u64,
    /// Payload bytes received in delivered samples.
    pub bytes: u64,
}

/// Every active proxy, by data key expression.
pub struct Proxies {
    session: Session,
    participant: Participant,
    domain: u32,
    inbox: Inbox,
    topics: HashMap<String, ProxyTopic>,
    codecs: Codecs,
    /// What was carried so far.
    pub stats: ProxyStats,
}

fn key_of(domain: u32, e: &RemoteEndpoint) -> Option<String> {
    let t = e.token.topic.as_ref()?;
    Some(data_key(domain, &t.name, &t.dds_type, &t.type_hash))
}

impl Proxies {
    /// None yet; Zenoh subscribers post their samples to `inbox`.
    pub fn new(session: &Session, participant: &Participant, domain: u32, inbox: Inbox) -> Proxies {
        Proxies {
            session: session.clone(),
            participant: participant.clone(),
            domain,
            inbox,
            topics: HashMap::new(),
            codecs: Codecs::default(),
            stats: ProxyStats::default(),
        }
    }

    /// Creates a proxy publisher for every remote publisher whose topic has a local
    /// subscription, and removes the others.
    pub fn sync(&mut self, local: &LocalGraph, remote: &RemoteGraph) {
        let mut wanted: HashMap<String, Vec<&RemoteEndpoint>> = HashMap::new();
        for e in remote.endpoints(EntryKind::Publisher) {
            if local.has(EntryKind::Subscription, &e.topic, &e.ros_type) {
                if let Some(k) = key_of(self.domain, e) {
                    wanted.entry(k).or_default().push(e);
                }
            }
        }
        // A topic opened plain is reopened when a transient-local publisher joins it, so that its
        // history is fetched.
        self.topics.retain(|k, t| {
            wanted.get(k).is_some_and(|pubs| {
                t.durable || !pubs.iter().any(|p| p.qos.durability == TRANSIENT_LOCAL)
            })
        });
        for (key, pubs) in wanted {
            if !self.topics.contains_key(&key) {
                let Some(t) = self.open(&key, &pubs) else {
                    continue;
                };
                log::info!("receiving {} from Zenoh ({key})", t.topic);
                self.topics.insert(key.clone(), t);
            }
            let t = self.topics.get_mut(&key).expect("inserted above");
            t.publishers
                .retain(|gid, _| pubs.iter().any(|p| &p.gid == gid));
            for p in pubs {
                if t.publishers.contains_key(&p.gid) {
                    continue;
                }
                let opts = PublisherOptions {
                    depth: p.qos.depth.clamp(1, hazcat_core::topic::RING_CAP as u64) as u32,
                    // Keeps the remote history for local late joiners too.
                    transient_local: p.qos.durability == TRANSIENT_LOCAL,
                    reliable: p.qos.reliability != BEST_EFFORT,
                    gid: hazcat_gid(&p.gid),
                    ..PublisherOptions::default()
                };
                let type_info = TypeInfo {
                    name: p.ros_type.clone(),
                    hash: p.type_hash,
                };
                match self.participant.publisher(&p.topic, &type_info, opts) {
                    Ok(publ) => {
                        t.publishers.insert(p.gid, publ);
                    }
                    Err(e) => log::warn!("cannot create a proxy publisher on {}: {e}", p.topic),
                }
            }
        }
    }

    fn open(&mut self, key: &str, pubs: &[&RemoteEndpoint]) -> Option<ProxyTopic> {
        let first = pubs[0];
        let codec = self.codecs.get(&first.ros_type)?;
        let inbox = self.inbox.clone();
        let post = move |sample: Sample| {
            inbox.post(Event::Sample {
                key: sample.key_expr().clone(),
                // A reference, not a copy (`to_bytes` would also join fragments).
                payload: sample.payload().clone(),
                attachment: sample
                    .attachment()
                    .map(|a| Attachment::decode(&a.to_bytes())),
            })
        };
        let builder = self
            .session
            .declare_subscriber(key.to_owned())
            .allowed_origin(Locality::Remote)
            .callback(post);
        let durable: Vec<_> = pubs
            .iter()
            .filter(|p| p.qos.durability == TRANSIENT_LOCAL)
            .collect();
        let subscriber = if durable.is_empty() {
            builder.wait().map(Source::Plain)
        } else {
            let depth = durable
                .iter()
                .map(|p| p.qos.depth)
                .max()
                .unwrap_or(1)
                .max(1);
            let mut adv = builder
                .history(
                    HistoryConfig::default()
                        .detect_late_publishers()
                        .max_samples(depth as usize),
                )
                .subscriber_detection()
                // As rmw_zenoh: history queries never time out.
                .query_timeout(Duration::from_millis(u64::MAX));
            if durable.iter().any(|p| p.qos.reliability == RELIABLE) {
                adv = adv.recovery(RecoveryConfig::default().heartbeat());
            }
            adv.wait().map(Source::Advanced)
        };
        match subscriber {
            Ok(s) => Some(ProxyTopic {
                topic: first.topic.clone(),
                ros_type: first.ros_type.clone(),
                stats: ProxyStats::default(),
                codec,
                durable: !durable.is_empty(),
                _subscriber: s,
                publishers: HashMap::new(),
            }),
            Err(e) => {
                log::error!("cannot subscribe to {key} on Zenoh: {e}");
                None
            }
        }
    }

    /// Publishes a received sample through the proxy of its publisher.
    pub fn deliver(
        &mut self,
        key: &str,
        payload: &ZBytes,
        attachment: Option<Result<Attachment, AttachmentError>>,
    ) {
        let before = self.stats;
        self.deliver_one(key, payload, attachment);
        if let Some(t) = self.topics.get_mut(key) {
            t.stats.delivered += self.stats.delivered - before.delivered;
            t.stats.dropped += self.stats.dropped - before.dropped;
            t.stats.bytes += self.stats.bytes - before.bytes;
        }
    }

    /// Per topic received: (topic, `pkg/msg/Type`, what was carried since it started).
    pub fn topics(&self) -> impl Iterator<Item = (&str, &str, &ProxyStats)> {
        self.topics
            .values()
            .map(|t| (t.topic.as_str(), t.ros_type.as_str(), &t.stats))
    }

    fn deliver_one(
        &mut self,
        key: &str,
        payload: &ZBytes,
        attachment: Option<Result<Attachment, AttachmentError>>,
    ) {
        let Some(t) = self.topics.get(key) else {
            return; // no longer wanted
        };
        let a = match attachment {
            Some(Ok(a)) => a,
            Some(Err(e)) => {
                log::debug!("sample on {key}: {e}");
                self.stats.dropped += 1;
                return;
            }
            None => {
                log::debug!("sample on {key} without attachment");
                self.stats.dropped += 1;
                return;
            }
        };
        let Some(publ) = t.publishers.get(&a.gid) else {
            self.stats.dropped += 1;
            return;
        };
        let published = match &t.codec {
            // CDR passes through: its slices go straight into the loan (one copy, no joining),
            // where it is checked against the type before it is published.
            Codec::Cdr(ty) => publish_cdr(publ, ty, payload, a.source_timestamp),
            Codec::Plain(_) => t
                .codec
                .from_wire(&payload.to_bytes())
                .map_err(|e| e.to_string())
                .and_then(|bytes| publish_bytes(publ, &bytes, a.source_timestamp)),
        };
        match published {
            Ok(_) => {
                self.stats.delivered += 1;
                self.stats.bytes += payload.len() as u64;
            }
            Err(e) => {
                log::warn!("cannot publish sample on {} locally: {e}", t.topic);
                self.stats.dropped += 1;
            }
        }
    }
}

/// Publishes `bytes` through `publ`, stamped with the remote source timestamp.
fn publish_bytes(publ: &Publisher, bytes: &[u8], source_timestamp: i64) -> Result<(), String> {
    let mut loan = publ.loan(bytes.len()).map_err(|e| e.to_string())?;
    loan.write(bytes).map_err(|e| e.to_string())?;
    publ.publish_with_timestamp(loan, source_timestamp.max(0) as u64)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Publishes a CDR payload from another host: Zenoh's slices are copied one after the other
/// into the loan (joined first only when the loan is not host memory), and the loan is published
/// only if it holds a valid message of type `ty` (a dropped loan goes back to its pool).
fn publish_cdr(
    publ: &Publisher,
    ty: &MessageType,
    payload: &ZBytes,
    source_timestamp: i64,
) -> Result<(), String> {
    let mut loan = publ.loan(payload.len()).map_err(|e| e.to_string())?;
    match loan.as_mut_slice() {
        Some(dst) => {
            let mut at = 0;
            for slice in payload.slices() {
                dst[at..at + slice.len()].copy_from_slice(slice);
                at += slice.len();
            }
            validate(ty, dst).map_err(|e| format!("not a valid message: {e}"))?;
        }
        None => {
            let joined = payload.to_bytes();
            validate(ty, &joined).map_err(|e| format!("not a valid message: {e}"))?;
            loan.write(&joined).map_err(|e| e.to_string())?;
        }
    }
    publ.publish_with_timestamp(loan, source_timestamp.max(0) as u64)
        .map(drop)
        .map_err(|e| e.to_string())
}
