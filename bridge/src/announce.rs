//! Local nodes and endpoints announced to Zenoh as rmw_zenoh liveliness tokens (all under the
//! bridge's zid: one "context" for the host), kept in step with the local graph.

use crate::local::{LocalEndpoint, LocalGraph, LocalNode};
use crate::mapping::{ros_to_dds_type, to_rihs01, EntityKind, Token, TopicPart};
use hazcat_core::EntryKind;
use std::collections::HashMap;
use zenoh::liveliness::LivelinessToken;
use zenoh::{Session, Wait};

struct AnnouncedNode {
    nid: u64,
    _token: LivelinessToken,
}

/// A local endpoint as announced: what a forwarder needs to put its samples on the wire.
#[derive(Debug, Clone)]
pub struct Announced {
    /// The endpoint's token.
    pub token: Token,
    /// Its rmw_zenoh gid (XXH3 of the token key).
    pub gid: [u8; 16],
}

struct AnnouncedEndpoint {
    info: Announced,
    _token: LivelinessToken,
}

/// The tokens of the local graph.
pub struct Announcer {
    session: Session,
    domain: u32,
    zid: String,
    next_nid: u64,
    next_eid: u64,
    nodes: HashMap<LocalNode, AnnouncedNode>,
    endpoints: HashMap<[u8; 24], AnnouncedEndpoint>,
}

impl Announcer {
    /// Announces nothing yet.
    pub fn new(session: &Session, domain: u32) -> Announcer {
        Announcer {
            session: session.clone(),
            domain,
            zid: session.zid().to_string(),
            next_nid: 0,
            next_eid: 0,
            nodes: HashMap::new(),
            endpoints: HashMap::new(),
        }
    }

    /// The announced endpoint whose hazcat gid is `gid`.
    pub fn endpoint(&self, gid: &[u8; 24]) -> Option<&Announced> {
        self.endpoints.get(gid).map(|e| &e.info)
    }

    fn declare(&self, key: &str) -> Option<LivelinessToken> {
        match self
            .session
            .liveliness()
            .declare_token(key.to_owned())
            .wait()
        {
            Ok(t) => Some(t),
            Err(e) => {
                log::warn!("cannot declare liveliness token {key}: {e}");
                None
            }
        }
    }

    fn node_token(&self, n: &LocalNode, nid: u64, eid: u64) -> Token {
        Token {
            domain: self.domain,
            zid: self.zid.clone(),
            nid: nid.to_string(),
            eid: eid.to_string(),
            kind: EntityKind::Node,
            enclave: n.enclave.clone(),
            namespace: n.namespace.clone(),
            node: n.name.clone(),
            topic: None,
        }
    }

    fn endpoint_token(&self, e: &LocalEndpoint, node: &LocalNode, nid: u64) -> Option<Token> {
        let dds_type = match ros_to_dds_type(&e.ros_type) {
            Ok(t) => t,
            Err(err) => {
                log::warn!("not announcing {} on {}: {err}", e.ros_type, e.topic);
                return None;
            }
        };
        let kind = match e.kind {
            EntryKind::Publisher => EntityKind::Publisher,
            EntryKind::Subscription => EntityKind::Subscription,
            EntryKind::Service => EntityKind::Service,
            EntryKind::Client => EntityKind::Client,
        };
        Some(Token {
            kind,
            eid: String::new(),
            topic: Some(TopicPart {
                name: e.topic.clone(),
                dds_type,
                type_hash: to_rihs01(&e.type_hash),
                qos: e.qos,
            }),
            ..self.node_token(node, nid, 0)
        })
    }

    /// Declares tokens for what appeared in `local` and undeclares those of what left.
    pub fn sync(&mut self, local: &LocalGraph) {
        self.nodes.retain(|n, _| local.nodes.contains(n));
        for n in &local.nodes {
            if self.nodes.contains_key(n) {
                continue;
            }
            let (nid, eid) = (self.next_nid, self.next_eid);
            let token = self.node_token(n, nid, eid);
            if let Some(t) = self.declare(&token.key()) {
                log::info!("announced node {}", token.key());
                self.next_nid += 1;
                self.next_eid += 1;
                self.nodes
                    .insert(n.clone(), AnnouncedNode { nid, _token: t });
            }
        }
        let live: HashMap<[u8; 24], &LocalEndpoint> =
            local.endpoints.iter().map(|e| (e.gid, e)).collect();
        self.endpoints.retain(|gid, _| live.contains_key(gid));
        for e in &local.endpoints {
            if self.endpoints.contains_key(&e.gid) {
                continue;
            }
            let Some((node, announced)) = self
                .nodes
                .iter()
                .find(|(n, _)| n.row == e.node_row)
                .map(|(n, a)| (n.clone(), a.nid))
            else {
                continue; // its node is not in this snapshot: next time
            };
            let Some(mut token) = self.endpoint_token(e, &node, announced) else {
                continue;
            };
            token.eid = self.next_eid.to_string();
            let key = token.key();
            if let Some(t) = self.declare(&key) {
                log::info!("announced {key}");
                self.next_eid += 1;
                let gid = token.gid();
                self.endpoints.insert(
                    e.gid,
                    AnnouncedEndpoint {
                        info: Announced { token, gid },
                        _token: t,
                    },
                );
            }
        }
    }
}
