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
}
