//! `hazcat doctor`: checks the machine and the configuration, and says how to fix what is wrong.

use std::ffi::CString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;
use std::process::ExitCode;

use hazcat_core::config::{Config, ConfigErrors, CONFIG_ENV};
use hazcat_core::inspect::{self, DomainReport};
use hazcat_core::os::shm_file::{self, DirInfo, Origin};
use hazcat_core::{Domain, DomainKind};
use serde_json::json;

use crate::capacity;
use crate::cuda::{self, CudaStatus};
use crate::out::outln;
use crate::{print_json, CmdResult};

/// Outcome of a check.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Ok,
    Warn,
    Fail,
}

/// One line of the doctor's report.
pub(crate) struct Check {
    name: &'static str,
    level: Level,
    detail: String,
    /// Every error behind a failed check, when there can be several (the config file's).
    errors: Vec<String>,
}

/// A check without a list of errors.
pub(crate) fn check(name: &'static str, level: Level, detail: impl Into<String>) -> Check {
    Check {
        name,
        level,
        detail: detail.into(),
        errors: Vec::new(),
    }
}

/// The failed config check of `errors`, found in the file named by `source`.
fn config_errors(source: &str, errors: &ConfigErrors) -> Check {
    Check {
        errors: errors.errors().iter().map(ToString::to_string).collect(),
        ..check("config", Level::Fail, format!("{source}: {errors}"))
    }
}

/// Loads the file given with `--config`, else the one named by `HAZCAT_CONFIG`, and checks the
/// memory domains it names against this machine. Messages name the source actually used.
fn config_check(config: Option<PathBuf>, cuda: &CudaStatus) -> Check {
    let (path, source) = match config {
        Some(p) => (p, "--config"),
        None => match hazcat_core::config::env_path() {
            Some(p) => (p, CONFIG_ENV),
            None => {
                return check(
                    "config",
                    Level::Ok,
                    format!("{CONFIG_ENV} not set: built-in defaults"),
                )
            }
        },
    };
    let cfg = match Config::load(&path) {
        Ok(cfg) => cfg,
        Err(e) => return config_errors(source, &e),
    };
    let devices = match cuda {
        CudaStatus::Devices(n) => *n,
        _ => 0,
    };
    match cfg.check_domains(|d: Domain| match d.kind {
        DomainKind::Cuda if u32::from(d.device) >= devices => {
            Err(format!("this machine has {devices} CUDA device(s)"))
        }
        _ => Ok(()),
    }) {
        Ok(()) => check(
            "config",
            Level::Ok,
            format!(
                "{source}: {}: {} rule(s)",
                path.display(),
                cfg.rules().len()
            ),
        ),
        Err(e) => config_errors(source, &e),
    }
}

/// Why this directory was chosen, for the `shm directory` check, with the level it deserves.
fn origin_note(origin: &Origin) -> (Level, String) {
    match origin {
        Origin::Explicit => (Level::Ok, " (HAZCAT_SHM_DIR)".into()),
        Origin::PerUser => (Level::Ok, " (per-user directory)".into()),
        Origin::Fallback(Some(s)) => (
            Level::Warn,
            format!(
                " (fallback: {s}, not a private directory of this user; another user may have \
                 created it to block this one: have it removed, or set HAZCAT_SHM_DIR)"
            ),
        ),
        Origin::Fallback(None) => (
            Level::Ok,
            " (fallback, still used by processes that started while the per-user directory \
             was taken by another user; back to per-user once they all exit)"
                .into(),
        ),
    }
}

fn shm_checks(out: &mut Vec<Check>, resolved: &std::io::Result<DirInfo>) {
    let info = match resolved {
        // Both the per-user directory and its fallback squatted: the error says how to fix it.
        Err(e) => {
            out.push(check("shm directory", Level::Fail, e.to_string()));
            return;
        }
        Ok(info) => info,
    };
    let dir = info.path.as_str();
    let (origin_level, note) = origin_note(&info.origin);
    if !info.exists && info.origin != Origin::Explicit {
        // Created (mode 0700) by the first hazcat process, removed by the last one.
        let parent = std::path::Path::new(dir)
            .parent()
            .unwrap_or(std::path::Path::new("/"));
        out.push(match std::fs::metadata(parent) {
            Ok(_) => check(
                "shm directory",
                origin_level,
                format!("{dir}: not there now, created by the first process{note}"),
            ),
            Err(e) => check(
                "shm directory",
                Level::Fail,
                format!(
                    "{}: {e} (set HAZCAT_SHM_DIR or mount a tmpfs on /dev/shm)",
                    parent.display()
                ),
            ),
        });
        return;
    }
    match std::fs::metadata(dir) {
        Err(e) => {
            out.push(check(
                "shm directory",
                Level::Fail,
                format!("{dir}: {e} (set HAZCAT_SHM_DIR or mount a tmpfs on /dev/shm)"),
            ));
            return;
        }
        Ok(m) => {
            let mode = m.permissions().mode() & 0o7777;
            // SAFETY: access has no memory-safety preconditions beyond a valid C string.
            let writable = CString::new(dir)
                .map(|c| unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } == 0)
                .unwrap_or(false);
            let shared_ok = mode & 0o1000 != 0 || m.uid() == inspect::uid();
            let level = if !writable {
                Level::Fail
            } else if !shared_ok {
                Level::Warn
            } else {
                origin_level
            };
            out.push(check(
                "shm directory",
                level,
                format!(
                    "{dir}: mode {mode:o}{}{}{note}",
                    if writable {
                        ""
                    } else {
                        ", not writable by this user"
                    },
                    if shared_ok {
                        ""
                    } else {
                        ", no sticky bit: other users could remove hazcat objects"
                    }
                ),
            ));
        }
    }
    // Objects must be private to their owner (0600): anything else is either foreign or tampered.
    let mut bad = Vec::new();
    for name in shm_file::list(&hazcat_core::naming::user_prefix()) {
        if let Ok(mode) = shm_file::mode(&name) {
            if mode & 0o077 != 0 {
                bad.push(format!("{name} ({mode:o})"));
            }
        }
    }
    out.push(if bad.is_empty() {
        check("object permissions", Level::Ok, "all objects 0600")
    } else {
        check(
            "object permissions",
            Level::Fail,
            format!(
                "accessible by others, hazcat refuses them: {}",
                bad.join(", ")
            ),
        )
    });
}

fn leftovers(out: &mut Vec<Check>, reports: &[DomainReport]) {
    let mut dead = Vec::new();
    for r in reports {
        let d = r.ros_domain;
        let dp = r.participants.len() - r.live_participants();
        let de: usize = r.topics.iter().map(|t| t.dead_endpoints()).sum();
        if dp + de > 0 || (r.live_participants() == 0 && !r.objects.is_empty()) {
            dead.push(format!(
                "domain {d}: {dp} dead participant(s), {de} dead endpoint(s), {} live",
                r.live_participants()
            ));
        }
        for e in &r.errors {
            dead.push(format!("domain {d}: {e}"));
        }
    }
    out.push(if dead.is_empty() {
        check("leftovers", Level::Ok, "none")
    } else {
        check(
            "leftovers",
            Level::Warn,
            format!("{} (run `hazcat clean`)", dead.join("; ")),
        )
    });
}

/// `hazcat doctor`.
pub fn doctor(config: Option<PathBuf>, json: bool) -> CmdResult {
    let resolved = shm_file::describe();
    let dir = shm_file::shm_dir();
    // Before anything is inspected: reading objects makes their pages resident (see `capacity`).
    let snapshot = capacity::Snapshot::take(&dir);
    let mut checks = Vec::new();
    shm_checks(&mut checks, &resolved);
    let reports: Vec<DomainReport> = inspect::domains()
        .into_iter()
        .map(inspect::domain)
        .collect();
    let capacity = capacity::section(&snapshot, &reports);
    checks.extend(capacity.checks);
    let cuda = cuda::probe();
    checks.push(match &cuda {
        CudaStatus::Devices(n) => check("cuda", Level::Ok, format!("{n} device(s)")),
        CudaStatus::NoDriver(e) => check(
            "cuda",
            Level::Ok,
            format!("no CUDA driver ({e}): host memory only"),
        ),
        CudaStatus::InitFailed(rc) => check(
            "cuda",
            Level::Warn,
            format!("driver present but cuInit/cuDeviceGetCount failed with CUresult {rc}"),
        ),
    });
    checks.push(config_check(config, &cuda));
    leftovers(&mut checks, &reports);
    let failed = checks.iter().any(|c| c.level == Level::Fail);
    let name = |l: Level| match l {
        Level::Ok => "ok",
        Level::Warn => "warn",
        Level::Fail => "FAIL",
    };
    if json {
        print_json(&json!({
            "ok": !failed,
            "checks": checks.iter().map(|c| {
                let mut v = json!({
                    "check": c.name,
                    "status": name(c.level).to_lowercase(),
                    "detail": c.detail,
                });
                if !c.errors.is_empty() {
                    v["errors"] = json!(c.errors);
                }
                v
            }).collect::<Vec<_>>(),
            "shm": capacity.json,
        }));
    } else {
        for c in &checks {
            // Continuation lines (one per error) line up under the first line's detail.
            let detail = c.detail.replace('\n', &format!("\n{:26}", ""));
            outln!("[{:>4}] {:<18} {detail}", name(c.level), c.name);
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
