//! A robust cross-process mutex built on one futex word in shared memory.
//!
//! The word is 0 when free. Otherwise it names the holder by something the kernel vouches for:
//! the holder's *participant slot* (its row in the domain registry, whose OFD lock the kernel
//! drops when the process dies — see [`crate::os::ofd`]) and the slot's *incarnation* (bumped
//! each time a process claims the slot, so a dead holder's slot reused by a newcomer is not
//! mistaken for the holder), plus [`CONTENDED`] when someone sleeps on it. Thread ids are never
//! used: they mean nothing in another PID namespace.
//!
//! A waiter wakes up periodically and asks the caller-supplied liveness test whether the holder's
//! slot is still alive. A dead (or meaningless) holder is replaced and the caller told
//! [`Locked::Recovered`], so it repairs the protected state. A live holder is waited for at most
//! [`lock_timeout`]; then the waiter gives up with a [`LockError`] naming the object — a waiter
//! never hangs.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::os::futex;

/// Bit set while at least one thread waits.
const CONTENDED: u32 = 1 << 31;
/// Low bits: participant slot + 1 (0: no valid holder).
const SLOT_BITS: u32 = 8;
const SLOT_MASK: u32 = (1 << SLOT_BITS) - 1;
/// Bits of the slot incarnation kept in the word (above the slot bits, below CONTENDED).
pub const INCARNATION_MASK: u32 = (1 << 23) - 1;
/// How long a waiter sleeps before checking whether the holder died.
const LIVENESS_CHECK: Duration = Duration::from_millis(20);
/// Default of [`lock_timeout`].
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest a waiter waits for a live holder: `HAZCAT_LOCK_TIMEOUT_MS` (milliseconds, read
/// once per process), default 10 s. Critical sections are a few memory operations, so a live
/// holder that keeps a lock this long is stopped (a debugger, `SIGSTOP`) or the word is forged.
pub fn lock_timeout() -> Duration {
    static T: OnceLock<Duration> = OnceLock::new();
    *T.get_or_init(|| {
        std::env::var("HAZCAT_LOCK_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis)
    })
}

/// The lock word a holder in participant slot `slot`, incarnation `incarnation`, writes (without
/// [`CONTENDED`]). Public so that tests can forge holders.
pub fn holder_word(slot: u32, incarnation: u32) -> u32 {
    ((incarnation & INCARNATION_MASK) << SLOT_BITS) | (slot.wrapping_add(1) & SLOT_MASK)
}

/// Who a non-zero lock word names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The holder's participant slot; `None` when the word names none (garbage).
    pub slot: Option<u32>,
    /// Incarnation of the slot the holder claimed (low bits, see [`INCARNATION_MASK`]).
    pub incarnation: u32,
}

impl Holder {
    /// Decodes a lock word.
    pub fn of(word: u32) -> Holder {
        let s = word & SLOT_MASK;
        Holder {
            slot: (s != 0).then(|| s - 1),
            incarnation: (word >> SLOT_BITS) & INCARNATION_MASK,
        }
    }
}

/// How the lock was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locked {
    /// Normal acquisition.
    Clean,
    /// The previous holder died while holding it; protected state may be inconsistent.
    Recovered,
}

/// Why a lock could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockError {
    /// Name of the shared-memory object whose lock it is.
    pub object: String,
    /// The holder named by the word when the waiter gave up.
    pub holder: Holder,
    /// How long the waiter waited.
    pub waited: Duration,
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slot = self
            .holder
            .slot
            .map_or_else(|| "none".to_owned(), |s| s.to_string());
        write!(
            f,
            "the lock of shared memory '{}' is held by live participant slot {slot} \
             (incarnation {}); gave up after {:?} (holder stopped, re-entrant use, or lock word \
             forged)",
            self.object, self.holder.incarnation, self.waited
        )
    }
}

impl std::error::Error for LockError {}

/// Acquires the lock word on behalf of the participant `me` (its slot and incarnation, see
/// [`holder_word`]), waiting at most [`lock_timeout`] for a live holder. `alive(holder)` tells
/// whether the holder's slot is still held by the incarnation that took the lock (it is asked
/// about other threads of the caller's own participant too, and must say yes); a holder it
/// declares dead, or a word naming no slot, is replaced. `object` names the object in the error.
pub fn lock(
    word: &AtomicU32,
    me: Holder,
    alive: impl Fn(Holder) -> bool,
    object: &str,
) -> Result<Locked, LockError> {
    let me = holder_word(me.slot.unwrap_or(u32::MAX), me.incarnation);
    if word
        .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
        .is_ok()
    {
        return Ok(Locked::Clean);
    }
    for _ in 0..200 {
        std::hint::spin_loop();
        if word.load(Ordering::Relaxed) == 0
            && word
                .compare_exchange(0, me, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        {
            return Ok(Locked::Clean);
        }
    }
    let start = Instant::now();
    let limit = lock_timeout();
    // Whether the current holder has been judged since the last sleep (judge at most once per
    // sleep: the liveness test is a system call).
    let mut judged: Option<u32> = None;
    loop {
        let cur = word.load(Ordering::Relaxed);
        if cur == 0 {
            // Keep CONTENDED set: other sleepers may exist and must be woken on unlock.
            if word
                .compare_exchange(0, me | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                return Ok(Locked::Clean);
            }
            continue;
        }
        let holder = Holder::of(cur);
        if judged != Some(cur & !CONTENDED) {
            judged = Some(cur & !CONTENDED);
            let dead = holder.slot.is_none() || !alive(holder);
            if dead {
                if word
                    .compare_exchange(cur, me | CONTENDED, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return Ok(Locked::Recovered);
                }
                continue;
            }
        }
        let waited = start.elapsed();
        if waited >= limit {
            return Err(LockError {
                object: object.to_owned(),
                holder,
                waited,
            });
        }
        if cur & CONTENDED == 0
            && word
                .compare_exchange(cur, cur | CONTENDED, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            continue;
        }
        futex::wait(
            word,
            cur | CONTENDED,
            Some(LIVENESS_CHECK.min(limit - waited)),
        );
        judged = None;
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

    fn slot(s: u32, incarnation: u32) -> Holder {
        Holder {
            slot: Some(s),
            incarnation,
        }
    }

    #[test]
    fn mutual_exclusion_between_threads_of_one_participant() {
        let word = Arc::new(AtomicU32::new(0));
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (w, c) = (word.clone(), counter.clone());
                std::thread::spawn(move || {
                    for _ in 0..10_000 {
                        assert_eq!(lock(&w, slot(3, 1), |_| true, "t"), Ok(Locked::Clean));
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
    fn dead_or_meaningless_holder_is_recovered() {
        let word = AtomicU32::new(holder_word(5, 9));
        let alive = |h: Holder| h != slot(5, 9);
        assert_eq!(lock(&word, slot(1, 1), alive, "t"), Ok(Locked::Recovered));
        unlock(&word);
        assert_eq!(lock(&word, slot(1, 1), |_| true, "t"), Ok(Locked::Clean));
        unlock(&word);
        // A word naming no slot at all (garbage) is replaced without asking anyone.
        word.store(0x7fff_ff00, Ordering::Relaxed);
        assert_eq!(
            lock(&word, slot(1, 1), |_| true, "t"),
            Ok(Locked::Recovered)
        );
        unlock(&word);
    }

    #[test]
    fn holder_words_round_trip() {
        let h = Holder::of(holder_word(127, INCARNATION_MASK) | CONTENDED);
        assert_eq!(h, slot(127, INCARNATION_MASK));
        assert_eq!(Holder::of(0).slot, None);
    }
}
