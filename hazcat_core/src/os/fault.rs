//! Turns SIGBUS inside hazcat's own shared mappings into errors.
//!
//! A shared object that another process truncates or shrinks while we have it mapped makes every
//! access past its new end raise SIGBUS, which would kill this process. hazcat registers each of
//! its mappings here; a process-wide SIGBUS handler (installed with the first mapping) replaces
//! the faulting page of a registered mapping with a private zero page, marks the mapping
//! *damaged* and lets the access complete. The layers above check [`damaged`] and turn it into
//! an error naming the object; values read from the zero page are bounded like any other value
//! read from shared memory. Faults anywhere else (and hardware memory errors) go to the handler
//! that was installed before ours, or kill the process as usual.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Once, OnceLock};

/// Mappings that can be watched at once (one per mapped object: registry, topics, pools).
const SLOTS: usize = 1 << 16;

struct Range {
    base: AtomicUsize,
    len: AtomicUsize,
    damaged: AtomicBool,
}

static RANGES: [Range; SLOTS] = [const {
    Range {
        base: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        damaged: AtomicBool::new(false),
    }
}; SLOTS];
/// One past the highest slot ever used: bounds the handler's search.
static HIGH: AtomicUsize = AtomicUsize::new(0);
/// Where the search for a free slot starts (one past the last slot taken): registering the
/// 10,000th mapping costs what the first did.
static NEXT: AtomicUsize = AtomicUsize::new(0);
static PAGE: AtomicUsize = AtomicUsize::new(4096);
static INSTALL: Once = Once::new();
/// The SIGBUS disposition before ours (chained to for faults that are not ours).
static PREVIOUS: OnceLock<libc::sigaction> = OnceLock::new();

/// A mapping watched by the handler; stops being watched on drop (drop it before unmapping).
#[derive(Debug)]
pub struct Watch(usize);

impl Watch {
    /// Whether an access to the mapping faulted because the object shrank under it.
    pub fn damaged(&self) -> bool {
        RANGES[self.0].damaged.load(Ordering::Acquire)
    }

    /// Marks the mapping damaged (the object was seen shorter than the mapping).
    pub fn set_damaged(&self) {
        RANGES[self.0].damaged.store(true, Ordering::Release);
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let r = &RANGES[self.0];
        r.len.store(0, Ordering::Release);
        r.damaged.store(false, Ordering::Release);
        r.base.store(0, Ordering::Release);
    }
}

/// Watches `len` bytes at `base` (a live shared mapping). `None` when every slot is taken: the
/// mapping then works unwatched (a truncation by a peer would kill the process, as before).
pub fn watch(base: *mut u8, len: usize) -> Option<Watch> {
    INSTALL.call_once(install);
    let base = base as usize;
    let start = NEXT.load(Ordering::Relaxed);
    for k in 0..SLOTS {
        let i = (start + k) % SLOTS;
        let r = &RANGES[i];
        if r.base
            .compare_exchange(0, base, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            r.damaged.store(false, Ordering::Release);
            r.len.store(len, Ordering::Release);
            HIGH.fetch_max(i + 1, Ordering::AcqRel);
            NEXT.store(i + 1, Ordering::Relaxed);
            return Some(Watch(i));
        }
    }
    log::warn!("more than {SLOTS} mappings: a truncated object would now raise SIGBUS");
    None
}

fn install() {
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    PAGE.store(usize::try_from(page).unwrap_or(4096), Ordering::Relaxed);
    // SAFETY: a zeroed sigaction is a valid value to fill in; `on_sigbus` has the SA_SIGINFO
    // signature; the old disposition is written into a live out-parameter.
    unsafe {
        let mut new: libc::sigaction = std::mem::zeroed();
        new.sa_sigaction = on_sigbus as *const () as usize;
        new.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
        libc::sigemptyset(&mut new.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(libc::SIGBUS, &new, &mut old) == 0 {
            let _ = PREVIOUS.set(old);
        }
    }
}

/// The SIGBUS handler. Async-signal-safe: atomics, `mmap`, `sigaction` and `raise` only.
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let (code, addr) = unsafe { ((*info).si_code, (*info).si_addr() as usize) };
    if code == libc::BUS_ADRERR {
        let page = PAGE.load(Ordering::Relaxed);
        for r in &RANGES[..HIGH.load(Ordering::Acquire).min(SLOTS)] {
            let base = r.base.load(Ordering::Acquire);
            let len = r.len.load(Ordering::Acquire);
            if base == 0 || addr < base || addr - base >= len {
                continue;
            }
            let at = addr & !(page - 1);
            // SAFETY: the page lies inside a mapping hazcat owns (registered and not yet
            // unregistered, which happens before it is unmapped); replacing it with a private
            // zero page only changes what that mapping shows, and lets the access complete.
            let p = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_FIXED | libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                r.damaged.store(true, Ordering::Release);
                return;
            }
        }
    }
    chain(sig, info, ctx);
}

/// Hands a SIGBUS that is not ours to the disposition installed before us.
fn chain(sig: libc::c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let prev = PREVIOUS.get();
    match prev {
        Some(p) if p.sa_sigaction != libc::SIG_DFL && p.sa_sigaction != libc::SIG_IGN => {
            if p.sa_flags & libc::SA_SIGINFO != 0 {
                // SAFETY: the previous handler was installed with SA_SIGINFO, so it has this
                // signature; we pass on the kernel's arguments unchanged.
                let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                    unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig, info, ctx);
            } else {
                // SAFETY: a handler installed without SA_SIGINFO takes the signal number only.
                let f: extern "C" fn(libc::c_int) = unsafe { std::mem::transmute(p.sa_sigaction) };
                f(sig);
            }
        }
        _ => {
            // Default action (a fault cannot be ignored): restore it and deliver the signal
            // again, which ends the process as if we had never been installed.
            // SAFETY: plain signal-disposition calls with valid arguments.
            unsafe {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigemptyset(&mut dfl.sa_mask);
                libc::sigaction(libc::SIGBUS, &dfl, std::ptr::null_mut());
                libc::raise(libc::SIGBUS);
            }
        }
    }
}
