//! Logging: the `log` facade (used by this crate and by hazcat_core) forwarded to rcutils
//! logging under the logger name `rmw_hazcat_rs`, so that
//! `--ros-args --log-level rmw_hazcat_rs:=debug` shows hazcat's debug output in any ROS process
//! and rcl's configured output handlers (console, log files, /rosout) receive it. Quiet by
//! default: rcutils' default level for a logger is INFO, and hazcat logs what is routine at
//! DEBUG. Without rcutils in the process (plain C hosts, tests), `HAZCAT_LOG=<level>` (error,
//! warn, info, debug, trace) prints to stderr; unset means nothing is printed.
//!
//! rcutils is found like the error state (`ret::rcutils_symbol`): never loaded by us.

use std::ffi::{c_int, CString};
use std::sync::atomic::AtomicUsize;
use std::sync::Once;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::ret::cached_rcutils_symbol;
use crate::sys::{
    rcutils_log_fn, rcutils_log_location_t, rcutils_logging_logger_is_enabled_for_fn, symbol_names,
    RCUTILS_LOG_SEVERITY_DEBUG, RCUTILS_LOG_SEVERITY_ERROR, RCUTILS_LOG_SEVERITY_INFO,
    RCUTILS_LOG_SEVERITY_WARN,
};

/// The rcutils logger name of everything hazcat logs.
pub const LOGGER_NAME: &std::ffi::CStr = c"rmw_hazcat_rs";

/// rcutils severity of a `log` level (rcutils has no TRACE: it is DEBUG there).
fn severity(level: Level) -> c_int {
    (match level {
        Level::Error => RCUTILS_LOG_SEVERITY_ERROR,
        Level::Warn => RCUTILS_LOG_SEVERITY_WARN,
        Level::Info => RCUTILS_LOG_SEVERITY_INFO,
        Level::Debug | Level::Trace => RCUTILS_LOG_SEVERITY_DEBUG,
    }) as c_int
}

/// The two rcutils functions, each remembered once found (0 = not yet).
static LOG_FN: AtomicUsize = AtomicUsize::new(0);
static ENABLED_FN: AtomicUsize = AtomicUsize::new(0);

fn rcutils() -> Option<(rcutils_log_fn, rcutils_logging_logger_is_enabled_for_fn)> {
    let log = cached_rcutils_symbol(&LOG_FN, symbol_names::LOG)?;
    let enabled = cached_rcutils_symbol(&ENABLED_FN, symbol_names::LOGGER_IS_ENABLED_FOR)?;
    // SAFETY: both addresses are librcutils' functions of these names, whose C signatures are
    // the declared function types (`rcutils/logging.h`).
    unsafe {
        Some((
            std::mem::transmute::<usize, rcutils_log_fn>(log),
            std::mem::transmute::<usize, rcutils_logging_logger_is_enabled_for_fn>(enabled),
        ))
    }
}

/// The stderr level without rcutils, from `HAZCAT_LOG`.
fn stderr_level() -> LevelFilter {
    std::env::var("HAZCAT_LOG")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LevelFilter::Off)
}

struct RcutilsLogger {
    stderr: LevelFilter,
}

impl Log for RcutilsLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        match rcutils() {
            // SAFETY: a NUL-terminated logger name; the function only reads it.
            Some((_, enabled)) => unsafe {
                enabled(LOGGER_NAME.as_ptr(), severity(metadata.level()))
            },
            None => metadata.level() <= self.stderr,
        }
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let text = format!("{}", record.args());
        let Some((log, _)) = rcutils() else {
            eprintln!("[{}] [rmw_hazcat_rs] {text}", record.level());
            return;
        };
        let nul_free = |s: &str| CString::new(s.replace('\0', " ")).expect("NULs replaced");
        let message = nul_free(&text);
        let function = nul_free(record.module_path().unwrap_or("rmw_hazcat_rs"));
        let file = nul_free(record.file().unwrap_or("rmw_hazcat_rs"));
        let location = rcutils_log_location_t {
            function_name: function.as_ptr(),
            file_name: file.as_ptr(),
            line_number: record.line().unwrap_or(0) as usize,
        };
        // SAFETY: all strings are NUL-terminated and outlive the call; the format "%s" consumes
        // exactly the one `const char *` passed, so no user text is read as a format.
        unsafe {
            log(
                &location,
                severity(record.level()),
                LOGGER_NAME.as_ptr(),
                c"%s".as_ptr(),
                message.as_ptr(),
            )
        };
    }

    fn flush(&self) {}
}

/// Installs the logger once per process (at `rmw_init`). A host that already installed its own
/// `log` logger keeps it.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let logger: &'static RcutilsLogger = Box::leak(Box::new(RcutilsLogger {
            stderr: stderr_level(),
        }));
        if log::set_logger(logger).is_ok() {
            // Each call site is filtered by `enabled` (rcutils decides per logger and level).
            log::set_max_level(LevelFilter::Trace);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_rcutils_severities() {
        assert_eq!(severity(Level::Error), 40);
        assert_eq!(severity(Level::Warn), 30);
        assert_eq!(severity(Level::Info), 20);
        assert_eq!(severity(Level::Debug), 10);
        assert_eq!(severity(Level::Trace), 10);
    }
}
