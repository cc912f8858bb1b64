//! Read-only inspection of a user's hazcat objects, for tools such as the `hazcat` command.
//!
//! Inspection maps **existing** objects and only reads them: it never creates an object, joins a
//! domain, takes a lock or writes a word, so it cannot disturb running processes. Rows are read
//! without the lock, so a report is a best-effort snapshot of values that may be changing; every
//! offset and count read from shared memory is bounds-checked like everywhere else.
//!
//! ```no_run
//! for dom in hazcat_core::inspect::domains() {
//!     let report = hazcat_core::inspect::domain(dom);
//!     println!("domain {dom}: {} topics", report.topics.len());
//! }
//! ```

use std::sync::atomic::Ordering;

use crate::domain::Domain;
use crate::graph::EntryKind;
use crate::naming;
use crate::os::process;
use crate::os::shm_file;
use crate::registry::{RegistryView, MAX_PARTICIPANTS};
use crate::segment::{Segment, SegmentError, SegmentKind};
use crate::topic::layout::{EP_PUB, FLAG_RELIABLE, FLAG_TRANSIENT_LOCAL, POOL_ACTIVE};
use crate::topic::{DomainStats, TopicView};

/// ROS domain ids that have objects of this user in the shared-memory directory, sorted.
pub fn domains() -> Vec<u32> {
    let user = naming::user_prefix();
    let mut v: Vec<u32> = shm_file::list(&user)
        .iter()
        .filter_map(|n| n[user.len()..].split('_').next()?.parse().ok())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// A process taking part in a domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// Registry row.
    pub row: u32,
    /// Process id.
    pub pid: u32,
    /// Whether the process (same pid and start time) still runs.
    pub alive: bool,
}

/// A node registered in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// Registry row (what graph entries refer to).
    pub row: u32,
    /// Fully-qualified name (`namespace/name`).
    pub fqn: String,
    /// Process that registered it (0 if its participant row is gone).
    pub pid: u32,
    /// Whether that process still runs.
    pub alive: bool,
}

/// A publisher, subscription, service or client registered in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEntryInfo {
    /// Kind.
    pub kind: EntryKind,
    /// Owning node's registry row.
    pub node_row: u32,
    /// Topic or service name.
    pub topic: String,
    /// Type name.
    pub type_name: String,
    /// Globally unique id.
    pub gid: [u8; 24],
}

/// Role of a topic endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndpointRole {
    /// Publisher.
    Publisher,
    /// Subscriber.
    Subscriber,
}

/// One endpoint row of a topic queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointInfo {
    /// Row in the topic's endpoint table.
    pub row: u32,
    /// Publisher or subscriber.
    pub role: EndpointRole,
    /// Owning process.
    pub pid: u32,
    /// Whether the owning process still runs.
    pub alive: bool,
    /// Memory domain (`None`: unreadable value).
    pub domain: Option<Domain>,
    /// Queue depth (subscribers) or history depth (publishers).
    pub depth: u32,
    /// Messages waiting in the queue.
    pub queued: u64,
    /// Messages pushed into the queue so far.
    pub delivered: u64,
    /// Messages dropped from the queue by keep-last overflow.
    pub lost: u64,
    /// Transient-local durability.
    pub transient_local: bool,
    /// Reliable (offered by a publisher, required by a subscriber).
    pub reliable: bool,
    /// Deadline and liveliness offered (publisher) or requested (subscriber).
    pub timed: crate::topic::TimedQos,
    /// Publisher: source timestamp of its last message (ns since the epoch, 0: none).
    pub last_publish_ns: u64,
    /// Globally unique id (matches the graph entry of the same endpoint).
    pub gid: [u8; 24],
}

/// A memory pool registered on a topic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolInfo {
    /// Index in the topic's pool table.
    pub index: u32,
    /// Memory domain of the pool.
    pub domain: Option<Domain>,
    /// Size in bytes.
    pub size: u64,
    /// Endpoint row that created it; `None` once that endpoint is gone (orphaned pool, freed
    /// when nothing references it any more).
    pub owner_row: Option<u32>,
    /// Name of the shared-memory object.
    pub object: String,
}

/// The state of one topic queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    /// Name of the shared-memory object.
    pub object: String,
    /// Topic name.
    pub name: String,
    /// Type name.
    pub type_name: String,
    /// Type hash stored in the queue (zero: unknown).
    pub type_hash: [u8; 32],
    /// Marked closed by its last endpoint (about to disappear).
    pub closed: bool,
    /// Messages published.
    pub published: u64,
    /// Messages dropped from subscriber queues.
    pub lost: u64,
    /// Messages currently alive (queued, in history or loaned).
    pub live_samples: u32,
    /// Copies per memory domain.
    pub domains: Vec<DomainStats>,
    /// Endpoint rows in use (live or left by dead processes).
    pub endpoints: Vec<EndpointInfo>,
    /// Pools in use.
    pub pools: Vec<PoolInfo>,
}

/// Whether subscribers read messages where publishers wrote them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZeroCopy {
    /// Every live subscriber shares the memory domain of every live publisher.
    Yes,
    /// Some subscribers need a copy into their domain (made once per domain and message).
    Partial,
    /// Every subscriber needs a copy.
    No,
    /// No live publisher or no live subscriber.
    Idle,
}

impl ZeroCopy {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ZeroCopy::Yes => "yes",
            ZeroCopy::Partial => "partial",
            ZeroCopy::No => "no",
            ZeroCopy::Idle => "idle",
        }
    }
}

impl TopicInfo {
    fn live(&self, role: EndpointRole) -> impl Iterator<Item = &EndpointInfo> {
        self.endpoints
            .iter()
            .filter(move |e| e.alive && e.role == role)
    }

    /// Whether subscriber `e` reads every live publisher's messages without a copy.
    pub fn endpoint_zero_copy(&self, e: &EndpointInfo) -> bool {
        e.role == EndpointRole::Publisher
            || self
                .live(EndpointRole::Publisher)
                .all(|p| p.domain == e.domain)
    }

    /// Whether the transport is zero-copy between the live endpoints.
    pub fn zero_copy(&self) -> ZeroCopy {
        if self.live(EndpointRole::Publisher).next().is_none() {
            return ZeroCopy::Idle;
        }
        let (mut yes, mut no) = (0, 0);
        for s in self.live(EndpointRole::Subscriber) {
            if self.endpoint_zero_copy(s) {
                yes += 1;
            } else {
                no += 1;
            }
        }
        match (yes, no) {
            (0, 0) => ZeroCopy::Idle,
            (_, 0) => ZeroCopy::Yes,
            (0, _) => ZeroCopy::No,
            _ => ZeroCopy::Partial,
        }
    }

    /// What the queue carries when it is one of hazcat's internal queues (service requests and
    /// responses); `None` for a ROS topic.
    pub fn internal(&self) -> Option<naming::InternalQueue<'_>> {
        naming::internal_queue(&self.name)
    }

    /// Endpoint rows whose process is gone (what `clean` reclaims).
    pub fn dead_endpoints(&self) -> usize {
        self.endpoints.iter().filter(|e| !e.alive).count()
    }
}

/// A memory pool object and its usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArenaInfo {
    /// Name of the shared-memory object.
    pub object: String,
    /// Usable bytes (`None`: the object could not be read).
    pub capacity: Option<u64>,
    /// Blocks currently allocated.
    pub live_blocks: u64,
    /// Whether some topic's pool table refers to it.
    pub referenced: bool,
}

/// Everything found for one ROS domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DomainReport {
    /// ROS domain id.
    pub ros_domain: u32,
    /// Whether the registry object exists and could be read.
    pub registry: bool,
    /// Participants (processes) with a registry row.
    pub participants: Vec<ParticipantInfo>,
    /// Nodes in the graph.
    pub nodes: Vec<NodeInfo>,
    /// Graph entries (publishers, subscriptions, services, clients).
    pub graph: Vec<GraphEntryInfo>,
    /// Topic queues.
    pub topics: Vec<TopicInfo>,
    /// Memory pools.
    pub arenas: Vec<ArenaInfo>,
    /// Objects that could not be read, with the reason.
    pub errors: Vec<String>,
    /// Names of all objects of the domain, sorted.
    pub objects: Vec<String>,
}

impl DomainReport {
    /// Live participants.
    pub fn live_participants(&self) -> usize {
        self.participants.iter().filter(|p| p.alive).count()
    }

    /// The node that registered the endpoint with this gid, if the graph knows it.
    pub fn node_of(&self, gid: &[u8; 24]) -> Option<&NodeInfo> {
        let e = self
            .graph
            .iter()
            .find(|e| &e.gid == gid && gid.iter().any(|&b| b != 0))?;
        self.nodes.iter().find(|n| n.row == e.node_row)
    }
}

/// Inspects `ros_domain` (see the module docs: nothing is written).
pub fn domain(ros_domain: u32) -> DomainReport {
    let prefix = naming::prefix(ros_domain);
    let mut objects = shm_file::list(&prefix);
    objects.sort();
    let mut r = DomainReport {
        ros_domain,
        ..DomainReport::default()
    };
    let reg_name = naming::registry(ros_domain);
    if objects.contains(&reg_name) {
        match read_registry(&reg_name, &mut r) {
            Ok(()) => r.registry = true,
            Err(e) => r.errors.push(e.to_string()),
        }
    }
    let topic_prefix = format!("{prefix}topic_");
    for name in objects.iter().filter(|n| n.starts_with(&topic_prefix)) {
        match read_topic(name) {
            Ok(t) => r.topics.push(t),
            Err(e) if e.is_not_found() => {}
            Err(e) => r.errors.push(e.to_string()),
        }
    }
    r.topics.sort_by(|a, b| a.name.cmp(&b.name));
    let arena_prefix = format!("{prefix}arena_");
    for name in objects.iter().filter(|n| n.starts_with(&arena_prefix)) {
        let referenced = r
            .topics
            .iter()
            .any(|t| t.pools.iter().any(|p| &p.object == name));
        let id = u64::from_str_radix(&name[arena_prefix.len()..], 16).ok();
        let opened = id.map(|id| crate::alloc::Arena::open(ros_domain, id));
        let (capacity, live_blocks) = match opened {
            Some(Ok(a)) => {
                let s = a.stats();
                (Some(s.capacity), s.live_blocks)
            }
            Some(Err(e)) if e.is_not_found() => continue,
            Some(Err(e)) => {
                r.errors.push(e.to_string());
                (None, 0)
            }
            None => (None, 0),
        };
        r.arenas.push(ArenaInfo {
            object: name.clone(),
            capacity,
            live_blocks,
            referenced,
        });
    }
    r.objects = objects;
    r
}

fn read_registry(name: &str, r: &mut DomainReport) -> Result<(), SegmentError> {
    let seg = Segment::open(name, SegmentKind::Registry)?;
    let v = RegistryView::checked(&seg, r.ros_domain)?;
    let mut pids = [(0u32, false); MAX_PARTICIPANTS];
    for (row, p) in v.live_participants() {
        let process = p.process();
        let ok = process.is_alive();
        pids[row] = (process.pid, ok);
        r.participants.push(ParticipantInfo {
            row: row as u32,
            pid: process.pid,
            alive: ok,
        });
    }
    for (row, n) in v.live_nodes() {
        let (pid, ok) = pids
            .get(n.participant.load(Ordering::Relaxed) as usize)
            .copied()
            .unwrap_or((0, false));
        let ns = n.namespace.load();
        let name = n.name.load();
        let fqn = if ns.ends_with('/') {
            format!("{ns}{name}")
        } else {
            format!("{ns}/{name}")
        };
        r.nodes.push(NodeInfo {
            row: row as u32,
            fqn,
            pid,
            alive: ok,
        });
    }
    r.graph.extend(v.live_entries().map(|e| GraphEntryInfo {
        kind: e.kind,
        node_row: e.node_row,
        topic: e.topic,
        type_name: e.type_name,
        gid: e.gid,
    }));
    Ok(())
}

fn read_topic(name: &str) -> Result<TopicInfo, SegmentError> {
    let seg = Segment::open(name, SegmentKind::Topic)?;
    let v = TopicView::checked(&seg)?;
    let h = v.header();
    let endpoints = v
        .endpoints()
        .map(|(row, e, state)| {
            let (head, tail) = (
                e.head.load(Ordering::Relaxed),
                e.tail.load(Ordering::Relaxed),
            );
            let flags = e.flags.load(Ordering::Relaxed);
            let process = e.process();
            EndpointInfo {
                row: row as u32,
                role: if state == EP_PUB {
                    EndpointRole::Publisher
                } else {
                    EndpointRole::Subscriber
                },
                pid: process.pid,
                alive: process.is_alive(),
                domain: Domain::unpack(e.domain.load(Ordering::Relaxed)),
                depth: e.depth.load(Ordering::Relaxed),
                queued: tail.saturating_sub(head),
                delivered: tail,
                lost: e.lost.load(Ordering::Relaxed),
                transient_local: flags & FLAG_TRANSIENT_LOCAL != 0,
                reliable: flags & FLAG_RELIABLE != 0,
                timed: e.timed_qos(),
                last_publish_ns: e.last_publish.load(Ordering::Relaxed),
                gid: e.gid(),
            }
        })
        .collect();
    let ros_domain = name
        .strip_prefix(&naming::user_prefix())
        .and_then(|s| s.split('_').next()?.parse().ok())
        .unwrap_or(0);
    let pools = v
        .pools()
        .map(|(i, p, state)| PoolInfo {
            index: i as u32,
            domain: Domain::unpack(p.domain.load(Ordering::Relaxed)),
            size: p.size.load(Ordering::Relaxed),
            owner_row: (state == POOL_ACTIVE).then(|| p.owner_row.load(Ordering::Relaxed)),
            object: naming::arena(ros_domain, p.arena_id.load(Ordering::Relaxed)),
        })
        .collect();
    Ok(TopicInfo {
        object: name.to_owned(),
        name: h.topic_name.load(),
        type_name: h.type_name.load(),
        type_hash: v.type_hash(),
        closed: h.closed.load(Ordering::Relaxed) != 0,
        published: h.published.load(Ordering::Relaxed),
        lost: h.lost.load(Ordering::Relaxed),
        live_samples: v.live_samples(),
        domains: v.domain_stats(),
        endpoints,
        pools,
    })
}

/// The user id whose objects are inspected (part of every object name).
pub fn uid() -> u32 {
    process::uid()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Participant, Publisher, PublisherOptions, Subscriber, SubscriberOptions};

    #[test]
    fn reports_topics_endpoints_and_pools_without_writing() {
        let dom = 80_000 + std::process::id() % 10_000;
        assert_eq!(
            domain(dom),
            DomainReport {
                ros_domain: dom,
                ..Default::default()
            }
        );
        let p = Participant::join(dom).unwrap();
        let node = p.add_node("talker", "/demo", "/").unwrap();
        let t = p
            .topic("/chatter", &crate::TypeInfo::named("std_msgs/msg/String"))
            .unwrap();
        let sub = Subscriber::new(
            &t,
            SubscriberOptions {
                domain: Domain::emulated(1),
                ..Default::default()
            },
        )
        .unwrap();
        let publ = Publisher::new(&t, PublisherOptions::default()).unwrap();
        let gid = publ.gid();
        let _entry = p
            .add_endpoint(
                &node,
                &crate::EndpointDesc {
                    kind: EntryKind::Publisher,
                    topic: "/chatter",
                    type_name: "std_msgs/msg/String",
                    gid,
                    type_hash: [0; 32],
                    qos: [0; 8],
                },
            )
            .unwrap();
        publ.publish_bytes(b"hi").unwrap();
        let before = shm_file::list(&naming::prefix(dom));
        let r = domain(dom);
        assert_eq!(shm_file::list(&naming::prefix(dom)), before);
        assert!(domains().contains(&dom));
        assert!(r.registry, "{:?}", r.errors);
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert_eq!(r.live_participants(), 1);
        assert_eq!(r.nodes[0].fqn, "/demo/talker");
        assert_eq!(r.topics.len(), 1);
        let ti = &r.topics[0];
        assert_eq!(ti.name, "/chatter");
        assert_eq!(ti.type_name, "std_msgs/msg/String");
        assert_eq!(ti.published, 1);
        assert_eq!(ti.endpoints.len(), 2);
        assert!(ti
            .endpoints
            .iter()
            .all(|e| e.alive && e.pid == std::process::id()));
        let s = ti
            .endpoints
            .iter()
            .find(|e| e.role == EndpointRole::Subscriber)
            .unwrap();
        assert_eq!(s.queued, 1);
        assert_eq!(s.domain, Some(Domain::emulated(1)));
        assert_eq!(ti.zero_copy(), ZeroCopy::No);
        assert_eq!(
            r.node_of(&gid).map(|n| n.fqn.as_str()),
            Some("/demo/talker")
        );
        assert!(!ti.pools.is_empty());
        assert!(r
            .arenas
            .iter()
            .all(|a| a.referenced && a.capacity.is_some()));
        drop((sub, publ, t, _entry, node, p));
        assert!(shm_file::list(&naming::prefix(dom)).is_empty());
    }
}
