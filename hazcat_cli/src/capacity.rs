//! Shared-memory capacity, for `hazcat doctor`: the size of the file system holding the shm
//! directory, how much of it this user's hazcat objects take (per ROS domain), and how many more
//! nodes or topics of the current shape fit in what is free.
//!
//! Sizes of objects are what they occupy ([`MetadataExt::blocks`] × 512), not their apparent
//! length: objects may be sparse, and only the pages in use take space in a tmpfs. They and the
//! file system's figures are read in a [`Snapshot`] taken before anything is inspected, because
//! mapping a sparse object and reading it allocates the pages read (a tmpfs fills holes on a read
//! fault of a shared mapping): the report shows what the running processes use, not what the
//! inspection added.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::io;
use std::os::unix::fs::MetadataExt;

use hazcat_core::inspect::DomainReport;
use hazcat_core::naming;
use hazcat_core::os::shm_file;
use serde_json::{json, Value};

use crate::doctor::{check, Check, Level};
use crate::human_bytes;

/// What a node of a typical system (one publisher or subscription, the parameter services)
/// occupies, all objects included; used when no live node can be measured.
/// Measured by scripts/hazcat_scale.sh (idle rclpy nodes, 1 -> 100: 143 KiB each); update after
/// layout changes.
pub const TYPICAL_NODE_BYTES: u64 = 144 << 10;

/// What a topic of a typical system (its queue and the pools of its endpoints) occupies; used
/// when no live topic can be measured.
/// Measured by scripts/hazcat_scale.sh (1,000 topics with one publisher, one subscription and a
/// small message each: 41.6 KiB each, its first pool included); update after layout changes.
pub const TYPICAL_TOPIC_BYTES: u64 = 42 << 10;

/// `doctor` warns when fewer than this many more nodes fit in the free space.
pub const HEADROOM_NODES: u64 = 20;

/// Docker's `--shm-size` suggestions are rounded up to a multiple of this.
const SHM_SIZE_STEP: u64 = 64 << 20;

/// Sizes of a file system, in bytes, as `df` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsSpace {
    /// Size of the file system.
    pub total: u64,
    /// In use (by anyone).
    pub used: u64,
    /// Available to this user.
    pub free: u64,
}

/// `statvfs` of `dir`.
pub fn fs_space(dir: &str) -> io::Result<FsSpace> {
    let c = CString::new(dir).map_err(|_| io::ErrorKind::InvalidInput)?;
    // SAFETY: a zeroed statvfs (plain integers) is a valid out-parameter.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid C string and `st` a valid, writable statvfs.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let frsize = st.f_frsize as u64;
    Ok(FsSpace {
        total: st.f_blocks as u64 * frsize,
        used: (st.f_blocks as u64).saturating_sub(st.f_bfree as u64) * frsize,
        free: st.f_bavail as u64 * frsize,
    })
}

/// The shm directory's figures before inspection (see the module docs).
pub struct Snapshot {
    dir: String,
    space: io::Result<FsSpace>,
    /// Bytes each object of this user occupies, by name.
    occupied: BTreeMap<String, u64>,
}

impl Snapshot {
    /// Reads the figures of `dir`, the shm directory in use.
    pub fn take(dir: &str) -> Snapshot {
        let occupied = shm_file::list(&naming::user_prefix())
            .into_iter()
            .filter_map(|name| {
                let m = std::fs::metadata(format!("{dir}/{name}")).ok()?;
                Some((name, m.blocks() * 512))
            })
            .collect();
        // A per-user directory not created yet: the file system it will be created on.
        let space = fs_space(dir).or_else(|e| match std::path::Path::new(dir).parent() {
            Some(parent) if e.kind() == io::ErrorKind::NotFound => {
                fs_space(&parent.to_string_lossy())
            }
            _ => Err(e),
        });
        Snapshot {
            dir: dir.to_owned(),
            space,
            occupied,
        }
    }

    /// Bytes the object `name` occupied (0: created since, or gone).
    fn occupied(&self, name: &str) -> u64 {
        self.occupied.get(name).copied().unwrap_or(0)
    }
}

/// What one ROS domain's objects occupy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainUsage {
    /// ROS domain id.
    pub ros_domain: u32,
    /// Number of objects.
    pub objects: usize,
    /// Bytes they occupy.
    pub bytes: u64,
    /// Nodes of live processes.
    pub live_nodes: u64,
    /// Topic queues (service queues included) with a live endpoint.
    pub live_topics: u64,
}

/// What this user's hazcat objects occupy, and the figures the estimate is measured on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Per ROS domain with objects.
    pub domains: Vec<DomainUsage>,
    /// Bytes of every domain's objects.
    pub bytes: u64,
    /// Bytes of the domains that have live nodes (leftovers and node-less processes excluded).
    pub node_bytes: u64,
    /// Live nodes, all domains.
    pub live_nodes: u64,
    /// Bytes of the live topic queues and of the pools their pool tables name.
    pub topic_bytes: u64,
    /// Live topic queues, all domains.
    pub live_topics: u64,
}

impl Usage {
    /// Measures the objects of `reports` with the sizes of `snap`.
    pub fn measure(snap: &Snapshot, reports: &[DomainReport]) -> Usage {
        let mut u = Usage::default();
        for r in reports {
            let bytes: u64 = r.objects.iter().map(|o| snap.occupied(o)).sum();
            let live_nodes = r.nodes.iter().filter(|n| n.alive).count() as u64;
            let live: Vec<_> = r
                .topics
                .iter()
                .filter(|t| t.endpoints.iter().any(|e| e.alive))
                .collect();
            let mut pools: Vec<&str> = live
                .iter()
                .flat_map(|t| t.pools.iter().map(|p| p.object.as_str()))
                .collect();
            pools.sort_unstable();
            pools.dedup();
            u.topic_bytes += live.iter().map(|t| snap.occupied(&t.object)).sum::<u64>()
                + pools.iter().map(|p| snap.occupied(p)).sum::<u64>();
            u.live_topics += live.len() as u64;
            u.bytes += bytes;
            if live_nodes > 0 {
                u.node_bytes += bytes;
                u.live_nodes += live_nodes;
            }
            u.domains.push(DomainUsage {
                ros_domain: r.ros_domain,
                objects: r.objects.len(),
                bytes,
                live_nodes,
                live_topics: live.len() as u64,
            });
        }
        u
    }
}

/// What one more node or topic costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    /// Bytes.
    pub bytes: u64,
    /// Measured on this machine's live objects (`false`: the typical figure).
    pub measured: bool,
}

impl Cost {
    /// `total / count`, or `typical` when there is nothing to measure.
    fn of(total: u64, count: u64, typical: u64) -> Cost {
        match total.checked_div(count) {
            Some(bytes) if bytes > 0 => Cost {
                bytes,
                measured: true,
            },
            _ => Cost {
                bytes: typical,
                measured: false,
            },
        }
    }

    fn source(self) -> &'static str {
        if self.measured {
            "measured"
        } else {
            "typical"
        }
    }
}

/// How many more nodes / topics of the current shape fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// Cost of one more node.
    pub per_node: Cost,
    /// Cost of one more topic.
    pub per_topic: Cost,
    /// Nodes that fit in the free space.
    pub more_nodes: u64,
    /// Topics that fit in the free space.
    pub more_topics: u64,
    /// What [`HEADROOM_NODES`] more nodes need.
    pub headroom_bytes: u64,
}

impl Estimate {
    /// The estimate for `free` bytes, from what `usage` measured.
    pub fn new(free: u64, usage: &Usage) -> Estimate {
        let per_node = Cost::of(usage.node_bytes, usage.live_nodes, TYPICAL_NODE_BYTES);
        let per_topic = Cost::of(usage.topic_bytes, usage.live_topics, TYPICAL_TOPIC_BYTES);
        Estimate {
            per_node,
            per_topic,
            more_nodes: free / per_node.bytes,
            more_topics: free / per_topic.bytes,
            headroom_bytes: HEADROOM_NODES.saturating_mul(per_node.bytes),
        }
    }

    /// Whether the free space holds fewer than [`HEADROOM_NODES`] more nodes.
    pub fn short(&self, free: u64) -> bool {
        free < self.headroom_bytes
    }

    /// A `--shm-size` that holds what is used now plus the headroom, rounded up.
    pub fn suggested_shm_size(&self, space: FsSpace) -> u64 {
        space
            .used
            .saturating_add(self.headroom_bytes)
            .div_ceil(SHM_SIZE_STEP)
            .saturating_mul(SHM_SIZE_STEP)
    }
}

fn cost_text(c: Cost, what: &str, count: u64) -> String {
    if c.measured {
        format!(
            "{} per {what} measured on {count} live {what}(s)",
            human_bytes(c.bytes)
        )
    } else {
        format!("{} per {what} (typical figure)", human_bytes(c.bytes))
    }
}

/// The capacity section of `doctor`.
pub struct Section {
    /// Its checks: `shm size`, `hazcat usage` and `shm capacity` (no estimate when statvfs
    /// fails: `shm size` is then a warning).
    pub checks: Vec<Check>,
    /// The `shm` object of `doctor --json`.
    pub json: Value,
}

/// The section for `snap`, taken before `reports` were read.
pub fn section(snap: &Snapshot, reports: &[DomainReport]) -> Section {
    let usage = Usage::measure(snap, reports);
    let dir = &snap.dir;
    let mut checks = Vec::new();
    let domains = usage
        .domains
        .iter()
        .map(|d| {
            format!(
                "domain {}: {} in {} object(s), {} live node(s)",
                d.ros_domain,
                human_bytes(d.bytes),
                d.objects,
                d.live_nodes
            )
        })
        .collect::<Vec<_>>();
    let objects: usize = usage.domains.iter().map(|d| d.objects).sum();
    let mut json = json!({
        "dir": dir,
        "hazcat_bytes": usage.bytes,
        "hazcat_objects": objects,
        "live_nodes": usage.live_nodes,
        "live_topics": usage.live_topics,
        "domains": usage.domains.iter().map(|d| json!({
            "ros_domain": d.ros_domain,
            "objects": d.objects,
            "bytes": d.bytes,
            "live_nodes": d.live_nodes,
            "live_topics": d.live_topics,
        })).collect::<Vec<_>>(),
        "headroom_nodes": HEADROOM_NODES,
    });
    let usage_check = check(
        "hazcat usage",
        Level::Ok,
        if domains.is_empty() {
            "no objects of this user".to_owned()
        } else {
            format!(
                "{} in {objects} object(s): {}",
                human_bytes(usage.bytes),
                domains.join("; ")
            )
        },
    );
    let space = match &snap.space {
        Ok(s) => *s,
        Err(e) => {
            checks.push(check(
                "shm size",
                Level::Warn,
                format!("{dir}: statvfs failed: {e}"),
            ));
            checks.push(usage_check);
            json["error"] = json!(format!("statvfs failed: {e}"));
            return Section { checks, json };
        }
    };
    checks.push(check(
        "shm size",
        Level::Ok,
        format!(
            "{dir}: {} total, {} used, {} free",
            human_bytes(space.total),
            human_bytes(space.used),
            human_bytes(space.free)
        ),
    ));
    checks.push(usage_check);
    let est = Estimate::new(space.free, &usage);
    let short = est.short(space.free);
    let mut detail = format!(
        "about {} more node(s) / {} more topic(s) of the current shape fit ({}; {})",
        est.more_nodes,
        est.more_topics,
        cost_text(est.per_node, "node", usage.live_nodes),
        cost_text(est.per_topic, "topic", usage.live_topics),
    );
    if short {
        detail.push_str(&format!(
            "; {HEADROOM_NODES} more nodes need {}, {} free: in Docker pass --shm-size={}m \
             (or --ipc=host to use the host's /dev/shm), else set HAZCAT_SHM_DIR (the same for \
             every process) to a bigger tmpfs",
            human_bytes(est.headroom_bytes),
            human_bytes(space.free),
            est.suggested_shm_size(space) >> 20
        ));
    }
    let level = if short { Level::Warn } else { Level::Ok };
    checks.push(check("shm capacity", level, detail));
    for (key, value) in [
        ("total_bytes", json!(space.total)),
        ("used_bytes", json!(space.used)),
        ("free_bytes", json!(space.free)),
        ("per_node_bytes", json!(est.per_node.bytes)),
        ("per_node_source", json!(est.per_node.source())),
        ("per_topic_bytes", json!(est.per_topic.bytes)),
        ("per_topic_source", json!(est.per_topic.source())),
        ("more_nodes", json!(est.more_nodes)),
        ("more_topics", json!(est.more_topics)),
        ("headroom_bytes", json!(est.headroom_bytes)),
        ("short", json!(short)),
    ] {
        json[key] = value;
    }
    Section { checks, json }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage(node_bytes: u64, live_nodes: u64, topic_bytes: u64, live_topics: u64) -> Usage {
        Usage {
            node_bytes,
            live_nodes,
            topic_bytes,
            live_topics,
            ..Usage::default()
        }
    }

    #[test]
    fn live_nodes_and_topics_are_measured() {
        let e = Estimate::new(100 << 20, &usage(30 << 20, 3, 8 << 20, 4));
        assert_eq!(
            e.per_node,
            Cost {
                bytes: 10 << 20,
                measured: true
            }
        );
        assert_eq!(e.per_topic.bytes, 2 << 20);
        assert_eq!((e.more_nodes, e.more_topics), (10, 50));
        assert_eq!(e.headroom_bytes, HEADROOM_NODES * (10 << 20));
        assert!(e.short(100 << 20));
        assert!(!e.short(HEADROOM_NODES * (10 << 20)));
    }

    #[test]
    fn typical_figures_without_live_nodes() {
        let e = Estimate::new(64 << 20, &usage(0, 0, 0, 0));
        assert_eq!(
            (e.per_node.measured, e.per_node.bytes),
            (false, TYPICAL_NODE_BYTES)
        );
        assert_eq!(
            (e.per_topic.measured, e.per_topic.bytes),
            (false, TYPICAL_TOPIC_BYTES)
        );
        assert_eq!(e.more_nodes, (64 << 20) / TYPICAL_NODE_BYTES);
    }

    #[test]
    fn suggested_size_holds_use_and_headroom() {
        let e = Estimate::new(0, &usage(27 << 20, 1, 0, 0));
        let space = FsSpace {
            total: 64 << 20,
            used: 60 << 20,
            free: 4 << 20,
        };
        let s = e.suggested_shm_size(space);
        assert!(s >= (60 << 20) + HEADROOM_NODES * (27 << 20));
        assert_eq!(s % SHM_SIZE_STEP, 0);
        assert!(s - SHM_SIZE_STEP < (60 << 20) + HEADROOM_NODES * (27 << 20));
    }
}
