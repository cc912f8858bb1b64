//! Process identity: `(pid, start time)`, recorded in rows for diagnostics. Liveness decisions
//! use the kernel-held OFD locks of `os::ofd`, not this.

use std::sync::OnceLock;

/// The identity of a live or dead process: pid plus kernel start time (clock ticks since boot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProcessId {
    /// Kernel process id.
    pub pid: u32,
    /// Start time from `/proc/<pid>/stat` field 22; distinguishes a recycled pid.
    pub start_time: u64,
}

impl ProcessId {
    /// The calling process (cached; a forked child recomputes because its pid differs).
    pub fn current() -> ProcessId {
        static CACHE: OnceLock<std::sync::Mutex<Option<ProcessId>>> = OnceLock::new();
        let pid = std::process::id();
        let cache = CACHE.get_or_init(|| std::sync::Mutex::new(None));
        let mut guard = cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(id) = *guard {
            if id.pid == pid {
                return id;
            }
        }
        let id = ProcessId {
            pid,
            start_time: start_time(pid).unwrap_or(0),
        };
        *guard = Some(id);
        id
    }

    /// Whether this process still runs (same pid *and* same start time), as seen in this
    /// process's `/proc`. Diagnostic only (`hazcat` inspection): it is blind across PID
    /// namespaces, so hazcat never uses it to decide that a peer is dead — participant liveness
    /// is the kernel-held OFD lock of its registry slot (see `os::ofd`).
    pub fn is_alive(&self) -> bool {
        if self.pid == 0 {
            return false;
        }
        match start_time(self.pid) {
            Some(t) => t == self.start_time,
            None => false,
        }
    }
}

/// Reads the start time of `pid` (or thread id) from procfs; `None` if it does not exist.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    // rest starts with field 3 (state); start time is field 22 -> index 19 here.
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// The calling thread's kernel id (cached per thread: it is on every lock's fast path).
pub fn current_tid() -> u32 {
    thread_local! {
        // SAFETY: gettid has no preconditions and cannot fail.
        static TID: u32 = unsafe { libc::gettid() } as u32;
    }
    TID.with(|t| *t)
}

/// The real user id of this process (part of every shared-memory name).
pub fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// A random 64-bit value from the kernel (for object ids that must not collide across processes).
pub fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    let mut filled = 0;
    while filled < buf.len() {
        // SAFETY: the pointer and length describe the unfilled tail of `buf`.
        let n =
            unsafe { libc::getrandom(buf[filled..].as_mut_ptr().cast(), buf.len() - filled, 0) };
        if n > 0 {
            filled += n as usize;
        }
    }
    u64::from_ne_bytes(buf)
}
