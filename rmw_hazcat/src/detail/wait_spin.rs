//! Polling before sleeping in `rmw_wait`: whether a wait polls its wake-up word first, and for how
//! long.
//!
//! A sleeping waiter is woken by a futex wake-up; when the waker runs on another CPU that is idle,
//! the wake-up costs what the machine needs to bring that CPU back (on the 2-vCPU KVM guest of
//! benchmarks/README.md ~25 µs per hop, against ~3 µs when both processes share a CPU). A waiter
//! that polls for a while first sees an answer that comes within that time without sleeping, at
//! the price of that much CPU time whenever nothing comes. By default a wait set polls only where
//! its recent waits show that polling pays (request/response traffic, fast streams); see
//! [`SpinState`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hazcat_core::Listener;

/// Environment variable: microseconds every `rmw_wait` polls for news before it sleeps (0: never
/// poll); unset: adaptive polling.
pub const WAIT_SPIN_ENV: &str = "HAZCAT_WAIT_SPIN_US";

/// Upper bound of [`WAIT_SPIN_ENV`].
const MAX_WAIT_SPIN: Duration = Duration::from_millis(1);

/// How long an adaptive wait polls.
pub const ADAPTIVE_SPIN: Duration = Duration::from_micros(50);

/// After this many failed polls in a row a wait set polls once per this many waits at most.
const MAX_BACKOFF: u32 = 64;

/// How waits poll before they sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpinPolicy {
    /// `HAZCAT_WAIT_SPIN_US=N`: every wait that would block polls up to N µs (0: never).
    Fixed(Duration),
    /// The default: up to this long, when [`SpinState`] says polling pays.
    Adaptive(Duration),
}

/// Messages this process has published, requests and responses included: a wait that follows a
/// send of its own probably waits for an answer.
static SENT: AtomicU64 = AtomicU64::new(0);

/// Counts a message sent by this process (every publish path calls it).
pub fn note_sent() {
    SENT.fetch_add(1, Ordering::Relaxed);
}

/// Messages sent by this process so far.
pub fn sent_count() -> u64 {
    SENT.load(Ordering::Relaxed)
}

/// The process's policy: from `HAZCAT_WAIT_SPIN_US` (read once per process).
pub fn wait_spin() -> SpinPolicy {
    static SPIN: OnceLock<SpinPolicy> = OnceLock::new();
    *SPIN.get_or_init(|| parse_spin(std::env::var(WAIT_SPIN_ENV).ok().as_deref()))
}

/// Unset or not a number (ignored with a warning): adaptive; a number: fixed, at most
/// [`MAX_WAIT_SPIN`].
fn parse_spin(v: Option<&str>) -> SpinPolicy {
    let Some(v) = v else {
        return SpinPolicy::Adaptive(ADAPTIVE_SPIN);
    };
    match v.trim().parse::<u64>() {
        Ok(us) => SpinPolicy::Fixed(Duration::from_micros(us).min(MAX_WAIT_SPIN)),
        Err(_) => {
            log::warn!(
                "{WAIT_SPIN_ENV}={v:?} is not a number of microseconds: ignored (adaptive polling)"
            );
            SpinPolicy::Adaptive(ADAPTIVE_SPIN)
        }
    }
}

/// What adaptive polling learnt from a wait set's earlier blocking waits (waits that returned at
/// once teach nothing and are not recorded).
///
/// A wait polls only when the last blocking wait had news within twice the budget (the wake-ups
/// a sleeping pair pays disappear once both poll), so a wait set whose waits end by timeout or
/// take longer (timers, sensors at ordinary rates, an idle node) never polls. A poll pays when it
/// finds news within its budget after this process sent something since the previous wait (it
/// waits for an answer being computed), or within half its budget otherwise (a stream consumer:
/// news at the end of the budget means a stream not much faster than the budget, where polling
/// costs a CPU for little). One that does not pay makes the wait set skip polling for 1, 2, 4,
/// ... up to [`MAX_BACKOFF`] waits, so such streams cost at most one poll in many waits; one that
/// pays halves that (a stream whose polls pay now and then by jitter still backs off;
/// request/response traffic, whose polls all pay, never does).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SpinState {
    quick: bool,
    skip: u32,
    backoff: u32,
    /// [`sent_count`] when the last wait ended.
    sent: u64,
}

impl SpinState {
    /// How soon a poll of `budget` must find news to pay: all of it when this process sent
    /// something since the last wait (`sent_now`: [`sent_count`] now), half of it otherwise.
    pub fn pays_within(&self, budget: Duration, sent_now: u64) -> Duration {
        if sent_now != self.sent {
            budget
        } else {
            budget / 2
        }
    }

    /// How long the next wait polls.
    pub fn budget(&self, policy: SpinPolicy) -> Duration {
        match policy {
            SpinPolicy::Fixed(d) => d,
            SpinPolicy::Adaptive(d) if self.quick && self.skip == 0 => d,
            SpinPolicy::Adaptive(_) => Duration::ZERO,
        }
    }

    /// Remembers [`sent_count`] at the end of a wait (blocking or not).
    pub fn end_wait(&mut self, sent_now: u64) {
        self.sent = sent_now;
    }

    /// Records a blocking wait: whether it polled, whether the poll paid (found news within
    /// [`SpinState::pays_within`]), whether the wait ended with news at all, and how long it took.
    pub fn record(
        &mut self,
        policy: SpinPolicy,
        spun: bool,
        paid: bool,
        news: bool,
        elapsed: Duration,
    ) {
        let SpinPolicy::Adaptive(d) = policy else {
            return;
        };
        self.quick = news && elapsed <= d * 2;
        if spun && paid {
            self.backoff /= 2;
        } else if spun {
            self.backoff = (self.backoff * 2).clamp(1, MAX_BACKOFF);
            self.skip = self.backoff;
        } else {
            self.skip = self.skip.saturating_sub(1);
        }
    }
}

/// Polls `listener` until its word moves away from `epoch` (true) or `budget` passes (false),
/// yielding the CPU between polls so a partner on the same CPU can run.
pub fn spin_for_change(listener: &Listener, epoch: u32, budget: Duration) -> bool {
    let end = Instant::now() + budget;
    loop {
        if listener.epoch() != epoch {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const US: fn(u64) -> Duration = Duration::from_micros;

    #[test]
    fn spin_setting_is_parsed_and_capped() {
        let adaptive = SpinPolicy::Adaptive(ADAPTIVE_SPIN);
        assert_eq!(parse_spin(None), adaptive);
        assert_eq!(parse_spin(Some("")), adaptive);
        assert_eq!(parse_spin(Some("abc")), adaptive);
        assert_eq!(parse_spin(Some("-5")), adaptive);
        assert_eq!(parse_spin(Some("0")), SpinPolicy::Fixed(Duration::ZERO));
        assert_eq!(parse_spin(Some(" 40 ")), SpinPolicy::Fixed(US(40)));
        assert_eq!(
            parse_spin(Some("1000000")),
            SpinPolicy::Fixed(MAX_WAIT_SPIN)
        );
    }

    #[test]
    fn a_fixed_budget_polls_every_wait() {
        let f = SpinPolicy::Fixed(US(20));
        let mut s = SpinState::default();
        for _ in 0..3 {
            assert_eq!(s.budget(f), US(20));
            s.record(f, true, false, false, US(500));
        }
        assert_eq!(
            SpinState::default().budget(SpinPolicy::Fixed(Duration::ZERO)),
            Duration::ZERO
        );
    }

    #[test]
    fn adaptive_polls_after_quick_news_only() {
        let a = SpinPolicy::Adaptive(US(50));
        let mut s = SpinState::default();
        assert_eq!(s.budget(a), Duration::ZERO, "a new wait set sleeps at once");
        // Slow news, or none (a timeout): still no polling.
        s.record(a, false, false, true, US(101));
        assert_eq!(s.budget(a), Duration::ZERO);
        s.record(a, false, false, false, US(10));
        assert_eq!(s.budget(a), Duration::ZERO);
        // News within twice the budget (a sleeping ping-pong pair): poll next time.
        s.record(a, false, false, true, US(100));
        assert_eq!(s.budget(a), US(50));
        // Polls that pay keep it polling.
        for _ in 0..10 {
            s.record(a, true, true, true, US(3));
            assert_eq!(s.budget(a), US(50));
        }
        // A long wait (the pair stopped) ends it.
        s.record(a, true, false, true, US(5000));
        assert_eq!(s.budget(a), Duration::ZERO);
    }

    #[test]
    fn a_poll_after_a_send_of_ours_may_take_its_whole_budget_to_pay() {
        let mut s = SpinState::default();
        s.end_wait(7);
        assert_eq!(
            s.pays_within(US(50), 7),
            US(25),
            "nothing sent: a stream consumer"
        );
        assert_eq!(
            s.pays_within(US(50), 8),
            US(50),
            "sent since: an answer is awaited"
        );
        s.end_wait(8);
        assert_eq!(s.pays_within(US(50), 8), US(25));
    }

    #[test]
    fn failed_polls_back_off_exponentially() {
        let a = SpinPolicy::Adaptive(US(50));
        let mut s = SpinState::default();
        s.record(a, false, false, true, US(90));
        // A stream just too slow for the budget: every poll fails, news comes at 90 µs.
        let mut polls = 0;
        for _ in 0..1000 {
            let spun = !s.budget(a).is_zero();
            polls += u32::from(spun);
            s.record(a, spun, false, true, US(90));
        }
        // 1 + 1 + 2 + 4 + ... + 64 skipped waits, then one poll per 65 waits.
        assert!(polls <= 7 + 1000 / 65 + 1, "{polls} polls in 1000 waits");
        assert!(polls >= 1000 / 65, "{polls} polls in 1000 waits");
        // Polls that pay halve the back-off (64 -> 32 -> ... -> 0): after seven of them, one
        // failure skips a single wait again.
        for _ in 0..7 {
            while s.budget(a).is_zero() {
                s.record(a, false, false, true, US(90));
            }
            s.record(a, true, true, true, US(4));
            assert_eq!(s.budget(a), US(50));
        }
        s.record(a, true, false, true, US(90));
        assert_eq!(s.budget(a), Duration::ZERO);
        s.record(a, false, false, true, US(90));
        assert_eq!(s.budget(a), US(50), "one skipped wait after one failure");
    }
}
