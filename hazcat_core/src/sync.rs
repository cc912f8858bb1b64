//! A robust cross-process mutex built on one futex word in shared memory.
//!
//! The word holds 0 when free, otherwise the kernel thread id of the holder, with
//! [`CONTENDED`] set when someone sleeps on it. A waiter that times out checks whether the holder
//! thread still exists; if not, it takes the lock over and reports [`Locked::Recovered`] so the
//! caller repairs the protected state (the holder may have died half-way through an update).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::os::{futex, process};

/// Bit set while at least one thread waits.
const CONTENDED: u32 = 1 << 31;
const TID_MASK: u32 = !CONTENDED;
/// How long a waiter sleeps before checking whether the holder died.
const LIVENESS_CHECK: Duration = Duration::from_millis(20);

/// How the lock was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// Normal acquisition.
    Clean,
    /// The previous holder died while holding it; protected state may be inconsistent.
    Recovered,
}

/// Acquires the lock word; returns how. Never fails: a dead holder is replaced.
pub fn lock(word: &AtomicU32) -> Locked {
    let me = process::current_tid() & TID_MASK;
    if word
        .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        return Locked::Clean;
    }
    for _ in 0..200 {
        std::hint::spin_loop();
        if word.load(Ordering::Relaxed) == 0
            && word
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return Locked::Clean;
        }
    }
    loop {
        let cur = word.load(Ordering::Relaxed);
        if cur == 0 {
            // Keep CONTENDED set: other sleepers may exist and must be woken on unlock.
            if word
                .compare_exchange(0, me | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Locked::Clean;
            }
            continue;
        }
        let holder = cur & TID_MASK;
        if holder == me {
            // Re-entrant use is a bug in the caller; do not deadlock silently.
            panic!("hazcat: shared-memory mutex locked twice by the same thread");
        }
        if cur & CONTENDED == 0
            && word
                .compare_exchange(cur, cur | CONTENDED, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            continue;
        }
        futex::wait(word, cur | CONTENDED, Some(LIVENESS_CHECK));
        let now = word.load(Ordering::Relaxed);
        if now & TID_MASK == holder
            && !process::tid_exists(holder)
            && word
                .compare_exchange(now, me | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return Locked::Recovered;
        }
    }
}

/// Releases the lock word taken by [`lock`] on this thread.
pub fn unlock(word: &AtomicU32) {
    let prev = word.swap(0, Ordering::Release);
    if prev & CONTENDED != 0 {
        futex::wake(word, 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn mutual_exclusion_between_threads() {
        let word = Arc::new(AtomicU32::new(0));
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (w, c) = (word.clone(), counter.clone());
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        assert_eq!(lock(&w), Locked::Clean);
                        // Non-atomic read-modify-write under the lock.
                        let v = c.load(Ordering::Relaxed);
                        c.store(v + 1, Ordering::Relaxed);
                        unlock(&w);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(counter.load(Ordering::Relaxed), 40_000);
    }

    #[test]
    fn dead_holder_is_recovered() {
        // A thread that exited while "holding" the lock.
        let word = Arc::new(AtomicU32::new(0));
        let w = word.clone();
        std::thread::spawn(move || {
            assert_eq!(lock(&w), Locked::Clean);
        })
        .join()
        .unwrap();
        assert_eq!(lock(&word), Locked::Recovered);
        unlock(&word);
        assert_eq!(lock(&word), Locked::Clean);
        unlock(&word);
    }
}
