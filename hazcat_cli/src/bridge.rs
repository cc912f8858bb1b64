//! `hazcat bridge ARGS`: runs the `hazcat-bridge` binary installed next to `hazcat` (else the
//! one on `PATH`) with ARGS, replacing this process. The bridge is its own binary so that the
//! CLI does not build or link Zenoh.

use std::os::unix::process::CommandExt;
use std::path::PathBuf;

/// File name of the bridge binary.
const BRIDGE_BIN: &str = "hazcat-bridge";

/// Why the bridge could not be started.
#[derive(Debug)]
pub enum BridgeExecError {
    /// Neither next to `hazcat` nor on `PATH`.
    Missing(Vec<PathBuf>),
    /// Found but `exec` failed.
    Exec(PathBuf, std::io::Error),
}

impl std::fmt::Display for BridgeExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Missing(tried) => write!(
                f,
                "bridge: '{BRIDGE_BIN}' not found (looked at {}); build it with `cargo build -p \
                 hazcat_bridge` (it is installed next to `hazcat`)",
                tried
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::Exec(p, e) => write!(f, "bridge: cannot run {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for BridgeExecError {}

/// Where the bridge binary may be, in order: next to this executable, then each `PATH` entry.
fn candidates() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(PathBuf::from))
    {
        out.push(dir.join(BRIDGE_BIN));
    }
    if let Some(path) = std::env::var_os("PATH") {
        out.extend(std::env::split_paths(&path).map(|d| d.join(BRIDGE_BIN)));
    }
    out
}

/// Replaces this process with the bridge; returns only on failure.
pub fn exec(args: &[String]) -> BridgeExecError {
    let tried = candidates();
    let Some(bin) = tried.iter().find(|p| p.is_file()) else {
        return BridgeExecError::Missing(tried);
    };
    let err = std::process::Command::new(bin).args(args).exec();
    BridgeExecError::Exec(bin.clone(), err)
}
