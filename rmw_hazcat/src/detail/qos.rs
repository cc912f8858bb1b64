//! QoS: validation at creation, the concrete "actual" profile, its encoding in the graph
//! registry (eight `u64` words), and the compatibility rules of rmw_dds_common (what DDS RMWs
//! return from `rmw_qos_profile_check_compatible`).

use crate::sys::*;

/// Why a requested profile is rejected: UNKNOWN policies, values outside each policy's
/// enumeration (as rmw_fastrtps does, which fails such a profile with "Unknown QoS ... policy"),
/// the deprecated MANUAL_BY_NODE liveliness (rmw_fastrtps has no case for it either), and a
/// keep-last depth beyond what a DDS history can hold (`i32::MAX`, the limit rmw_fastrtps
/// enforces). The message names the policy and the value.
pub fn validate(q: &rmw_qos_profile_t) -> Result<(), String> {
    if q.history == RMW_QOS_POLICY_HISTORY_UNKNOWN
        || q.reliability == RMW_QOS_POLICY_RELIABILITY_UNKNOWN
        || q.durability == RMW_QOS_POLICY_DURABILITY_UNKNOWN
        || q.liveliness == RMW_QOS_POLICY_LIVELINESS_UNKNOWN
    {
        return Err("QoS profile has UNKNOWN policies".into());
    }
    let out_of_range = |policy: &str, value: u32| {
        Err(format!(
            "QoS {policy} policy {value} is not a valid {policy} policy value"
        ))
    };
    if q.history > RMW_QOS_POLICY_HISTORY_UNKNOWN {
        return out_of_range("history", q.history);
    }
    if q.reliability > max_reliability() {
        return out_of_range("reliability", q.reliability);
    }
    if q.durability > max_durability() {
        return out_of_range("durability", q.durability);
    }
    if q.liveliness > max_liveliness() {
        return out_of_range("liveliness", q.liveliness);
    }
    if q.liveliness == RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_NODE {
        return Err(format!(
            "QoS liveliness policy {} (MANUAL_BY_NODE) is deprecated and not supported; use \
             MANUAL_BY_TOPIC",
            q.liveliness
        ));
    }
    let keep_last = q.history == RMW_QOS_POLICY_HISTORY_KEEP_LAST
        || q.history == RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT;
    if keep_last && q.depth > i32::MAX as usize {
        return Err(format!(
            "QoS depth {} exceeds the largest keep-last history ({})",
            q.depth,
            i32::MAX
        ));
    }
    Ok(())
}

/// Largest defined reliability value in this distro.
fn max_reliability() -> rmw_qos_reliability_policy_t {
    #[cfg(not(ros_distro = "humble"))]
    return RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE;
    #[cfg(ros_distro = "humble")]
    return RMW_QOS_POLICY_RELIABILITY_UNKNOWN;
}

/// Largest defined durability value in this distro.
fn max_durability() -> rmw_qos_durability_policy_t {
    #[cfg(not(ros_distro = "humble"))]
    return RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE;
    #[cfg(ros_distro = "humble")]
    return RMW_QOS_POLICY_DURABILITY_UNKNOWN;
}

/// Largest defined liveliness value in this distro.
fn max_liveliness() -> rmw_qos_liveliness_policy_t {
    #[cfg(not(ros_distro = "humble"))]
    return RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE;
    #[cfg(ros_distro = "humble")]
    return RMW_QOS_POLICY_LIVELINESS_UNKNOWN;
}

/// Default depth when KEEP_LAST comes with depth 0 (system default).
pub const DEFAULT_DEPTH: usize = 10;

#[cfg(not(ros_distro = "humble"))]
fn is_best_available_time(t: &rmw_time_t) -> bool {
    *t == RMW_QOS_DEADLINE_BEST_AVAILABLE
}

/// Who the profile is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A publisher (or service response writer).
    Publisher,
    /// A subscription.
    Subscription,
}

/// The concrete profile an endpoint runs with: SYSTEM_DEFAULT and BEST_AVAILABLE resolved.
/// `peers` are the QoS of already discovered endpoints of the other role (BEST_AVAILABLE for a
/// subscription picks what every publisher offers).
pub fn actual(q: &rmw_qos_profile_t, role: Role, peers: &[rmw_qos_profile_t]) -> rmw_qos_profile_t {
    let mut a = *q;
    if a.history == RMW_QOS_POLICY_HISTORY_SYSTEM_DEFAULT {
        a.history = RMW_QOS_POLICY_HISTORY_KEEP_LAST;
    }
    if a.history == RMW_QOS_POLICY_HISTORY_KEEP_LAST && a.depth == 0 {
        a.depth = DEFAULT_DEPTH;
    }
    if a.reliability == RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT {
        a.reliability = RMW_QOS_POLICY_RELIABILITY_RELIABLE;
    }
    if a.durability == RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT {
        a.durability = RMW_QOS_POLICY_DURABILITY_VOLATILE;
    }
    if a.liveliness == RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT {
        a.liveliness = RMW_QOS_POLICY_LIVELINESS_AUTOMATIC;
    }
    #[cfg(not(ros_distro = "humble"))]
    {
        let all = |f: &dyn Fn(&rmw_qos_profile_t) -> bool| !peers.is_empty() && peers.iter().all(f);
        if a.reliability == RMW_QOS_POLICY_RELIABILITY_BEST_AVAILABLE {
            a.reliability = match role {
                Role::Publisher => RMW_QOS_POLICY_RELIABILITY_RELIABLE,
                Role::Subscription
                    if all(&|p| p.reliability == RMW_QOS_POLICY_RELIABILITY_RELIABLE) =>
                {
                    RMW_QOS_POLICY_RELIABILITY_RELIABLE
                }
                Role::Subscription => RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
            };
        }
        if a.durability == RMW_QOS_POLICY_DURABILITY_BEST_AVAILABLE {
            a.durability = match role {
                Role::Publisher => RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
                Role::Subscription
                    if all(&|p| p.durability == RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL) =>
                {
                    RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL
                }
                Role::Subscription => RMW_QOS_POLICY_DURABILITY_VOLATILE,
            };
        }
        if a.liveliness == RMW_QOS_POLICY_LIVELINESS_BEST_AVAILABLE {
            a.liveliness = match role {
                Role::Subscription
                    if all(&|p| p.liveliness == RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC) =>
                {
                    RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC
                }
                _ => RMW_QOS_POLICY_LIVELINESS_AUTOMATIC,
            };
        }
        if is_best_available_time(&a.deadline) {
            a.deadline = RMW_QOS_DEADLINE_DEFAULT;
        }
        if is_best_available_time(&a.liveliness_lease_duration) {
            a.liveliness_lease_duration = RMW_QOS_LIVELINESS_LEASE_DURATION_DEFAULT;
        }
    }
    #[cfg(ros_distro = "humble")]
    let _ = (role, peers);
    // An unspecified duration means "no limit": the concrete value, as every other RMW reports
    // it (`ros2 topic info -v`, actual QoS), is RMW_DURATION_INFINITE.
    for t in [
        &mut a.deadline,
        &mut a.lifespan,
        &mut a.liveliness_lease_duration,
    ] {
        if is_unspecified(t) {
            *t = RMW_DURATION_INFINITE;
        }
    }
    a
}

fn time_to_ns(t: &rmw_time_t) -> u64 {
    t.sec.saturating_mul(1_000_000_000).saturating_add(t.nsec)
}

fn ns_to_time(ns: u64) -> rmw_time_t {
    rmw_time_t {
        sec: ns / 1_000_000_000,
        nsec: ns % 1_000_000_000,
    }
}

/// A duration as hazcat takes it: nanoseconds, 0 for infinite (unspecified `{0, 0}` and
/// `RMW_DURATION_INFINITE` both mean "no limit").
pub fn finite_ns(t: &rmw_time_t) -> u64 {
    match time_to_ns(t) {
        ns if ns >= i64::MAX as u64 => 0,
        ns => ns,
    }
}

/// Whether a profile's liveliness is asserted manually (MANUAL_BY_TOPIC; the deprecated
/// MANUAL_BY_NODE is rejected by [`validate`]).
pub fn is_manual_liveliness(q: &rmw_qos_profile_t) -> bool {
    q.liveliness == RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC
}

/// The deadline and liveliness of a profile, for hazcat's delivery filter and event timers.
pub fn timed(q: &rmw_qos_profile_t) -> hazcat_core::topic::TimedQos {
    hazcat_core::topic::TimedQos {
        deadline_ns: finite_ns(&q.deadline),
        lease_ns: finite_ns(&q.liveliness_lease_duration),
        manual_liveliness: is_manual_liveliness(q),
    }
}

/// Packs a profile into the graph registry's eight words. Durations are stored in nanoseconds
/// (`RMW_DURATION_INFINITE` is exactly `i64::MAX` ns, so it survives the round trip).
pub fn encode(q: &rmw_qos_profile_t) -> [u64; 8] {
    [
        u64::from(q.history),
        q.depth as u64,
        u64::from(q.reliability) | (u64::from(q.durability) << 32),
        time_to_ns(&q.deadline),
        time_to_ns(&q.lifespan),
        u64::from(q.liveliness),
        time_to_ns(&q.liveliness_lease_duration),
        u64::from(q.avoid_ros_namespace_conventions),
    ]
}

/// Inverse of [`encode`].
pub fn decode(w: &[u64; 8]) -> rmw_qos_profile_t {
    rmw_qos_profile_t {
        history: w[0] as u32,
        depth: w[1] as usize,
        reliability: w[2] as u32,
        durability: (w[2] >> 32) as u32,
        deadline: ns_to_time(w[3]),
        lifespan: ns_to_time(w[4]),
        liveliness: w[5] as u32,
        liveliness_lease_duration: ns_to_time(w[6]),
        avoid_ros_namespace_conventions: w[7] != 0,
    }
}

/// Outcome of a compatibility check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    /// OK, WARNING or ERROR.
    pub kind: rmw_qos_compatibility_type_t,
    /// Why (empty when OK).
    pub reason: String,
    /// The first incompatible policy (for QoS-incompatible events).
    pub policy: rmw_qos_policy_kind_t,
}

fn is_unspecified(t: &rmw_time_t) -> bool {
    *t == RMW_DURATION_UNSPECIFIED
}

/// `rmw_qos_profile_check_compatible` semantics: errors first (the first one names the policy),
/// else warnings for policies left to the system, else OK.
pub fn check_compatible(publ: &rmw_qos_profile_t, sub: &rmw_qos_profile_t) -> Compatibility {
    let errors = incompatibilities(publ, sub);
    if let Some((policy, _)) = errors.first() {
        return Compatibility {
            kind: RMW_QOS_COMPATIBILITY_ERROR,
            reason: errors.iter().map(|(_, r)| *r).collect(),
            policy: *policy,
        };
    }
    let warnings = undecided_policies(publ, sub);
    Compatibility {
        kind: if warnings.is_empty() {
            RMW_QOS_COMPATIBILITY_OK
        } else {
            RMW_QOS_COMPATIBILITY_WARNING
        },
        reason: warnings.concat(),
        policy: RMW_QOS_POLICY_INVALID,
    }
}

/// The requests `sub` makes that `publ` does not offer, with the policy each concerns.
fn incompatibilities(
    publ: &rmw_qos_profile_t,
    sub: &rmw_qos_profile_t,
) -> Vec<(rmw_qos_policy_kind_t, &'static str)> {
    let mut errors = Vec::new();
    if publ.reliability == RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT
        && sub.reliability == RMW_QOS_POLICY_RELIABILITY_RELIABLE
    {
        errors.push((
            RMW_QOS_POLICY_RELIABILITY,
            "Best effort publisher and reliable subscription;",
        ));
    }
    if publ.durability == RMW_QOS_POLICY_DURABILITY_VOLATILE
        && sub.durability == RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL
    {
        errors.push((
            RMW_QOS_POLICY_DURABILITY,
            "Volatile publisher and transient local subscription;",
        ));
    }
    errors.extend(
        period_too_long(
            &publ.deadline,
            &sub.deadline,
            "Subscription has a deadline, but publisher does not;",
            "Subscription deadline is less than publisher deadline;",
        )
        .map(|r| (RMW_QOS_POLICY_DEADLINE, r)),
    );
    if publ.liveliness == RMW_QOS_POLICY_LIVELINESS_AUTOMATIC
        && sub.liveliness == RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC
    {
        errors.push((
            RMW_QOS_POLICY_LIVELINESS,
            "Publisher's liveliness is automatic and subscription's is manual by topic;",
        ));
    }
    errors.extend(
        period_too_long(
            &publ.liveliness_lease_duration,
            &sub.liveliness_lease_duration,
            "Subscription has a liveliness lease duration, but publisher does not;",
            "Subscription liveliness lease duration is less than publisher;",
        )
        .map(|r| (RMW_QOS_POLICY_LIVELINESS_LEASE_DURATION, r)),
    );
    errors
}

/// A period policy (deadline, liveliness lease): the subscription's request is met when the
/// publisher offers a period at least as short. Returns `missing` when the publisher offers none
/// (unspecified) against a requested one, `longer` when it offers a longer one.
fn period_too_long(
    offered: &rmw_time_t,
    requested: &rmw_time_t,
    missing: &'static str,
    longer: &'static str,
) -> Option<&'static str> {
    match (is_unspecified(offered), is_unspecified(requested)) {
        (true, false) => Some(missing),
        (false, false) if time_to_ns(requested) < time_to_ns(offered) => Some(longer),
        _ => None,
    }
}

/// Warnings for a request that may or may not be met because the other side left the policy to
/// the system (SYSTEM_DEFAULT or UNKNOWN).
fn undecided_policies(publ: &rmw_qos_profile_t, sub: &rmw_qos_profile_t) -> Vec<&'static str> {
    use RMW_QOS_POLICY_DURABILITY_SYSTEM_DEFAULT as DUR_SD;
    use RMW_QOS_POLICY_DURABILITY_UNKNOWN as DUR_UNK;
    use RMW_QOS_POLICY_LIVELINESS_SYSTEM_DEFAULT as LIV_SD;
    use RMW_QOS_POLICY_LIVELINESS_UNKNOWN as LIV_UNK;
    use RMW_QOS_POLICY_RELIABILITY_SYSTEM_DEFAULT as REL_SD;
    use RMW_QOS_POLICY_RELIABILITY_UNKNOWN as REL_UNK;
    // (undecided side's value, its SYSTEM_DEFAULT, its UNKNOWN, other side's value, the value
    // that makes it matter, warning)
    let rows: [(u32, u32, u32, u32, u32, &'static str); 6] = [
        (
            publ.reliability,
            REL_SD,
            REL_UNK,
            sub.reliability,
            RMW_QOS_POLICY_RELIABILITY_RELIABLE,
            "Reliable subscription, but publisher is system default or unknown;",
        ),
        (
            sub.reliability,
            REL_SD,
            REL_UNK,
            publ.reliability,
            RMW_QOS_POLICY_RELIABILITY_BEST_EFFORT,
            "Best effort publisher, but subscription is system default or unknown;",
        ),
        (
            publ.durability,
            DUR_SD,
            DUR_UNK,
            sub.durability,
            RMW_QOS_POLICY_DURABILITY_TRANSIENT_LOCAL,
            "Transient local subscription, but publisher is system default or unknown;",
        ),
        (
            sub.durability,
            DUR_SD,
            DUR_UNK,
            publ.durability,
            RMW_QOS_POLICY_DURABILITY_VOLATILE,
            "Volatile publisher, but subscription is system default or unknown;",
        ),
        (
            publ.liveliness,
            LIV_SD,
            LIV_UNK,
            sub.liveliness,
            RMW_QOS_POLICY_LIVELINESS_MANUAL_BY_TOPIC,
            "Manual by topic liveliness subscription, but publisher is system default or unknown;",
        ),
        (
            sub.liveliness,
            LIV_SD,
            LIV_UNK,
            publ.liveliness,
            RMW_QOS_POLICY_LIVELINESS_AUTOMATIC,
            "Automatic liveliness publisher, but subscription is system default or unknown;",
        ),
    ];
    rows.iter()
        .filter(|(v, sd, unk, other, matters, _)| (v == sd || v == unk) && other == matters)
        .map(|row| row.5)
        .collect()
}

/// Whether a publisher and a subscription with these actual profiles match.
pub fn matches(publ: &rmw_qos_profile_t, sub: &rmw_qos_profile_t) -> bool {
    check_compatible(publ, sub).kind != RMW_QOS_COMPATIBILITY_ERROR
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_round_trip_keeps_infinite() {
        let mut q = rmw_qos_profile_default;
        q.deadline = RMW_DURATION_INFINITE;
        q.lifespan = rmw_time_t { sec: 1, nsec: 5 };
        assert_eq!(decode(&encode(&q)), q);
    }

    #[test]
    fn unspecified_durations_are_infinite_in_the_actual_profile() {
        for role in [Role::Publisher, Role::Subscription] {
            let a = actual(&rmw_qos_profile_default, role, &[]);
            assert_eq!(a.deadline, RMW_DURATION_INFINITE);
            assert_eq!(a.lifespan, RMW_DURATION_INFINITE);
            assert_eq!(a.liveliness_lease_duration, RMW_DURATION_INFINITE);
            assert_eq!(finite_ns(&a.deadline), 0, "still 'no limit' for the timers");
        }
        let mut q = rmw_qos_profile_default;
        q.deadline = rmw_time_t { sec: 2, nsec: 0 };
        assert_eq!(actual(&q, Role::Publisher, &[]).deadline, q.deadline);
        // Matching is unchanged: a publisher without deadline does not meet a requested one.
        let sub = actual(&q, Role::Subscription, &[]);
        let publ = actual(&rmw_qos_profile_default, Role::Publisher, &[]);
        assert!(!matches(&publ, &sub));
        assert!(matches(&sub, &publ));
    }

    #[test]
    fn best_effort_pub_and_reliable_sub_do_not_match() {
        let publ = rmw_qos_profile_sensor_data;
        let sub = rmw_qos_profile_default;
        let c = check_compatible(&publ, &sub);
        assert_eq!(c.kind, RMW_QOS_COMPATIBILITY_ERROR);
        assert_eq!(c.policy, RMW_QOS_POLICY_RELIABILITY);
        assert!(matches(&sub, &publ));
    }

    #[test]
    fn system_default_becomes_concrete() {
        let a = actual(&rmw_qos_profile_system_default, Role::Publisher, &[]);
        assert_eq!(a.history, RMW_QOS_POLICY_HISTORY_KEEP_LAST);
        assert_eq!(a.reliability, RMW_QOS_POLICY_RELIABILITY_RELIABLE);
        assert_eq!(a.durability, RMW_QOS_POLICY_DURABILITY_VOLATILE);
        assert_eq!(a.liveliness, RMW_QOS_POLICY_LIVELINESS_AUTOMATIC);
    }
}
