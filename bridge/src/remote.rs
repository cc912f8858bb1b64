//! The remote graph: rmw_zenoh liveliness tokens of other hosts, mirrored into the local hazcat
//! graph as proxy nodes and endpoints (publishers, subscriptions, services and clients) (so local graph queries show the remote nodes and topics
//! with their QoS) and removed when their tokens go away.

use crate::mapping::{dds_to_ros_type, from_rihs01, hazcat_gid, EntityKind, Qos, Token};
use hazcat_core::graph::{EndpointEntry, NodeEntry};
use hazcat_core::{EndpointDesc, EntryKind, Participant};
use std::collections::{HashMap, HashSet};

/// A remote node: (zid, nid).
type NodeId = (String, String);

struct RemoteNode {
    entry: NodeEntry,
    /// Tokens (the node's own and its endpoints') that keep it in the graph.
    refs: usize,
}

/// A remote publisher or subscription.
#[derive(Debug, Clone)]
pub struct RemoteEndpoint {
    /// Its token.
    pub token: Token,
    /// Publisher or subscription.
    pub kind: EntryKind,
    /// Topic name.
    pub topic: String,
    /// `pkg/msg/Type`.
    pub ros_type: String,
    /// RIHS01 hash value.
    pub type_hash: [u8; 32],
    /// QoS.
    pub qos: Qos,
    /// rmw_zenoh gid (XXH3 of the token key).
    pub gid: [u8; 16],
}

struct Mirrored {
    endpoint: RemoteEndpoint,
    node: NodeId,
    _entry: EndpointEntry,
}

/// Remote entities and their proxies in the local graph.
pub struct RemoteGraph {
    participant: Participant,
    domain: u32,
    own_zid: String,
    nodes: HashMap<NodeId, RemoteNode>,
    node_tokens: HashMap<String, NodeId>,
    endpoints: HashMap<String, Mirrored>,
    /// Gids of the remote clients among `endpoints`.
    clients: HashSet<[u8; 16]>,
}

impl RemoteGraph {
    /// Empty; tokens of `own_zid` (the bridge's own session) are always ignored.
    pub fn new(participant: &Participant, domain: u32, own_zid: &str) -> RemoteGraph {
        RemoteGraph {
            participant: participant.clone(),
            domain,
            own_zid: own_zid.to_owned(),
            nodes: HashMap::new(),
            node_tokens: HashMap::new(),
            endpoints: HashMap::new(),
            clients: HashSet::new(),
        }
    }

    /// Registry rows of the proxy nodes (the bridge's own: never announced back).
    pub fn proxy_node_rows(&self) -> HashSet<u32> {
        self.nodes.values().map(|n| n.entry.row()).collect()
    }

    /// Remote nodes known (by their own tokens or their endpoints'): (zid, fully-qualified
    /// name), sorted.
    pub fn node_names(&self) -> Vec<(String, String)> {
        let tokens = self.node_tokens.keys().filter_map(|k| Token::parse(k).ok());
        let mut out: Vec<(String, String)> = tokens
            .chain(self.endpoints.values().map(|m| m.endpoint.token.clone()))
            .map(|t| {
                let sep = if t.namespace.ends_with('/') { "" } else { "/" };
                (t.zid, format!("{}{sep}{}", t.namespace, t.node))
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Remote endpoints of `kind`.
    pub fn endpoints(&self, kind: EntryKind) -> impl Iterator<Item = &RemoteEndpoint> {
        self.endpoints
            .values()
            .map(|m| &m.endpoint)
            .filter(move |e| e.kind == kind)
    }

    /// The client ids (rmw_zenoh gids) of the remote clients in the graph (kept up to date, not
    /// computed: every incoming service call looks its caller up here).
    pub fn client_ids(&self) -> &HashSet<[u8; 16]> {
        &self.clients
    }

    /// Whether a remote endpoint of `kind` exists on `topic` with type `ros_type`.
    pub fn has(&self, kind: EntryKind, topic: &str, ros_type: &str) -> bool {
        self.endpoints(kind)
            .any(|e| e.topic == topic && e.ros_type == ros_type)
    }

    /// The proxy node of `token`'s node, created on first use. `None` if it cannot be
    /// registered (logged).
    fn node_ref(&mut self, token: &Token) -> Option<NodeId> {
        let id = (token.zid.clone(), token.nid.clone());
        if let Some(n) = self.nodes.get_mut(&id) {
            n.refs += 1;
            return Some(id);
        }
        match self
            .participant
            .add_node(&token.node, &token.namespace, &token.enclave)
        {
            Ok(entry) => {
                log::info!(
                    "remote node {}{}{} (zid {})",
                    token.namespace,
                    if token.namespace.ends_with('/') {
                        ""
                    } else {
                        "/"
                    },
                    token.node,
                    token.zid
                );
                self.nodes.insert(id.clone(), RemoteNode { entry, refs: 1 });
                Some(id)
            }
            Err(e) => {
                log::warn!("cannot register remote node '{}': {e}", token.node);
                None
            }
        }
    }

    fn node_unref(&mut self, id: &NodeId) {
        if let Some(n) = self.nodes.get_mut(id) {
            n.refs -= 1;
            if n.refs == 0 {
                self.nodes.remove(id);
            }
        }
    }

    /// A token appeared. Returns whether the graph changed.
    pub fn token_put(&mut self, key: &str) -> bool {
        let token = match Token::parse(key) {
            Ok(t) => t,
            Err(e) => {
                log::debug!("ignoring liveliness token: {e}");
                return false;
            }
        };
        if token.domain != self.domain
            || token.zid == self.own_zid
            || self.node_tokens.contains_key(key)
            || self.endpoints.contains_key(key)
        {
            return false;
        }
        match token.kind {
            EntityKind::Node => {
                let Some(id) = self.node_ref(&token) else {
                    return false;
                };
                self.node_tokens.insert(key.to_owned(), id);
                true
            }
            _ => self.add_endpoint(key, token),
        }
    }

    fn add_endpoint(&mut self, key: &str, token: Token) -> bool {
        let Some(t) = &token.topic else {
            return false;
        };
        let (ros_type, type_hash) = match (dds_to_ros_type(&t.dds_type), from_rihs01(&t.type_hash))
        {
            (Ok(r), Ok(h)) => (r, h),
            (Err(e), _) => {
                log::debug!("ignoring token {key}: {e}");
                return false;
            }
            (_, Err(e)) => {
                log::debug!("ignoring token {key}: {e}");
                return false;
            }
        };
        let kind = match token.kind {
            EntityKind::Publisher => EntryKind::Publisher,
            EntityKind::Subscription => EntryKind::Subscription,
            EntityKind::Service => EntryKind::Service,
            EntityKind::Client => EntryKind::Client,
            EntityKind::Node => return false,
        };
        let endpoint = RemoteEndpoint {
            kind,
            topic: t.name.clone(),
            ros_type,
            type_hash,
            qos: t.qos,
            gid: token.gid(),
            token: token.clone(),
        };
        let Some(node) = self.node_ref(&token) else {
            return false;
        };
        let desc = EndpointDesc {
            kind,
            topic: &endpoint.topic,
            type_name: &endpoint.ros_type,
            gid: hazcat_gid(&endpoint.gid),
            type_hash,
            qos: endpoint.qos.to_graph_words(),
        };
        let entry = match self
            .participant
            .add_endpoint(&self.nodes[&node].entry, &desc)
        {
            Ok(entry) => entry,
            Err(e) => {
                log::warn!("cannot register remote endpoint {key}: {e}");
                self.node_unref(&node);
                return false;
            }
        };
        log::info!("remote {key}");
        if kind == EntryKind::Client {
            self.clients.insert(endpoint.gid);
        }
        self.endpoints.insert(
            key.to_owned(),
            Mirrored {
                endpoint,
                node,
                _entry: entry,
            },
        );
        true
    }

    /// A token went away. Returns whether the graph changed.
    pub fn token_delete(&mut self, key: &str) -> bool {
        if let Some(id) = self.node_tokens.remove(key) {
            self.node_unref(&id);
            return true;
        }
        if let Some(m) = self.endpoints.remove(key) {
            log::info!("remote gone: {key}");
            if m.endpoint.kind == EntryKind::Client {
                self.clients.remove(&m.endpoint.gid);
            }
            drop(m._entry);
            self.node_unref(&m.node);
            return true;
        }
        false
    }
}
