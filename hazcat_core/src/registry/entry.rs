//! The graph's entry types, as the registry stores them (read back by [`super::view`]).

/// What a graph entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum EntryKind {
    /// A topic publisher.
    Publisher = 1,
    /// A topic subscription.
    Subscription = 2,
    /// A service server.
    Service = 3,
    /// A service client.
    Client = 4,
}

impl EntryKind {
    /// The kind whose endpoints match this one's on a topic: subscriptions for a publisher,
    /// publishers for a subscription (and for services and clients, which have no topic peers).
    pub fn peer(self) -> EntryKind {
        match self {
            EntryKind::Publisher => EntryKind::Subscription,
            _ => EntryKind::Publisher,
        }
    }

    pub(crate) fn from_u32(v: u32) -> Option<EntryKind> {
        Some(match v {
            1 => EntryKind::Publisher,
            2 => EntryKind::Subscription,
            3 => EntryKind::Service,
            4 => EntryKind::Client,
            _ => return None,
        })
    }
}

/// An endpoint as seen in the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphEndpoint {
    /// Kind.
    pub kind: EntryKind,
    /// Row of the owning node in [`GraphSnapshot::nodes`](crate::graph::GraphSnapshot::nodes) terms (`crate::graph::GraphNode::row`).
    pub node_row: u32,
    /// Topic or service name.
    pub topic: String,
    /// Type name.
    pub type_name: String,
    /// Globally unique id (24 bytes; rmw uses a prefix of it).
    pub gid: [u8; 24],
    /// Type hash (RIHS01 value; zero if unknown).
    pub type_hash: [u8; 32],
    /// QoS as eight opaque words defined by the rmw layer.
    pub qos: [u64; 8],
}
