//! `hazcat ls` and `hazcat stats`: read-only views of `hazcat_core::inspect` reports.

use std::process::ExitCode;

use hazcat_core::inspect::{self, DomainReport, EndpointInfo, EndpointRole, TopicInfo};
use hazcat_core::naming::InternalQueue;
use serde_json::{json, Value};

use crate::out::{out, outln};
use crate::table::Table;
use crate::{human_bytes, print_json, CmdResult};

fn domain_name(d: Option<hazcat_core::Domain>) -> String {
    d.map_or_else(|| "?".into(), |d| d.to_string())
}

fn role(r: EndpointRole) -> &'static str {
    match r {
        EndpointRole::Publisher => "publisher",
        EndpointRole::Subscriber => "subscriber",
    }
}

fn gid_hex(gid: &[u8; 24]) -> String {
    gid.iter().map(|b| format!("{b:02x}")).collect()
}

/// A duration in ns for people: `250ms`, `1.5s`.
fn duration(ns: u64) -> String {
    if ns.is_multiple_of(1_000_000_000) {
        format!("{}s", ns / 1_000_000_000)
    } else if ns >= 1_000_000_000 {
        format!("{:.3}s", ns as f64 / 1e9)
    } else if ns.is_multiple_of(1_000_000) {
        format!("{}ms", ns / 1_000_000)
    } else {
        format!("{}us", ns / 1_000)
    }
}

/// The QoS an endpoint offers (publisher) or requests (subscriber), compactly: reliability,
/// durability, then deadline and liveliness when set. A subscriber receives only from publishers
/// that meet every request.
fn qos_summary(e: &EndpointInfo) -> String {
    let mut s = vec![
        if e.reliable {
            "reliable"
        } else {
            "best-effort"
        }
        .to_owned(),
        if e.transient_local {
            "transient-local"
        } else {
            "volatile"
        }
        .to_owned(),
    ];
    if e.timed.deadline_ns != 0 {
        s.push(format!("deadline {}", duration(e.timed.deadline_ns)));
    }
    if e.timed.manual_liveliness || e.timed.lease_ns != 0 {
        let kind = if e.timed.manual_liveliness {
            "manual"
        } else {
            "automatic"
        };
        s.push(match e.timed.lease_ns {
            0 => format!("liveliness {kind}"),
            l => format!("liveliness {kind} {}", duration(l)),
        });
    }
    s.join(", ")
}

/// The name a table shows for a topic: the topic, or for an internal queue what it carries,
/// compactly: `/add (requests)`, `/add (responses for 0a1b2c3d)` (the first 8 hex digits of the
/// client's id; `--json` has the full name).
fn topic_label(t: &TopicInfo) -> String {
    match t.internal() {
        None | Some(InternalQueue::Other(_)) => t.name.clone(),
        Some(InternalQueue::ServiceRequests { service }) => format!("{service} (requests)"),
        Some(InternalQueue::ServiceResponses { service, client }) => {
            let short: String = client.chars().take(8).collect();
            format!("{service} (responses for {short})")
        }
    }
}

/// The topics a table shows: internal queues only with `all`.
fn shown(topics: &[TopicInfo], all: bool) -> impl Iterator<Item = &TopicInfo> {
    topics.iter().filter(move |t| all || t.internal().is_none())
}

fn endpoint_json(r: &DomainReport, t: &TopicInfo, e: &EndpointInfo) -> Value {
    json!({
        "role": role(e.role),
        "pid": e.pid,
        "alive": e.alive,
        "node": r.node_of(&e.gid).map(|n| n.fqn.clone()),
        "memory_domain": domain_name(e.domain),
        "depth": e.depth,
        "queued": e.queued,
        "delivered": e.delivered,
        "lost": e.lost,
        "transient_local": e.transient_local,
        "reliable": e.reliable,
        "deadline_ns": e.timed.deadline_ns,
        "liveliness": if e.timed.manual_liveliness { "manual" } else { "automatic" },
        "lease_ns": e.timed.lease_ns,
        "last_publish_ns": e.last_publish_ns,
        "zero_copy": t.endpoint_zero_copy(e),
        "gid": gid_hex(&e.gid),
    })
}

fn pool_owner_pid(t: &TopicInfo, owner_row: Option<u32>) -> Option<u32> {
    let row = owner_row?;
    t.endpoints.iter().find(|e| e.row == row).map(|e| e.pid)
}

/// The JSON form of a domain report (the `ls --json` schema, one element of `domains`).
pub fn report_json(r: &DomainReport) -> Value {
    json!({
        "ros_domain": r.ros_domain,
        "registry": r.registry,
        "participants": r.participants.iter().map(|p| json!({
            "pid": p.pid, "alive": p.alive,
        })).collect::<Vec<_>>(),
        "nodes": r.nodes.iter().map(|n| json!({
            "name": n.fqn, "pid": n.pid, "alive": n.alive,
        })).collect::<Vec<_>>(),
        "topics": r.topics.iter().map(|t| json!({
            "name": t.name,
            "internal": t.internal().is_some(),
            "service": t.internal().and_then(|i| i.service().map(str::to_owned)),
            "type": t.type_name,
            "object": t.object,
            "closed": t.closed,
            "zero_copy": t.zero_copy().as_str(),
            "published": t.published,
            "lost": t.lost,
            "live_samples": t.live_samples,
            "endpoints": t.endpoints.iter().map(|e| endpoint_json(r, t, e)).collect::<Vec<_>>(),
            "pools": t.pools.iter().map(|p| json!({
                "memory_domain": domain_name(p.domain),
                "size": p.size,
                "owner_pid": pool_owner_pid(t, p.owner_row),
                "orphaned": p.owner_row.is_none(),
                "object": p.object,
            })).collect::<Vec<_>>(),
            "copies": t.domains.iter().map(|d| json!({
                "memory_domain": d.domain.to_string(), "messages": d.copies, "bytes": d.bytes,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "arenas": r.arenas.iter().map(|a| json!({
            "object": a.object,
            "capacity": a.capacity,
            "live_blocks": a.live_blocks,
            "referenced": a.referenced,
        })).collect::<Vec<_>>(),
        "errors": r.errors,
    })
}

fn header(r: &DomainReport, all: bool) -> String {
    let dead = r.participants.len() - r.live_participants();
    let reg = if r.registry {
        format!(
            "{} live participant(s){}",
            r.live_participants(),
            if dead > 0 {
                format!(", {dead} dead (run `hazcat clean`)")
            } else {
                String::new()
            }
        )
    } else {
        "no registry".into()
    };
    let internal = r.topics.iter().filter(|t| t.internal().is_some()).count();
    let queues = match (internal, all) {
        (0, _) => String::new(),
        (n, true) => format!(", {n} service queue(s)"),
        (n, false) => format!(", {n} service queue(s) not shown (--all)"),
    };
    format!(
        "ROS domain {}: {reg}, {} topic(s){queues}, {} object(s)",
        r.ros_domain,
        r.topics.len() - internal,
        r.objects.len()
    )
}

fn alive_mark(alive: bool) -> &'static str {
    if alive {
        ""
    } else {
        " (dead)"
    }
}

/// `hazcat ls`: internal queues only with `all` (the JSON form always lists them, flagged).
pub fn ls(domains: &[u32], pools: bool, all: bool, json: bool) -> CmdResult {
    let reports: Vec<DomainReport> = domains.iter().map(|&d| inspect::domain(d)).collect();
    if json {
        print_json(&json!({
            "uid": inspect::uid(),
            "shm_dir": hazcat_core::os::shm_file::shm_dir(),
            "domains": reports.iter().map(|r| {
                let mut j = report_json(r);
                if let Some(b) = crate::bridged::status(r.ros_domain) {
                    j["bridge"] = b;
                }
                j
            }).collect::<Vec<_>>(),
        }));
        return Ok(ExitCode::SUCCESS);
    }
    if reports.is_empty() {
        outln!(
            "no hazcat objects of user {} in {}",
            inspect::uid(),
            hazcat_core::os::shm_file::shm_dir()
        );
    }
    for r in &reports {
        outln!("{}", header(r, all));
        if !r.nodes.is_empty() {
            let mut t = Table::new(&["NODE", "PID"]);
            for n in &r.nodes {
                t.row(vec![
                    n.fqn.clone(),
                    format!("{}{}", n.pid, alive_mark(n.alive)),
                ]);
            }
            out!("{}", t.render(2));
        }
        let mut t = Table::new(&[
            "TOPIC",
            "TYPE",
            "ZERO-COPY",
            "ROLE",
            "PID",
            "NODE",
            "MEMORY",
            "DEPTH",
            "QUEUED",
            "POOLS",
            "QOS",
        ]);
        for topic in shown(&r.topics, all) {
            let zc = format!(
                "{}{}",
                topic.zero_copy().as_str(),
                if topic.closed { " (closed)" } else { "" }
            );
            if topic.endpoints.is_empty() {
                t.row(vec![
                    topic_label(topic),
                    topic.type_name.clone(),
                    zc.clone(),
                    "-".into(),
                ]);
            }
            for (i, e) in topic.endpoints.iter().enumerate() {
                let owned: Vec<_> = topic
                    .pools
                    .iter()
                    .filter(|p| p.owner_row == Some(e.row))
                    .collect();
                let pool_bytes: u64 = owned.iter().map(|p| p.size).sum();
                t.row(vec![
                    if i == 0 {
                        topic_label(topic)
                    } else {
                        String::new()
                    },
                    if i == 0 {
                        topic.type_name.clone()
                    } else {
                        String::new()
                    },
                    if i == 0 { zc.clone() } else { String::new() },
                    role(e.role).into(),
                    format!("{}{}", e.pid, alive_mark(e.alive)),
                    r.node_of(&e.gid).map_or("-".into(), |n| n.fqn.clone()),
                    domain_name(e.domain),
                    e.depth.to_string(),
                    if e.role == EndpointRole::Subscriber {
                        e.queued.to_string()
                    } else {
                        "-".into()
                    },
                    if owned.is_empty() {
                        "-".into()
                    } else {
                        format!("{} x {}", owned.len(), human_bytes(pool_bytes))
                    },
                    qos_summary(e),
                ]);
            }
        }
        if !t.is_empty() {
            out!("{}", t.render(2));
        }
        if pools && !r.arenas.is_empty() {
            let mut t = Table::new(&["POOL OBJECT", "CAPACITY", "LIVE BLOCKS", "USED BY"]);
            for a in &r.arenas {
                t.row(vec![
                    a.object.clone(),
                    a.capacity.map_or("?".into(), human_bytes),
                    a.live_blocks.to_string(),
                    if a.referenced {
                        "topic".into()
                    } else {
                        "none".into()
                    },
                ]);
            }
            out!("{}", t.render(2));
        }
        if let Some(b) = crate::bridged::status(r.ros_domain) {
            out!("{}", crate::bridged::render(&b));
        }
        for e in &r.errors {
            outln!("  error: {e}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `hazcat stats`: internal queues only with `all` (the JSON form always lists them, flagged).
pub fn stats(domains: &[u32], all: bool, json: bool) -> CmdResult {
    let reports: Vec<DomainReport> = domains.iter().map(|&d| inspect::domain(d)).collect();
    if json {
        let v: Vec<Value> = reports
            .iter()
            .flat_map(|r| {
                r.topics.iter().map(|t| {
                    json!({
                        "ros_domain": r.ros_domain,
                        "topic": t.name,
                        "internal": t.internal().is_some(),
                        "type": t.type_name,
                        "published": t.published,
                        "lost": t.lost,
                        "live_samples": t.live_samples,
                        "publishers": t.endpoints.iter().filter(|e| e.alive && e.role == EndpointRole::Publisher).count(),
                        "subscribers": t.endpoints.iter().filter(|e| e.alive && e.role == EndpointRole::Subscriber).count(),
                        "zero_copy": t.zero_copy().as_str(),
                        "copies": t.domains.iter().map(|d| json!({
                            "memory_domain": d.domain.to_string(),
                            "messages": d.copies,
                            "bytes": d.bytes,
                        })).collect::<Vec<_>>(),
                    })
                })
            })
            .collect();
        print_json(&json!({ "topics": v }));
        return Ok(ExitCode::SUCCESS);
    }
    let mut t = Table::new(&[
        "DOMAIN",
        "TOPIC",
        "PUBLISHED",
        "LOST",
        "LIVE",
        "PUB/SUB",
        "ZERO-COPY",
        "COPIES PER MEMORY DOMAIN",
    ]);
    for r in &reports {
        for topic in shown(&r.topics, all) {
            let count = |role| {
                topic
                    .endpoints
                    .iter()
                    .filter(|e| e.alive && e.role == role)
                    .count()
            };
            let copies: Vec<String> = topic
                .domains
                .iter()
                .map(|d| format!("{}: {} ({})", d.domain, d.copies, human_bytes(d.bytes)))
                .collect();
            t.row(vec![
                r.ros_domain.to_string(),
                topic_label(topic),
                topic.published.to_string(),
                topic.lost.to_string(),
                topic.live_samples.to_string(),
                format!(
                    "{}/{}",
                    count(EndpointRole::Publisher),
                    count(EndpointRole::Subscriber)
                ),
                topic.zero_copy().as_str().into(),
                copies.join(", "),
            ]);
        }
    }
    if t.is_empty() {
        outln!("no topics");
    } else {
        out!("{}", t.render(0));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(reliable: bool, timed: hazcat_core::topic::TimedQos) -> EndpointInfo {
        EndpointInfo {
            row: 0,
            role: EndpointRole::Subscriber,
            pid: 1,
            alive: true,
            domain: None,
            depth: 10,
            queued: 0,
            delivered: 0,
            lost: 0,
            transient_local: true,
            reliable,
            timed,
            last_publish_ns: 0,
            gid: [0; 24],
        }
    }

    #[test]
    fn qos_summary_names_every_request() {
        let plain = endpoint(false, Default::default());
        assert_eq!(qos_summary(&plain), "best-effort, transient-local");
        let timed = endpoint(
            true,
            hazcat_core::topic::TimedQos {
                deadline_ns: 250_000_000,
                lease_ns: 1_500_000_000,
                manual_liveliness: true,
            },
        );
        assert_eq!(
            qos_summary(&timed),
            "reliable, transient-local, deadline 250ms, liveliness manual 1.500s"
        );
        assert_eq!(duration(2_000_000_000), "2s");
        assert_eq!(duration(1_500), "1us");
    }
}
