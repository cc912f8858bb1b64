//! QoS as rmw_zenoh writes it in liveliness tokens:
//! `rel:dur:hist,depth:dl_s,dl_ns:ls_s,ls_ns:liv,lease_s,lease_ns`, every field equal to
//! rmw_zenoh's default left empty (RELIABLE, VOLATILE, KEEP_LAST, depth 42, infinite deadline,
//! lifespan and lease, AUTOMATIC), enums as rmw integers. Also the conversions to and from the
//! QoS words hazcat keeps in its graph (`rmw_hazcat::detail::qos::{encode, decode}`).

use rmw_hazcat_rs::detail::qos as hazcat_qos;
use rmw_hazcat_rs::sys::{rmw_qos_profile_t, rmw_time_t};
use std::fmt;

/// A duration as rmw writes it: seconds and nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration {
    /// Seconds.
    pub sec: u64,
    /// Nanoseconds.
    pub nsec: u64,
}

impl Duration {
    /// `RMW_DURATION_INFINITE`.
    pub const INFINITE: Duration = Duration {
        sec: 9_223_372_036,
        nsec: 854_775_807,
    };

    /// Unspecified (`{0, 0}`) and anything at or beyond `INT64_MAX` ns are infinite.
    fn normalized(self) -> Duration {
        let ns = u128::from(self.sec) * 1_000_000_000 + u128::from(self.nsec);
        if ns == 0 || ns >= i64::MAX as u128 {
            Duration::INFINITE
        } else {
            self
        }
    }
}

/// The QoS fields an rmw_zenoh token carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qos {
    /// `rmw_qos_reliability_policy_e`.
    pub reliability: u32,
    /// `rmw_qos_durability_policy_e`.
    pub durability: u32,
    /// `rmw_qos_history_policy_e`.
    pub history: u32,
    /// History depth.
    pub depth: u64,
    /// Deadline.
    pub deadline: Duration,
    /// Lifespan.
    pub lifespan: Duration,
    /// `rmw_qos_liveliness_policy_e`.
    pub liveliness: u32,
    /// Liveliness lease duration.
    pub lease: Duration,
}

/// `RMW_QOS_POLICY_RELIABILITY_RELIABLE`.
pub const RELIABLE: u32 = 1;
/// `RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT`.
pub const BEST_EFFORT: u32 = 2;
/// `RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL`.
pub const TRANSIENT_LOCAL: u32 = 1;
/// `RMW_QOS_POLICY_DURABILITY_VOLATILE`.
pub const VOLATILE: u32 = 2;
/// `RMW_QOS_POLICY_HISTORY_KEEP_LAST`.
pub const KEEP_LAST: u32 = 1;
/// `RMW_QOS_POLICY_HISTORY_KEEP_ALL`.
pub const KEEP_ALL: u32 = 2;
/// `RMW_QOS_POLICY_LIVELINESS_AUTOMATIC`.
pub const AUTOMATIC: u32 = 1;

impl Default for Qos {
    /// rmw_zenoh's default QoS (what empty fields mean).
    fn default() -> Self {
        Qos {
            reliability: RELIABLE,
            durability: VOLATILE,
            history: KEEP_LAST,
            depth: 42,
            deadline: Duration::INFINITE,
            lifespan: Duration::INFINITE,
            liveliness: AUTOMATIC,
            lease: Duration::INFINITE,
        }
    }
}

/// Why a token's QoS field was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QosKeyError {
    /// Not six `:`-separated groups with 2, 2, 2 and 3 `,`-separated parts in groups 3 to 6.
    Shape(String),
    /// A part is not a decimal number.
    Number(String),
}

impl fmt::Display for QosKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Shape(s) => write!(f, "QoS '{s}' does not have rmw_zenoh's shape"),
            Self::Number(s) => write!(f, "QoS '{s}' has a part that is not a number"),
        }
    }
}

impl std::error::Error for QosKeyError {}

impl Qos {
    /// The token field, defaults left empty.
    pub fn to_key(&self) -> String {
        let d = Qos::default();
        let (dl, ls, lease) = (
            self.deadline.normalized(),
            self.lifespan.normalized(),
            self.lease.normalized(),
        );
        // (value, default, separator after it), in the token's order.
        let parts: [(u64, u64, &str); 11] = [
            (self.reliability.into(), d.reliability.into(), ":"),
            (self.durability.into(), d.durability.into(), ":"),
            (self.history.into(), d.history.into(), ","),
            (self.depth, d.depth, ":"),
            (dl.sec, d.deadline.sec, ","),
            (dl.nsec, d.deadline.nsec, ":"),
            (ls.sec, d.lifespan.sec, ","),
            (ls.nsec, d.lifespan.nsec, ":"),
            (self.liveliness.into(), d.liveliness.into(), ","),
            (lease.sec, d.lease.sec, ","),
            (lease.nsec, d.lease.nsec, ""),
        ];
        let mut s = String::new();
        for (value, default, sep) in parts {
            if value != default {
                s.push_str(&value.to_string());
            }
            s.push_str(sep);
        }
        s
    }

    /// Parses a token field; empty parts take rmw_zenoh's defaults.
    pub fn from_key(key: &str) -> Result<Qos, QosKeyError> {
        let shape = || QosKeyError::Shape(key.to_owned());
        let groups: Vec<Vec<&str>> = key.split(':').map(|g| g.split(',').collect()).collect();
        let [rel, dur, hist, dl, ls, liv] = groups.as_slice() else {
            return Err(shape());
        };
        let ([rel], [dur], [hist, depth], [dl_s, dl_ns], [ls_s, ls_ns], [liv, lease_s, lease_ns]) = (
            rel.as_slice(),
            dur.as_slice(),
            hist.as_slice(),
            dl.as_slice(),
            ls.as_slice(),
            liv.as_slice(),
        ) else {
            return Err(shape());
        };
        fn num<T: std::str::FromStr>(s: &str, default: T, key: &str) -> Result<T, QosKeyError> {
            if s.is_empty() {
                return Ok(default);
            }
            s.parse().map_err(|_| QosKeyError::Number(key.to_owned()))
        }
        let d = Qos::default();
        Ok(Qos {
            reliability: num(rel, d.reliability, key)?,
            durability: num(dur, d.durability, key)?,
            history: num(hist, d.history, key)?,
            depth: num(depth, d.depth, key)?,
            deadline: Duration {
                sec: num(dl_s, d.deadline.sec, key)?,
                nsec: num(dl_ns, d.deadline.nsec, key)?,
            },
            lifespan: Duration {
                sec: num(ls_s, d.lifespan.sec, key)?,
                nsec: num(ls_ns, d.lifespan.nsec, key)?,
            },
            liveliness: num(liv, d.liveliness, key)?,
            lease: Duration {
                sec: num(lease_s, d.lease.sec, key)?,
                nsec: num(lease_ns, d.lease.nsec, key)?,
            },
        })
    }

    /// From an rmw profile.
    pub fn from_profile(p: &rmw_qos_profile_t) -> Qos {
        let dur = |t: &rmw_time_t| Duration {
            sec: t.sec,
            nsec: t.nsec,
        };
        Qos {
            reliability: p.reliability,
            durability: p.durability,
            history: p.history,
            depth: p.depth as u64,
            deadline: dur(&p.deadline),
            lifespan: dur(&p.lifespan),
            liveliness: p.liveliness,
            lease: dur(&p.liveliness_lease_duration),
        }
    }

    /// To an rmw profile.
    pub fn to_profile(&self) -> rmw_qos_profile_t {
        let t = |d: Duration| rmw_time_t {
            sec: d.sec,
            nsec: d.nsec,
        };
        rmw_qos_profile_t {
            history: self.history,
            depth: self.depth as usize,
            reliability: self.reliability,
            durability: self.durability,
            deadline: t(self.deadline),
            lifespan: t(self.lifespan),
            liveliness: self.liveliness,
            liveliness_lease_duration: t(self.lease),
            avoid_ros_namespace_conventions: false,
        }
    }

    /// From the QoS words of a hazcat graph entry.
    pub fn from_graph_words(words: &[u64; 8]) -> Qos {
        Qos::from_profile(&hazcat_qos::decode(words))
    }

    /// To the QoS words of a hazcat graph entry.
    pub fn to_graph_words(&self) -> [u64; 8] {
        hazcat_qos::encode(&self.to_profile())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(n: u64) -> Qos {
        Qos {
            depth: n,
            ..Qos::default()
        }
    }

    #[test]
    fn the_reference_tokens_qos_fields() {
        // talker's chatter publisher (depth 7), listener's subscription (depth 10).
        assert_eq!(depth(7).to_key(), "::,7:,:,:,,");
        assert_eq!(depth(10).to_key(), "::,10:,:,:,,");
        // parameter services.
        assert_eq!(depth(1000).to_key(), "::,1000:,:,:,,");
        // /rosout: TRANSIENT_LOCAL, depth 1000, lifespan 10 s.
        let rosout = Qos {
            durability: TRANSIENT_LOCAL,
            depth: 1000,
            lifespan: Duration { sec: 10, nsec: 0 },
            ..Qos::default()
        };
        assert_eq!(rosout.to_key(), ":1:,1000:,:10,0:,,");
        for q in [depth(7), depth(10), depth(1000), rosout] {
            assert_eq!(Qos::from_key(&q.to_key()).unwrap(), q);
        }
        assert_eq!(Qos::from_key("::,:,:,:,,").unwrap(), Qos::default());
    }

    #[test]
    fn every_field_written_when_not_default() {
        let q = Qos {
            reliability: BEST_EFFORT,
            durability: TRANSIENT_LOCAL,
            history: KEEP_ALL,
            depth: 5,
            deadline: Duration { sec: 1, nsec: 2 },
            lifespan: Duration { sec: 3, nsec: 4 },
            liveliness: 3,
            lease: Duration { sec: 5, nsec: 6 },
        };
        assert_eq!(q.to_key(), "2:1:2,5:1,2:3,4:3,5,6");
        assert_eq!(Qos::from_key(&q.to_key()).unwrap(), q);
    }

    #[test]
    fn unspecified_durations_are_infinite() {
        let q = Qos {
            deadline: Duration { sec: 0, nsec: 0 },
            lease: Duration { sec: 0, nsec: 0 },
            ..depth(10)
        };
        assert_eq!(q.to_key(), "::,10:,:,:,,");
    }

    #[test]
    fn malformed_fields_are_rejected() {
        for bad in [
            "",
            "::,7:,:,:,",
            "::7:,:,:,,",
            "::,7:,:,:,,:",
            "a::,7:,:,:,,",
            "::,-1:,:,:,,",
        ] {
            assert!(Qos::from_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hazcat_graph_words_round_trip() {
        let q = Qos {
            reliability: BEST_EFFORT,
            durability: TRANSIENT_LOCAL,
            depth: 3,
            lifespan: Duration { sec: 10, nsec: 0 },
            ..Qos::default()
        };
        assert_eq!(Qos::from_graph_words(&q.to_graph_words()), q);
    }
}
