//! `hazcat-bridge` (also run as `hazcat bridge`): one per host, carries the ROS domain's topics
//! to and from other hosts over Zenoh, wire-compatible with rmw_zenoh. See the crate docs of
//! `hazcat_bridge` and the README's "Beyond one machine" section.

use clap::Parser;
use hazcat_bridge::bridge::Bridge;
use hazcat_bridge::config::cli;
use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Carry ROS 2 topics between hosts over Zenoh (wire-compatible with rmw_zenoh).
#[derive(Parser, Debug)]
#[command(name = "hazcat bridge", version, about, long_about = None)]
struct Args {
    /// Zenoh endpoint to listen on (repeatable), e.g. tcp/0.0.0.0:7447; replaces the
    /// configuration file's `listen`.
    #[arg(long)]
    listen: Vec<String>,
    /// Zenoh endpoint to connect to (repeatable): another bridge or a zenohd router, e.g.
    /// tcp/192.168.1.20:7447; replaces the configuration file's `connect`.
    #[arg(long)]
    connect: Vec<String>,
    /// Bridge configuration file (YAML: endpoints, allow / deny globs, rate limits; see the
    /// README). Checked completely before anything starts.
    #[arg(long)]
    config: Option<std::path::PathBuf>,
    /// Zenoh JSON5 configuration file to start from (it then decides mode and scouting;
    /// without it: peer, multicast scouting off); replaces the configuration file's
    /// `zenoh_config`. Timestamping is always on.
    #[arg(long)]
    zenoh_config: Option<std::path::PathBuf>,
    /// ROS domain id (default: the configuration file's `domain`, else $ROS_DOMAIN_ID, else 0).
    #[arg(long)]
    domain: Option<u32>,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

fn install_signal_handlers() {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction with only an async-signal-safe handler (an atomic store) and
        // an empty mask; `sigaction` reads it and the old action pointer may be NULL.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            libc::sigaction(sig, &sa, std::ptr::null_mut());
        }
    }
}

/// Logs to stderr at `HAZCAT_LOG` (error, warn, info, debug, trace; default info).
struct StderrLog;

impl log::Log for StderrLog {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.level() <= log::max_level()
    }
    fn log(&self, r: &log::Record<'_>) {
        if self.enabled(r.metadata()) && r.target().starts_with("hazcat") {
            let _ = writeln!(
                std::io::stderr(),
                "[hazcat-bridge {}] {}",
                r.level().as_str().to_lowercase(),
                r.args()
            );
        }
    }
    fn flush(&self) {}
}

fn init_logging() {
    static LOGGER: StderrLog = StderrLog;
    let level = std::env::var("HAZCAT_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(log::LevelFilter::Info);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}

/// Type-support libraries load their dependencies by soname, which only `LD_LIBRARY_PATH` (read
/// once, at process start) resolves: when some `<prefix>/lib` of `AMENT_PREFIX_PATH` is missing
/// from it, run again with it added (once).
fn reexec_with_library_path() {
    const GUARD: &str = "HAZCAT_BRIDGE_LIBRARY_PATH_SET";
    if std::env::var_os(GUARD).is_some() {
        return;
    }
    let current = std::env::var("LD_LIBRARY_PATH").unwrap_or_default();
    let have: Vec<&str> = current.split(':').filter(|p| !p.is_empty()).collect();
    let missing: Vec<String> = std::env::var("AMENT_PREFIX_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}/lib"))
        .filter(|d| std::path::Path::new(d).is_dir() && !have.contains(&d.as_str()))
        .collect();
    if missing.is_empty() {
        return;
    }
    let path = have
        .iter()
        .map(|s| s.to_string())
        .chain(missing)
        .collect::<Vec<_>>()
        .join(":");
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("LD_LIBRARY_PATH", path)
        .env(GUARD, "1")
        .exec();
    log::warn!("cannot re-run with LD_LIBRARY_PATH set: {err}");
}

fn main() -> ExitCode {
    let args = Args::parse();
    init_logging();
    reexec_with_library_path();
    let settings = match cli::settings(
        args.config,
        args.zenoh_config,
        args.listen,
        args.connect,
        args.domain,
    ) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "hazcat bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    let domain = settings.domain;
    install_signal_handlers();
    let session = settings.session;
    let mut bridge = match Bridge::start(domain, &session) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "hazcat bridge: {e}");
            return ExitCode::FAILURE;
        }
    };
    bridge.set_policy(settings.filter, settings.limiter);
    if let Err(e) = bridge.serve_status(&session, settings.config) {
        log::warn!(
            "no status for `hazcat ls` (is another bridge of ROS domain {domain} running?): {e}"
        );
    }
    // The one line on stdout: scripts wait for it.
    let _ = writeln!(
        std::io::stdout(),
        "hazcat-bridge ready: ROS domain {domain}, zid {}",
        bridge.zid()
    );
    let _ = std::io::stdout().flush();
    bridge.run(&STOP, Duration::from_millis(200));
    drop(bridge);
    ExitCode::SUCCESS
}
