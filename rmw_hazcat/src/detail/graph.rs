//! Graph queries over hazcat's per-domain registry: domain-wide, every process, including this
//! one. Service endpoints are registered by services/clients as `EntryKind::Service` /
//! `EntryKind::Client` and answered by the same code.

use std::collections::{BTreeMap, BTreeSet};

use hazcat_core::{EntryKind, GraphEndpoint, GraphNode, GraphSnapshot};

use crate::detail::context::ContextShared;
use crate::detail::names;
use crate::ret::{RmwError, RmwResult};

/// A node as listed by `rmw_get_node_names*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeName {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
    /// Enclave.
    pub enclave: String,
}

/// All nodes of the domain.
pub fn node_names(ctx: &ContextShared) -> Vec<NodeName> {
    ctx.participant
        .graph()
        .nodes
        .into_iter()
        .map(|n| NodeName {
            name: n.name,
            namespace: n.namespace,
            enclave: if n.enclave.is_empty() {
                "/".into()
            } else {
                n.enclave
            },
        })
        .collect()
}

/// Validates the `(node_name, node_namespace)` of a `*_by_node` query.
pub fn validate_node(name: &str, namespace: &str) -> RmwResult<()> {
    names::validate_node_name(name).map_err(RmwError::invalid)?;
    names::validate_namespace(namespace).map_err(RmwError::invalid)
}

fn node_rows(snap: &GraphSnapshot, name: &str, namespace: &str) -> Vec<u32> {
    snap.nodes
        .iter()
        .filter(|n: &&GraphNode| n.name == name && n.namespace == namespace)
        .map(|n| n.row)
        .collect()
}

/// Topic (or service) name → type names, for endpoints of `kinds`, optionally only those of
/// one node. `Err(NODE_NAME_NON_EXISTENT)` when the node is not in the graph.
pub fn names_and_types(
    ctx: &ContextShared,
    kinds: &[EntryKind],
    node: Option<(&str, &str)>,
) -> RmwResult<BTreeMap<String, BTreeSet<String>>> {
    let snap = ctx.participant.graph();
    let rows = match node {
        Some((n, ns)) => {
            let rows = node_rows(&snap, n, ns);
            if rows.is_empty() {
                return Err(RmwError::node_name_non_existent(format!(
                    "node '{}' does not exist",
                    join_name(ns, n)
                )));
            }
            Some(rows)
        }
        None => None,
    };
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in snap.endpoints.iter().filter(|e| kinds.contains(&e.kind)) {
        if rows.as_ref().is_some_and(|r| !r.contains(&e.node_row)) {
            continue;
        }
        out.entry(e.topic.clone())
            .or_default()
            .insert(e.type_name.clone());
    }
    Ok(out)
}

fn join_name(ns: &str, name: &str) -> String {
    if ns.ends_with('/') {
        format!("{ns}{name}")
    } else {
        format!("{ns}/{name}")
    }
}

/// Number of endpoints of `kind` on `topic` in the domain.
pub fn count(ctx: &ContextShared, kind: EntryKind, topic: &str) -> usize {
    ctx.participant
        .graph()
        .endpoints
        .iter()
        .filter(|e| e.kind == kind && e.topic == topic)
        .count()
}

/// An endpoint with its node's name and namespace (for `*_info_by_topic`).
#[derive(Debug, Clone)]
pub struct EndpointInfo {
    /// Node name (empty if the node vanished meanwhile).
    pub node_name: String,
    /// Node namespace.
    pub node_namespace: String,
    /// The endpoint.
    pub endpoint: GraphEndpoint,
}

/// Endpoints of `kind` on `topic`, with their nodes.
pub fn endpoints_info(ctx: &ContextShared, kind: EntryKind, topic: &str) -> Vec<EndpointInfo> {
    let snap = ctx.participant.graph();
    snap.endpoints
        .iter()
        .filter(|e| e.kind == kind && e.topic == topic)
        .map(|e| {
            let node = snap.nodes.iter().find(|n| n.row == e.node_row);
            EndpointInfo {
                node_name: node.map(|n| n.name.clone()).unwrap_or_default(),
                node_namespace: node.map(|n| n.namespace.clone()).unwrap_or_default(),
                endpoint: e.clone(),
            }
        })
        .collect()
}
