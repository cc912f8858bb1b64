//! The ROS graph of a domain: nodes and endpoints registered by every participant, readable as a
//! snapshot by anyone, with a generation counter and wake-ups on change (see
//! [`Listener::set_graph_interest`](crate::Listener::set_graph_interest)).

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use crate::membership::ParticipantInner;
use crate::participant::Participant;
// The entry types are defined with the registry layout that stores them (its reader builds
// them); they are part of the graph's API.
pub use crate::registry::{EntryKind, GraphEndpoint};
use crate::registry::{EntryRow, NodeRow, LIVE, MAX_ENTRIES, MAX_NODES};
use crate::shmstr::ShmStr;

/// Why a graph registration failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraphError {
    /// The node or entry table of the domain is full (which table, its size).
    Full(&'static str, usize),
    /// The registry could not grow (the shm directory is full; the message says how full).
    Memory(String),
    /// A string is longer than the registry can store.
    NameTooLong(String),
    /// The registry lock is held by a live participant for longer than the bounded wait.
    Busy(crate::sync::LockError),
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::Full(table, max) => write!(
                f,
                "the ROS domain's {table} table is full ({max} rows, the limit of this build)"
            ),
            GraphError::Memory(e) => write!(f, "graph registry: {e}"),
            GraphError::NameTooLong(s) => write!(f, "name too long for the graph registry: '{s}'"),
            GraphError::Busy(e) => write!(f, "graph registry: {e}"),
        }
    }
}

impl std::error::Error for GraphError {}

/// A node as seen in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    /// Node name.
    pub name: String,
    /// Node namespace.
    pub namespace: String,
    /// Security enclave.
    pub enclave: String,
    /// Registry row (stable while the node lives).
    pub row: u32,
}

/// Everything in the graph at one instant.
#[derive(Clone, Debug, Default)]
pub struct GraphSnapshot {
    /// Graph generation at the time of the snapshot.
    pub generation: u64,
    /// Live nodes.
    pub nodes: Vec<GraphNode>,
    /// Live endpoints.
    pub endpoints: Vec<GraphEndpoint>,
}

/// A node registration; removed from the graph on drop.
#[derive(Debug)]
pub struct NodeEntry {
    participant: Arc<ParticipantInner>,
    row: u32,
    id: u64,
}

/// An endpoint registration; removed from the graph on drop.
#[derive(Debug)]
pub struct EndpointEntry {
    participant: Arc<ParticipantInner>,
    row: u32,
    id: u64,
}

/// Description of an endpoint to register.
#[derive(Clone, Debug)]
pub struct EndpointDesc<'a> {
    /// Kind.
    pub kind: EntryKind,
    /// Topic or service name.
    pub topic: &'a str,
    /// Type name.
    pub type_name: &'a str,
    /// Globally unique id.
    pub gid: [u8; 24],
    /// Type hash.
    pub type_hash: [u8; 32],
    /// QoS words.
    pub qos: [u64; 8],
}

fn store<const N: usize>(dst: &ShmStr<N>, s: &str) -> Result<(), GraphError> {
    if dst.store(s) {
        Ok(())
    } else {
        Err(GraphError::NameTooLong(s.to_owned()))
    }
}

impl Participant {
    /// Registers a node in the domain graph.
    pub fn add_node(
        &self,
        name: &str,
        namespace: &str,
        enclave: &str,
    ) -> Result<NodeEntry, GraphError> {
        let reg = &self.inner.registry;
        let g = reg.lock().map_err(GraphError::Busy)?;
        let (row, n): (usize, &NodeRow) = g
            .claim_node_row()
            .map_err(|e| GraphError::Memory(e.to_string()))?
            .ok_or(GraphError::Full("node", MAX_NODES))?;
        store(&n.name, name)?;
        store(&n.namespace, namespace)?;
        store(&n.enclave, enclave)?;
        let id = crate::os::process::random_u64();
        n.id.store(id, Ordering::Relaxed);
        n.participant.store(self.inner.row, Ordering::Relaxed);
        n.state.store(LIVE, Ordering::Release);
        g.bump_graph();
        Ok(NodeEntry {
            participant: self.inner.clone(),
            row: row as u32,
            id,
        })
    }

    /// Makes every graph listener of the domain look again (the generation moves on) although no
    /// row changed. For a change that graph queries read elsewhere: whether a service's request
    /// queue is read, which `rmw_service_server_is_available` checks too, changes when the
    /// bridge starts reading a remote service's requests.
    pub fn notify_graph(&self) -> Result<(), GraphError> {
        let g = self.inner.registry.lock().map_err(GraphError::Busy)?;
        g.bump_graph();
        Ok(())
    }

    /// Registers an endpoint of `node` in the domain graph.
    pub fn add_endpoint(
        &self,
        node: &NodeEntry,
        desc: &EndpointDesc<'_>,
    ) -> Result<EndpointEntry, GraphError> {
        let reg = &self.inner.registry;
        let g = reg.lock().map_err(GraphError::Busy)?;
        let (row, e): (usize, &EntryRow) = g
            .claim_entry_row()
            .map_err(|e| GraphError::Memory(e.to_string()))?
            .ok_or(GraphError::Full("graph entry", MAX_ENTRIES))?;
        store(&e.topic, desc.topic)?;
        store(&e.type_name, desc.type_name)?;
        for (w, chunk) in e.gid.iter().zip(desc.gid.chunks(8)) {
            w.store(
                u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")),
                Ordering::Relaxed,
            );
        }
        for (w, chunk) in e.type_hash.iter().zip(desc.type_hash.chunks(8)) {
            w.store(
                u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")),
                Ordering::Relaxed,
            );
        }
        for (w, q) in e.qos.iter().zip(desc.qos) {
            w.store(q, Ordering::Relaxed);
        }
        let id = crate::os::process::random_u64();
        e.id.store(id, Ordering::Relaxed);
        e.kind.store(desc.kind as u32, Ordering::Relaxed);
        e.node.store(node.row, Ordering::Relaxed);
        e.participant.store(self.inner.row, Ordering::Relaxed);
        e.state.store(LIVE, Ordering::Release);
        if let Some(k) = g.view().key(row) {
            k.store(crate::registry::topic_key(desc.topic), Ordering::Release);
        }
        g.bump_graph();
        Ok(EndpointEntry {
            participant: self.inner.clone(),
            row: row as u32,
            id,
        })
    }

    /// Reads the whole graph of the domain (sweeping out dead participants first). When the
    /// registry lock is held by a live peer beyond the bounded wait, the rows are read without
    /// it (a best-effort snapshot; every row read is validated).
    pub fn graph(&self) -> GraphSnapshot {
        let locked = self.inner.registry.lock().ok();
        if let Some(g) = &locked {
            g.sweep_dead();
        }
        let g = &*self.inner.registry;
        let mut snap = GraphSnapshot {
            generation: g.header().graph_generation.load(Ordering::SeqCst),
            ..Default::default()
        };
        for (r, n) in g.view().live_nodes() {
            snap.nodes.push(GraphNode {
                name: n.name.load(),
                namespace: n.namespace.load(),
                enclave: n.enclave.load(),
                row: r as u32,
            });
        }
        snap.endpoints.extend(g.view().live_entries());
        snap
    }
}

impl Participant {
    /// The live endpoints of `kind` on `topic` (sweeping out dead participants first, as
    /// [`Participant::graph`]), with the graph generation; `nodes` is left empty. Costs a scan of
    /// one word per graph entry plus the rows it returns, so endpoint creation stays cheap in a
    /// large graph and on a topic with thousands of endpoints of the other kind.
    pub fn graph_of_topic(&self, topic: &str, kind: EntryKind) -> GraphSnapshot {
        let locked = self.inner.registry.lock().ok();
        if let Some(g) = &locked {
            g.sweep_dead();
        }
        let g = &*self.inner.registry;
        GraphSnapshot {
            generation: g.header().graph_generation.load(Ordering::SeqCst),
            nodes: Vec::new(),
            endpoints: g.view().entries_on(topic, kind).collect(),
        }
    }
}

fn remove(participant: &ParticipantInner, row: u32, id: u64, node: bool) {
    // Not obtainable within the bounded wait: the row is freed with the participant's.
    let Ok(g) = participant.registry.lock() else {
        return;
    };
    // The row may have been swept and reused if this participant was wrongly declared dead.
    let live = |state: &std::sync::atomic::AtomicU32, row_id: &std::sync::atomic::AtomicU64| {
        state.load(Ordering::Relaxed) == LIVE && row_id.load(Ordering::Relaxed) == id
    };
    let freed = if node {
        g.node(row as usize)
            .filter(|n| live(&n.state, &n.id))
            .map(|n| g.free_node_row(row as usize, n))
    } else {
        g.entry(row as usize)
            .filter(|e| live(&e.state, &e.id))
            .map(|e| g.free_entry_row(row as usize, e))
    };
    if freed.is_some() {
        g.bump_graph();
    }
}

impl NodeEntry {
    /// Registry row of the node (matches [`GraphEndpoint::node_row`]).
    pub fn row(&self) -> u32 {
        self.row
    }
}

impl Drop for NodeEntry {
    fn drop(&mut self) {
        remove(&self.participant, self.row, self.id, true);
    }
}

impl Drop for EndpointEntry {
    fn drop(&mut self) {
        remove(&self.participant, self.row, self.id, false);
    }
}
