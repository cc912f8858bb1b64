//! `hazcat clean`: reclaims what dead processes left behind, never what live ones use.
//!
//! Per domain: joining the domain (`Participant::join`) sweeps dead participants out of the
//! registry; every topic that has endpoint rows of dead processes is opened, which releases
//! their queue entries, loans and pools (`Topic::reclaim_dead_endpoints`). When no live
//! participant remains, leaving the domain removes every object of it, as the last process of a
//! domain always does. A topic without endpoints is kept while the domain has live processes,
//! because one of them may be about to create its first endpoint there.

use std::process::ExitCode;

use hazcat_core::inspect::{self, DomainReport};
use hazcat_core::{Participant, TypeInfo};
use serde_json::json;

use crate::out::outln;
use crate::{print_json, CmdResult};

/// What cleaning one domain did (or would do with `--dry-run`).
struct Outcome {
    ros_domain: u32,
    dead_participants: usize,
    dead_endpoints: usize,
    live_participants: usize,
    removed: Vec<String>,
    errors: Vec<String>,
}

fn plan(r: &DomainReport) -> (usize, usize) {
    (
        r.participants.len() - r.live_participants(),
        r.topics.iter().map(|t| t.dead_endpoints()).sum(),
    )
}

fn clean_domain(dom: u32, dry_run: bool) -> Outcome {
    let before = inspect::domain(dom);
    let (dead_participants, dead_endpoints) = plan(&before);
    let mut out = Outcome {
        ros_domain: dom,
        dead_participants,
        dead_endpoints,
        live_participants: before.live_participants(),
        removed: Vec::new(),
        errors: before.errors.clone(),
    };
    if dry_run || before.objects.is_empty() {
        if dry_run && before.live_participants() == 0 {
            out.removed = before.objects.clone();
        }
        return out;
    }
    match Participant::join(dom) {
        Ok(p) => {
            for t in before.topics.iter().filter(|t| t.dead_endpoints() > 0) {
                let ti = TypeInfo {
                    name: t.type_name.clone(),
                    hash: t.type_hash,
                };
                // Opening an existing topic reclaims its dead endpoints; the segment name check
                // makes sure we opened the same queue the report described.
                match p.topic(&t.name, &ti) {
                    Ok(topic) if topic.segment_name() == t.object => {
                        topic.reclaim_dead_endpoints();
                    }
                    Ok(_) => out
                        .errors
                        .push(format!("{}: queue name mismatch, skipped", t.name)),
                    Err(e) => out.errors.push(format!("{}: {e}", t.name)),
                }
            }
            drop(p);
        }
        Err(e) => out.errors.push(e.to_string()),
    }
    let after = inspect::domain(dom);
    out.removed = before
        .objects
        .iter()
        .filter(|o| !after.objects.contains(o))
        .cloned()
        .collect();
    out.live_participants = after.live_participants();
    out
}

/// `hazcat clean`.
pub fn clean(domains: &[u32], dry_run: bool, json: bool) -> CmdResult {
    let outcomes: Vec<Outcome> = domains.iter().map(|&d| clean_domain(d, dry_run)).collect();
    let failed = outcomes.iter().any(|o| !o.errors.is_empty());
    if json {
        print_json(&json!({
            "dry_run": dry_run,
            "domains": outcomes.iter().map(|o| json!({
                "ros_domain": o.ros_domain,
                "dead_participants": o.dead_participants,
                "dead_endpoints": o.dead_endpoints,
                "live_participants": o.live_participants,
                "removed": o.removed,
                "errors": o.errors,
            })).collect::<Vec<_>>(),
        }));
    } else {
        if outcomes.is_empty() {
            outln!("nothing to clean");
        }
        let verb = if dry_run {
            "would reclaim"
        } else {
            "reclaimed"
        };
        for o in &outcomes {
            outln!(
                "ROS domain {}: {verb} {} dead participant(s) and {} dead endpoint(s); \
                 {} object(s) {}; {} live participant(s) remain",
                o.ros_domain,
                o.dead_participants,
                o.dead_endpoints,
                o.removed.len(),
                if dry_run { "would go" } else { "removed" },
                o.live_participants
            );
            for e in &o.errors {
                outln!("  error: {e}");
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
