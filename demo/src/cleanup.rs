//! Snapshots of directories where transports leave objects (`/dev/shm`, ...), to check that a run
//! leaves nothing behind.

use std::collections::BTreeSet;
use std::path::Path;

/// Every path under `dirs` (recursively; the directories themselves and subdirectories
/// included).
pub fn snapshot(dirs: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for d in dirs {
        if Path::new(d).exists() {
            out.insert((*d).to_owned());
        }
        walk(Path::new(d), &mut out);
    }
    out
}

fn walk(dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        out.insert(p.display().to_string());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&p, out);
        }
    }
}

/// Paths present in `after` but not in `before`.
pub fn leftovers(before: &BTreeSet<String>, after: &BTreeSet<String>) -> Vec<String> {
    after.difference(before).cloned().collect()
}
