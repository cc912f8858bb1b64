//! What of the local hazcat graph the bridge carries: nodes, topic endpoints, services and
//! clients of every local participant except the bridge's own proxies, never internal (`@`)
//! queues.

use crate::mapping::Qos;
use hazcat_core::{EntryKind, GraphNode, GraphSnapshot};
use std::collections::HashSet;

/// A local node, identified by its registry row and names (a row is reused by later nodes).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalNode {
    /// Registry row.
    pub row: u32,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Enclave (empty = default).
    pub enclave: String,
}

/// A local publisher or subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalEndpoint {
    /// Publisher or subscription.
    pub kind: EntryKind,
    /// Registry row of its node.
    pub node_row: u32,
    /// Topic name.
    pub topic: String,
    /// `pkg/msg/Type`.
    pub ros_type: String,
    /// RIHS01 hash value.
    pub type_hash: [u8; 32],
    /// QoS.
    pub qos: Qos,
    /// hazcat gid (samples name their publisher by it).
    pub gid: [u8; 24],
}

/// The local graph minus what the bridge itself registered.
#[derive(Debug, Clone, Default)]
pub struct LocalGraph {
    /// Nodes.
    pub nodes: Vec<LocalNode>,
    /// Publishers and subscriptions.
    pub endpoints: Vec<LocalEndpoint>,
}

impl LocalGraph {
    /// Filters `snap`: drops nodes in `own_rows` (the bridge's proxy nodes) and their endpoints,
    /// and internal queues.
    pub fn from_snapshot(snap: &GraphSnapshot, own_rows: &HashSet<u32>) -> LocalGraph {
        let nodes = snap
            .nodes
            .iter()
            .filter(|n: &&GraphNode| !own_rows.contains(&n.row))
            .map(|n| LocalNode {
                row: n.row,
                name: n.name.clone(),
                namespace: n.namespace.clone(),
                enclave: n.enclave.clone(),
            })
            .collect();
        let endpoints = snap
            .endpoints
            .iter()
            .filter(|e| !own_rows.contains(&e.node_row) && !e.topic.starts_with('@'))
            .map(|e| LocalEndpoint {
                kind: e.kind,
                node_row: e.node_row,
                topic: e.topic.clone(),
                ros_type: e.type_name.clone(),
                type_hash: e.type_hash,
                qos: Qos::from_graph_words(&e.qos),
                gid: e.gid,
            })
            .collect();
        LocalGraph { nodes, endpoints }
    }

    /// Whether a local endpoint of `kind` exists on `topic` with type `ros_type`.
    pub fn has(&self, kind: EntryKind, topic: &str, ros_type: &str) -> bool {
        self.endpoints
            .iter()
            .any(|e| e.kind == kind && e.topic == topic && e.ros_type == ros_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hazcat_core::GraphEndpoint;

    fn ep(kind: EntryKind, node_row: u32, topic: &str) -> GraphEndpoint {
        GraphEndpoint {
            kind,
            node_row,
            topic: topic.into(),
            type_name: "std_msgs/msg/String".into(),
            gid: [node_row as u8; 24],
            type_hash: [7; 32],
            qos: Qos::default().to_graph_words(),
        }
    }

    #[test]
    fn proxies_and_internal_queues_are_left_out() {
        let node = |row: u32, name: &str| GraphNode {
            name: name.into(),
            namespace: "/".into(),
            enclave: String::new(),
            row,
        };
        let snap = GraphSnapshot {
            generation: 1,
            nodes: vec![node(0, "talker"), node(1, "remote_proxy")],
            endpoints: vec![
                ep(EntryKind::Publisher, 0, "/chatter"),
                ep(EntryKind::Subscription, 1, "/chatter"),
                ep(EntryKind::Service, 0, "/talker/get_parameters"),
                ep(EntryKind::Publisher, 0, "@rq:/x:pkg/srv/T"),
            ],
        };
        let g = LocalGraph::from_snapshot(&snap, &HashSet::from([1]));
        assert_eq!(g.nodes.len(), 1);
        assert_eq!(g.nodes[0].name, "talker");
        assert_eq!(g.endpoints.len(), 2);
        assert_eq!(g.endpoints[0].topic, "/chatter");
        assert_eq!(g.endpoints[1].kind, EntryKind::Service);
        assert!(g.has(EntryKind::Publisher, "/chatter", "std_msgs/msg/String"));
        assert!(!g.has(EntryKind::Subscription, "/chatter", "std_msgs/msg/String"));
    }
}
