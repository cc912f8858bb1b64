//! Local -> Zenoh: for each local topic that a remote subscription wants, one hazcat subscriber
//! (ignoring the bridge's own proxy publishers, so nothing received from Zenoh goes back out)
//! takes the samples from shared memory and puts them on the topic's key expression, once per
//! local publisher through that publisher's own Zenoh publisher (its reliability, its gid and
//! sequence numbers in the attachment).

use crate::announce::Announcer;
use crate::local::{LocalEndpoint, LocalGraph};
use crate::mapping::qos::BEST_EFFORT;
use crate::mapping::{data_key, Attachment};
use crate::payload::{Codec, Codecs};
use crate::remote::RemoteGraph;
use bytes::Bytes;
use hazcat_core::Received;
use hazcat_core::{EntryKind, Listener, Participant, Subscriber, SubscriberOptions, TypeInfo};
use std::borrow::Cow;
use std::collections::HashMap;
use zenoh::bytes::ZBytes;
use zenoh::pubsub::Publisher;
use zenoh::qos::{CongestionControl, Reliability};
use zenoh::sample::Locality;
use zenoh::{Session, Wait};

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
    publisher: Publisher<'static>,
    gid: [u8; 16],
    sequence: i64,
}

struct Forward {
    subscriber: Subscriber,
    codec: Codec,
    outs: HashMap<[u8; 24], Out>,
}

/// Counters of what was carried.
#[derive(Debug, Default, Clone, Copy)]
pub struct ForwardStats {
    /// Samples put on Zenoh.
    pub sent: u64,
    /// Samples dropped (unknown publisher, conversion or put failure).
    pub dropped: u64,
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
        self.topics.retain(|id, _| wanted.contains_key(id));
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
                let reliability = if p.qos.reliability == BEST_EFFORT {
                    Reliability::BestEffort
                } else {
                    Reliability::Reliable
                };
                match self
                    .session
                    .declare_publisher(key.clone())
                    .congestion_control(CongestionControl::Drop)
                    .reliability(reliability)
                    .allowed_destination(Locality::Remote)
                    .wait()
                {
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
        let opts = SubscriberOptions {
            depth,
            ignore_local: true,
            ..SubscriberOptions::default()
        };
        match self.participant.subscriber(&id.0, &type_info, opts) {
            Ok(subscriber) => {
                subscriber.attach(listener);
                Some(Forward {
                    subscriber,
                    codec,
                    outs: HashMap::new(),
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
        for (id, f) in &mut self.topics {
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
                // itself (it copies it into its batches during the put, then lets it go).
                let wire = match converted {
                    Some(v) => ZBytes::from(v),
                    None => ZBytes::from(Bytes::from_owner(SampleBytes(msg))),
                };
                out.sequence += 1;
                let attachment = Attachment {
                    sequence: out.sequence,
                    source_timestamp: info.source_timestamp as i64,
                    gid: out.gid,
                };
                match out
                    .publisher
                    .put(wire)
                    .attachment(attachment.encode().to_vec())
                    .wait()
                {
                    Ok(()) => self.stats.sent += 1,
                    Err(e) => {
                        log::warn!("put on {}: {e}", out.publisher.key_expr());
                        self.stats.dropped += 1;
                    }
                }
            }
        }
    }
}
