//! Snapshots of the places where the transports leave objects (`/dev/shm`, `/tmp/iceoryx2`), to
//! check that a run leaves nothing behind.

use std::collections::BTreeSet;

/// Directories whose contents are compared before and after a run.
pub const WATCHED: [&str; 2] = ["/dev/shm", "/tmp/iceoryx2"];

pub use hazcat_demo::cleanup::leftovers;

/// Every path under the watched directories (recursively; directories included).
pub fn snapshot() -> BTreeSet<String> {
    hazcat_demo::cleanup::snapshot(&WATCHED)
}

/// Removes what iceoryx2 keeps by design after its last process of a domain exits: the persistent
/// global management segment (`/dev/shm/<prefix>...global_mgmt`, a node counter) and the empty
/// `nodes`/`services` directories under `/tmp/iceoryx2` when they did not exist `before`.
///
/// Only call once every process using `prefix` has exited; `prefix` must be private to this run.
/// Returns the paths removed.
pub fn remove_iceoryx_domain(prefix: &str, before: &BTreeSet<String>) -> Vec<String> {
    let mut removed = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/dev/shm") {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = e.path().display().to_string();
            if name.starts_with(prefix)
                && !before.contains(&path)
                && std::fs::remove_file(e.path()).is_ok()
            {
                removed.push(path);
            }
        }
    }
    // Deepest first; remove_dir only removes empty directories.
    for d in [
        "/tmp/iceoryx2/nodes",
        "/tmp/iceoryx2/services",
        "/tmp/iceoryx2",
    ] {
        if !before.contains(d) && std::fs::remove_dir(d).is_ok() {
            removed.push(d.to_owned());
        }
    }
    removed
}
