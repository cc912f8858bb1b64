//! Error reporting across the C boundary.
//!
//! Every non-OK `rmw_ret_t` comes with a message. It goes to the hosting process's rcutils error
//! state (`rcutils_set_error_state`, resolved at run time so the library has no link dependency
//! on librcutils) so that rcl prints it, and always also to a thread-local slot ([`last_error`])
//! that tests and processes without rcutils can read. rcutils is found in the global scope
//! (rclcpp, C hosts) or, where the host loaded it `RTLD_LOCAL` (rclpy's extension module), as the
//! already-loaded library by its soname (`dlopen(.., RTLD_NOLOAD)`): never a second copy, whose
//! error state rcl would not read.
//!
//! Entry points wrap their body in [`guard_ret`] / [`guard_ptr`] / [`guard_value`]: these turn an
//! [`RmwError`] into its code plus message and catch panics, so no unwinding crosses `extern "C"`.

use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr, CString};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe, Location};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::sys::{
    rcutils_set_error_state_fn, rmw_ret_t, symbol_names, RMW_RET_BAD_ALLOC, RMW_RET_ERROR,
    RMW_RET_INCORRECT_RMW_IMPLEMENTATION, RMW_RET_INVALID_ARGUMENT, RMW_RET_NODE_NAME_NON_EXISTENT,
    RMW_RET_OK, RMW_RET_TIMEOUT, RMW_RET_UNSUPPORTED,
};

/// An rmw error: the return code plus a message and the Rust source location that raised it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RmwError {
    /// The `rmw_ret_t` to return (never `RMW_RET_OK`).
    pub code: rmw_ret_t,
    /// Human-readable reason.
    pub message: String,
    /// Where in this crate it was raised (crate-relative path), `None` when the caller was
    /// outside it (a `#[track_caller]` constructor passed as a function, e.g.
    /// `.map_err(RmwError::invalid)`, is "called" from core): the entry point names it then.
    file: Option<&'static str>,
    line: u32,
}

/// Result type of the object layer.
pub type RmwResult<T> = Result<T, RmwError>;

impl RmwError {
    /// An error with an explicit code, located at the caller.
    #[track_caller]
    pub fn new(code: rmw_ret_t, message: impl Into<String>) -> Self {
        let loc = Location::caller();
        // Our own sources are crate-relative ("rmw_hazcat/src/..."); std's are absolute.
        let ours = !loc.file().starts_with('/');
        RmwError {
            code,
            message: message.into(),
            file: ours.then(|| loc.file()),
            line: if ours { loc.line() } else { 0 },
        }
    }

    /// `RMW_RET_INVALID_ARGUMENT`.
    #[track_caller]
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_INVALID_ARGUMENT, message)
    }

    /// `RMW_RET_INCORRECT_RMW_IMPLEMENTATION`.
    #[track_caller]
    pub fn incorrect_implementation(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_INCORRECT_RMW_IMPLEMENTATION, message)
    }

    /// `RMW_RET_UNSUPPORTED`.
    #[track_caller]
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_UNSUPPORTED, message)
    }

    /// `RMW_RET_ERROR`.
    #[track_caller]
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_ERROR, message)
    }

    /// `RMW_RET_BAD_ALLOC`.
    #[track_caller]
    pub fn bad_alloc(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_BAD_ALLOC, message)
    }

    /// `RMW_RET_TIMEOUT`.
    #[track_caller]
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_TIMEOUT, message)
    }

    /// `RMW_RET_NODE_NAME_NON_EXISTENT`.
    #[track_caller]
    pub fn node_name_non_existent(message: impl Into<String>) -> Self {
        Self::new(RMW_RET_NODE_NAME_NON_EXISTENT, message)
    }

    /// Records this error in the error state(s) and returns its code; `entry` (the entry point)
    /// names the location when the source line is unknown.
    pub fn report_in(&self, entry: &str) -> rmw_ret_t {
        log::debug!("{entry} returns {}: {}", self.code, self.message);
        match self.file {
            Some(file) => set_error(&self.message, file, self.line),
            None => set_error(&self.message, &format!("rmw_hazcat_rs:{entry}"), 0),
        }
        self.code
    }
}

impl fmt::Display for RmwError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RmwError {}

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The last error message set on this thread by this library (`None` after [`reset_error`]).
pub fn last_error() -> Option<String> {
    LAST_ERROR.with(|e| e.borrow().clone())
}

/// Clears the thread-local error slot (the rcutils state belongs to rcl, which resets it).
pub fn reset_error() {
    LAST_ERROR.with(|e| *e.borrow_mut() = None);
}

/// Sonames librcutils is loaded under: upstream's, and Debian's (`librcutils.so.1d`).
const RCUTILS_SONAMES: [&CStr; 2] = [c"librcutils.so", c"librcutils.so.1d"];

/// The address of `symbol` in the librcutils this process has loaded, if any: from the global
/// scope, else from an already-loaded librcutils found by soname (loaded `RTLD_LOCAL`, as
/// rclpy's extension module does). Never loads a library.
pub(crate) fn rcutils_symbol(symbol: &CStr) -> *mut c_void {
    // SAFETY: dlsym with RTLD_DEFAULT and a NUL-terminated name has no preconditions.
    let addr = unsafe { libc::dlsym(libc::RTLD_DEFAULT, symbol.as_ptr()) };
    if !addr.is_null() {
        return addr;
    }
    for soname in RCUTILS_SONAMES {
        // SAFETY: RTLD_NOLOAD only returns a handle to an object already loaded (running no
        // initialisers); the handle is kept (one more reference), so the address found stays
        // valid for the life of the process.
        let handle = unsafe { libc::dlopen(soname.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD) };
        if handle.is_null() {
            continue;
        }
        // SAFETY: a valid handle and a NUL-terminated name.
        let addr = unsafe { libc::dlsym(handle, symbol.as_ptr()) };
        if !addr.is_null() {
            return addr;
        }
    }
    std::ptr::null_mut()
}

/// `rcutils_set_error_state` of the hosting process, looked up once it is present.
/// 0 = not resolved yet (or absent: looked up again next time, error paths are not hot).
static SET_ERROR_STATE: AtomicUsize = AtomicUsize::new(0);

/// [`rcutils_symbol`] remembered in `slot` once found (0 = not yet: looked up again next time,
/// as rcutils may be loaded later; these are error and logging paths, not hot ones).
pub(crate) fn cached_rcutils_symbol(slot: &AtomicUsize, symbol: &CStr) -> Option<usize> {
    let mut addr = slot.load(Ordering::Acquire);
    if addr == 0 {
        addr = rcutils_symbol(symbol) as usize;
        if addr == 0 {
            return None;
        }
        slot.store(addr, Ordering::Release);
    }
    Some(addr)
}

fn rcutils_set_error_state() -> Option<rcutils_set_error_state_fn> {
    let addr = cached_rcutils_symbol(&SET_ERROR_STATE, symbol_names::SET_ERROR_STATE)?;
    // SAFETY: `addr` is the address of librcutils' `rcutils_set_error_state`, whose C signature
    // is `rcutils_set_error_state_fn`.
    Some(unsafe { std::mem::transmute::<*mut c_void, rcutils_set_error_state_fn>(addr as _) })
}

/// Calls `rcutils_reset_error` of the hosting process, if rcutils is loaded. Used after a
/// type-support dispatch lookup that failed for one language but succeeded for the other: the
/// dispatch library leaves an error message behind that would otherwise surface later as an
/// "overwriting previous error" warning.
pub fn reset_rcutils_error() {
    let addr = rcutils_symbol(symbol_names::RESET_ERROR);
    if !addr.is_null() {
        // SAFETY: `addr` is librcutils' `rcutils_reset_error`, `void (void)`.
        let f =
            unsafe { std::mem::transmute::<*mut c_void, crate::sys::rcutils_reset_error_fn>(addr) };
        // SAFETY: no arguments; resets this thread's error state.
        unsafe { f() };
    }
}

fn c_string_lossy(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).expect("NUL bytes replaced")
}

/// Sets the error message of the current thread: rcutils' error state when rcutils is loaded in
/// the process, and always the thread-local slot.
pub fn set_error(message: &str, file: &str, line: u32) {
    LAST_ERROR.with(|e| *e.borrow_mut() = Some(message.to_owned()));
    if let Some(set) = rcutils_set_error_state() {
        let msg = c_string_lossy(message);
        let file = c_string_lossy(file);
        // SAFETY: both strings are NUL-terminated and outlive the call; rcutils copies them.
        unsafe { set(msg.as_ptr(), file.as_ptr() as *const c_char, line as usize) };
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_owned()
    }
}

/// Runs an entry point body returning `rmw_ret_t`: errors are reported and mapped to their code,
/// a panic becomes `RMW_RET_ERROR` with a message.
pub fn guard_ret(name: &str, f: impl FnOnce() -> RmwResult<()>) -> rmw_ret_t {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => RMW_RET_OK,
        Ok(Err(e)) => e.report_in(name),
        Err(p) => {
            set_error(
                &format!("{name}: internal error (panic): {}", panic_message(&*p)),
                file!(),
                line!(),
            );
            RMW_RET_ERROR
        }
    }
}

/// Like [`guard_ret`] for entry points returning a pointer: NULL on error or panic.
pub fn guard_ptr<T>(name: &str, f: impl FnOnce() -> RmwResult<*mut T>) -> *mut T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            e.report_in(name);
            std::ptr::null_mut()
        }
        Err(p) => {
            set_error(
                &format!("{name}: internal error (panic): {}", panic_message(&*p)),
                file!(),
                line!(),
            );
            std::ptr::null_mut()
        }
    }
}

/// Like [`guard_ret`] for entry points returning a plain value: `fallback` on error or panic.
pub fn guard_value<T>(name: &str, fallback: T, f: impl FnOnce() -> RmwResult<T>) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => {
            e.report_in(name);
            fallback
        }
        Err(p) => {
            set_error(
                &format!("{name}: internal error (panic): {}", panic_message(&*p)),
                file!(),
                line!(),
            );
            fallback
        }
    }
}

/// Shorthand for a status-returning result: `Ok(())` or the error.
pub fn check(cond: bool, err: impl FnOnce() -> RmwError) -> RmwResult<()> {
    if cond {
        Ok(())
    } else {
        Err(err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_reach_the_thread_local_slot() {
        reset_error();
        let code = guard_ret("t", || Err(RmwError::invalid("bad thing")));
        assert_eq!(code, RMW_RET_INVALID_ARGUMENT);
        assert_eq!(last_error().as_deref(), Some("bad thing"));
    }

    #[test]
    fn error_locations_name_our_sources() {
        let direct = RmwError::invalid("x");
        assert_eq!(direct.file, Some(file!()));
        // Passed as a function, the constructor's caller is core's `map_err`.
        let reason: Result<(), &str> = std::hint::black_box(Err("y"));
        let via_fn = reason.map_err(RmwError::invalid).unwrap_err();
        assert_eq!(via_fn.file, None);
        assert!(!file!().starts_with('/'), "crate-relative paths expected");
    }

    #[test]
    fn panics_become_errors() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let code = guard_ret("t", || panic!("boom"));
        std::panic::set_hook(prev);
        assert_eq!(code, RMW_RET_ERROR);
        assert!(last_error().unwrap().contains("boom"));
        let p: *mut u8 = guard_ptr("t", || Err(RmwError::error("x")));
        assert!(p.is_null());
    }
}
