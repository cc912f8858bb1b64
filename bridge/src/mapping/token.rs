//! Liveliness token key expressions, one per node and per endpoint:
//!
//! `@ros2_lv/<domain>/<zid>/<nid>/<eid>/<kind>/<enclave>/<namespace>/<node>`, followed for
//! endpoints by `/<topic>/<dds type>/<type hash>/<qos>`. Names are [`mangle`]d (`/` -> `%`); the
//! default enclave and the root namespace are both `%`.

use super::gid::gid_of_key;
use super::names::{demangle, mangle};
use super::qos::{Qos, QosKeyError};
use std::fmt;

/// The admin space every token lives under.
pub const ADMIN_SPACE: &str = "@ros2_lv";

/// What a token announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// `NN`: a node.
    Node,
    /// `MP`: a message publisher.
    Publisher,
    /// `MS`: a message subscription.
    Subscription,
    /// `SS`: a service server.
    Service,
    /// `SC`: a service client.
    Client,
}

impl EntityKind {
    /// The two-letter code in the key.
    pub fn code(self) -> &'static str {
        match self {
            Self::Node => "NN",
            Self::Publisher => "MP",
            Self::Subscription => "MS",
            Self::Service => "SS",
            Self::Client => "SC",
        }
    }

    /// Inverse of [`EntityKind::code`].
    pub fn from_code(code: &str) -> Option<EntityKind> {
        Some(match code {
            "NN" => Self::Node,
            "MP" => Self::Publisher,
            "MS" => Self::Subscription,
            "SS" => Self::Service,
            "SC" => Self::Client,
            _ => return None,
        })
    }
}

/// The topic (or service) part of an endpoint's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicPart {
    /// Full ROS name, e.g. `/chatter`.
    pub name: String,
    /// Type in DDS spelling, e.g. `std_msgs::msg::dds_::String_`.
    pub dds_type: String,
    /// `RIHS01_...`.
    pub type_hash: String,
    /// QoS.
    pub qos: Qos,
}

/// One liveliness token, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// ROS domain id.
    pub domain: u32,
    /// Zenoh session id as zenoh prints it.
    pub zid: String,
    /// Node id within the session.
    pub nid: String,
    /// Entity id within the session.
    pub eid: String,
    /// Node or endpoint kind.
    pub kind: EntityKind,
    /// Enclave (`/` by default).
    pub enclave: String,
    /// Node namespace (`/` for the root).
    pub namespace: String,
    /// Node name.
    pub node: String,
    /// Present exactly for endpoints.
    pub topic: Option<TopicPart>,
}

/// Why a key expression is not an rmw_zenoh liveliness token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenParseError {
    /// Wrong number of chunks for its kind, an empty chunk, or not under `@ros2_lv`.
    Shape(String),
    /// The domain chunk is not a number.
    Domain(String),
    /// Unknown entity kind code.
    Kind(String),
    /// The QoS chunk is malformed.
    Qos(QosKeyError),
}

impl fmt::Display for TokenParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape(k) => write!(f, "'{k}' is not an rmw_zenoh liveliness token"),
            Self::Domain(k) => write!(f, "token '{k}' has no numeric domain id"),
            Self::Kind(k) => write!(f, "token '{k}' has an unknown entity kind"),
            Self::Qos(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for TokenParseError {}

/// The key expression that matches every token of `domain` (for a liveliness subscriber).
pub fn domain_tokens(domain: u32) -> String {
    format!("{ADMIN_SPACE}/{domain}/**")
}

fn name_chunk(s: &str) -> String {
    // rcl gives "/" for the default enclave; hazcat keeps "" for it.
    if s.is_empty() {
        "%".to_owned()
    } else {
        mangle(s)
    }
}

impl Token {
    /// The key expression.
    pub fn key(&self) -> String {
        let mut k = format!(
            "{ADMIN_SPACE}/{}/{}/{}/{}/{}/{}/{}/{}",
            self.domain,
            self.zid,
            self.nid,
            self.eid,
            self.kind.code(),
            name_chunk(&self.enclave),
            name_chunk(&self.namespace),
            mangle(&self.node)
        );
        if let Some(t) = &self.topic {
            k.push_str(&format!(
                "/{}/{}/{}/{}",
                mangle(&t.name),
                mangle(&t.dds_type),
                mangle(&t.type_hash),
                t.qos.to_key()
            ));
        }
        k
    }

    /// The entity's gid: XXH3-128 of [`Token::key`] (see [`gid_of_key`]).
    pub fn gid(&self) -> [u8; 16] {
        gid_of_key(&self.key())
    }

    /// Decodes a token key expression.
    pub fn parse(key: &str) -> Result<Token, TokenParseError> {
        let shape = || TokenParseError::Shape(key.to_owned());
        let c: Vec<&str> = key.split('/').collect();
        if c.len() < 9 || c[0] != ADMIN_SPACE || c.iter().any(|p| p.is_empty()) {
            return Err(shape());
        }
        let kind = EntityKind::from_code(c[5]).ok_or_else(|| TokenParseError::Kind(key.into()))?;
        let topic = match (kind, c.len()) {
            (EntityKind::Node, 9) => None,
            (EntityKind::Node, _) => return Err(shape()),
            (_, 13) => Some(TopicPart {
                name: demangle(c[9]),
                dds_type: demangle(c[10]),
                type_hash: demangle(c[11]),
                qos: Qos::from_key(c[12]).map_err(TokenParseError::Qos)?,
            }),
            _ => return Err(shape()),
        };
        Ok(Token {
            domain: c[1]
                .parse()
                .map_err(|_| TokenParseError::Domain(key.to_owned()))?,
            zid: c[2].to_owned(),
            nid: c[3].to_owned(),
            eid: c[4].to_owned(),
            kind,
            enclave: demangle(c[6]),
            namespace: demangle(c[7]),
            node: demangle(c[8]),
            topic,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::names::data_key;
    use crate::mapping::qos::{Duration, TRANSIENT_LOCAL};

    const ZID: &str = "45c9ba3c679e6668727ba25f1bf4c0ef";

    fn talker(eid: &str, kind: EntityKind, topic: Option<TopicPart>) -> Token {
        Token {
            domain: 144,
            zid: ZID.into(),
            nid: "0".into(),
            eid: eid.into(),
            kind,
            enclave: "/".into(),
            namespace: "/".into(),
            node: "talker".into(),
            topic,
        }
    }

    fn depth(n: u64) -> Qos {
        Qos {
            depth: n,
            ..Qos::default()
        }
    }

    /// Verbatim tokens of the reference talker, built from their parts.
    #[test]
    fn the_reference_talker_tokens() {
        let chatter = talker(
            "11",
            EntityKind::Publisher,
            Some(TopicPart {
                name: "/chatter".into(),
                dds_type: "std_msgs::msg::dds_::String_".into(),
                type_hash:
                    "RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18".into(),
                qos: depth(7),
            }),
        );
        let rosout = talker(
            "1",
            EntityKind::Publisher,
            Some(TopicPart {
                name: "/rosout".into(),
                dds_type: "rcl_interfaces::msg::dds_::Log_".into(),
                type_hash:
                    "RIHS01_e28ce254ca8abc06abf92773b74602cdbf116ed34fbaf294fb9f81da9f318eac".into(),
                qos: Qos {
                    durability: TRANSIENT_LOCAL,
                    depth: 1000,
                    lifespan: Duration { sec: 10, nsec: 0 },
                    ..Qos::default()
                },
            }),
        );
        let get_parameters = talker(
            "2",
            EntityKind::Service,
            Some(TopicPart {
                name: "/talker/get_parameters".into(),
                dds_type: "rcl_interfaces::srv::dds_::GetParameters_".into(),
                type_hash:
                    "RIHS01_bf9803d5c74cf989a5de3e0c2e99444599a627c7ff75f97b8c05b01003675cbc".into(),
                qos: depth(1000),
            }),
        );
        let events_sub = talker(
            "9",
            EntityKind::Subscription,
            Some(TopicPart {
                name: "/parameter_events".into(),
                dds_type: "rcl_interfaces::msg::dds_::ParameterEvent_".into(),
                type_hash:
                    "RIHS01_043e627780fcad87a22d225bc2a037361dba713fca6a6b9f4b869a5aa0393204".into(),
                qos: depth(1000),
            }),
        );
        let expected = [
            (talker("0", EntityKind::Node, None), "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/0/NN/%/%/talker"),
            (chatter.clone(), "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/11/MP/%/%/talker/%chatter/std_msgs::msg::dds_::String_/RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18/::,7:,:,:,,"),
            (rosout, "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/1/MP/%/%/talker/%rosout/rcl_interfaces::msg::dds_::Log_/RIHS01_e28ce254ca8abc06abf92773b74602cdbf116ed34fbaf294fb9f81da9f318eac/:1:,1000:,:10,0:,,"),
            (get_parameters, "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/2/SS/%/%/talker/%talker%get_parameters/rcl_interfaces::srv::dds_::GetParameters_/RIHS01_bf9803d5c74cf989a5de3e0c2e99444599a627c7ff75f97b8c05b01003675cbc/::,1000:,:,:,,"),
            (events_sub, "@ros2_lv/144/45c9ba3c679e6668727ba25f1bf4c0ef/0/9/MS/%/%/talker/%parameter_events/rcl_interfaces::msg::dds_::ParameterEvent_/RIHS01_043e627780fcad87a22d225bc2a037361dba713fca6a6b9f4b869a5aa0393204/::,1000:,:,:,,"),
        ];
        for (token, key) in expected {
            assert_eq!(token.key(), key);
            assert_eq!(Token::parse(key).unwrap(), token);
        }
        let t = chatter.topic.as_ref().unwrap();
        assert_eq!(
            data_key(chatter.domain, &t.name, &t.dds_type, &t.type_hash),
            "144/chatter/std_msgs::msg::dds_::String_/RIHS01_df668c740482bbd48fb39d76a70dfd4bd59db1288021743503259e948f6b1a18"
        );
    }

    #[test]
    fn namespaces_and_the_default_enclave() {
        let t = Token {
            domain: 0,
            zid: "1d1b47b3c9b5fe443e798c1e5f116f2".into(),
            nid: "3".into(),
            eid: "7".into(),
            kind: EntityKind::Node,
            enclave: String::new(),
            namespace: "/robot/arm".into(),
            node: "driver".into(),
            topic: None,
        };
        assert_eq!(
            t.key(),
            "@ros2_lv/0/1d1b47b3c9b5fe443e798c1e5f116f2/3/7/NN/%/%robot%arm/driver"
        );
        let back = Token::parse(&t.key()).unwrap();
        assert_eq!(back.enclave, "/");
        assert_eq!(back.namespace, "/robot/arm");
    }

    #[test]
    fn malformed_tokens_are_rejected() {
        let bad = [
            "@ros2_lv/0/z/0/0/NN/%/%",
            "@ros2_lv/0/z/0/0/NN/%/%/n/extra",
            "@other/0/z/0/0/NN/%/%/n",
            "@ros2_lv/x/z/0/0/NN/%/%/n",
            "@ros2_lv/0/z/0/0/XX/%/%/n",
            "@ros2_lv/0/z/0/0/MP/%/%/n",
            "@ros2_lv/0/z/0/0/MP/%/%/n/%t/T/H/bad",
            "@ros2_lv/0/z//0/NN/%/%/n",
        ];
        for key in bad {
            assert!(Token::parse(key).is_err(), "{key}");
        }
        assert_eq!(domain_tokens(144), "@ros2_lv/144/**");
    }
}
