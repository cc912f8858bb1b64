//! Names of shared-memory objects. Every name carries the user id and the ROS domain id, so users
//! and domains never see each other's objects.

use crate::os::process;

/// Prefix shared by every object of this user in `ros_domain`.
pub fn prefix(ros_domain: u32) -> String {
    format!("hazcat_{}_{}_", process::uid(), ros_domain)
}

/// Prefix shared by every object of this user, all domains.
pub fn user_prefix() -> String {
    format!("hazcat_{}_", process::uid())
}

/// The registry (participants, wakers, graph) of `ros_domain`.
pub fn registry(ros_domain: u32) -> String {
    format!("{}registry", prefix(ros_domain))
}

/// The queue of `topic` in `ros_domain` (the full name is stored inside and checked on open).
pub fn topic(ros_domain: u32, topic: &str) -> String {
    format!(
        "{}topic_{:016x}",
        prefix(ros_domain),
        fnv1a64(topic.as_bytes())
    )
}

/// The memory pool `id` in `ros_domain`.
pub fn arena(ros_domain: u32, id: u64) -> String {
    format!("{}arena_{id:016x}", prefix(ros_domain))
}

/// First character of the topic names of hazcat's own queues (the transport under ROS services).
/// ROS names never start with it, so internal queues cannot collide with user topics; tools hide
/// them unless asked ([`internal_queue`] tells what one carries).
pub const INTERNAL_TOPIC_PREFIX: char = '@';

const REQUESTS: &str = "@rq:";
const RESPONSES: &str = "@rr:";

/// The hazcat topic carrying the requests of `service` (type `srv_type`): `@rq:<service>:<type>`.
/// The `:` separators cannot appear in ROS names; the type is part of the name so that one
/// process may use one service name with several types.
pub fn service_request_topic(service: &str, srv_type: &str) -> String {
    format!("{REQUESTS}{service}:{srv_type}")
}

/// The hazcat topic carrying the responses of `service` for one client (only that client
/// subscribes to it): `@rr:<service>:<type>:<client id in hex>`.
pub fn service_response_topic(service: &str, srv_type: &str, client: &[u8]) -> String {
    let hex: String = client.iter().map(|b| format!("{b:02x}")).collect();
    format!("{RESPONSES}{service}:{srv_type}:{hex}")
}

/// What an internal queue (a topic name starting with [`INTERNAL_TOPIC_PREFIX`]) carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InternalQueue<'a> {
    /// Requests to a service.
    ServiceRequests {
        /// The service name.
        service: &'a str,
    },
    /// Responses of a service to one client.
    ServiceResponses {
        /// The service name.
        service: &'a str,
        /// The client's id, in hex.
        client: &'a str,
    },
    /// Another internal queue (the name as stored).
    Other(&'a str),
}

impl InternalQueue<'_> {
    /// The service the queue belongs to, if any.
    pub fn service(&self) -> Option<&str> {
        match *self {
            InternalQueue::ServiceRequests { service }
            | InternalQueue::ServiceResponses { service, .. } => Some(service),
            InternalQueue::Other(_) => None,
        }
    }
}

/// What the queue of `topic` carries when it is one of hazcat's internal queues; `None` for a
/// user (ROS) topic.
pub fn internal_queue(topic: &str) -> Option<InternalQueue<'_>> {
    if !topic.starts_with(INTERNAL_TOPIC_PREFIX) {
        return None;
    }
    let parsed = if let Some(rest) = topic.strip_prefix(REQUESTS) {
        rest.split_once(':')
            .map(|(service, _)| InternalQueue::ServiceRequests { service })
    } else if let Some(rest) = topic.strip_prefix(RESPONSES) {
        rest.split_once(':').and_then(|(service, rest)| {
            let (_, client) = rest.rsplit_once(':')?;
            Some(InternalQueue::ServiceResponses { service, client })
        })
    } else {
        None
    };
    Some(parsed.unwrap_or(InternalQueue::Other(topic)))
}

/// FNV-1a, 64 bit: stable across processes and builds (unlike `DefaultHasher`).
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_uid_and_domain() {
        let uid = process::uid();
        assert_eq!(registry(7), format!("hazcat_{uid}_7_registry"));
        assert!(topic(0, "/chatter").starts_with(&format!("hazcat_{uid}_0_topic_")));
        assert_ne!(topic(0, "/a"), topic(0, "/b"));
        assert_ne!(topic(0, "/a"), topic(1, "/a"));
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn internal_queue_names_round_trip() {
        let rq = service_request_topic("/add", "pkg/srv/Add");
        assert_eq!(rq, "@rq:/add:pkg/srv/Add");
        assert_eq!(
            internal_queue(&rq),
            Some(InternalQueue::ServiceRequests { service: "/add" })
        );
        let rr = service_response_topic("/ns/add", "pkg/srv/Add", &[0x0a, 0xff]);
        assert_eq!(rr, "@rr:/ns/add:pkg/srv/Add:0aff");
        assert_eq!(
            internal_queue(&rr),
            Some(InternalQueue::ServiceResponses {
                service: "/ns/add",
                client: "0aff"
            })
        );
        assert_eq!(internal_queue(&rr).unwrap().service(), Some("/ns/add"));
        assert_eq!(
            internal_queue("@future"),
            Some(InternalQueue::Other("@future"))
        );
        assert_eq!(internal_queue("/chatter"), None);
    }
}
