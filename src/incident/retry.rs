//! How a failing restore is retried and how often the log hears about it: one policy for
//! the watchdog, the TUI's deadline guard and the one-shot commands, so the "retrying
//! every …" the operator is shown is the pause the restorers really take.

use super::state::RestoreFailing;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Capped exponential backoff between restore attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The pause after the first failed attempt.
    pub first: Duration,
    /// No pause is longer: a forge that comes back is noticed within this.
    pub cap: Duration,
}

/// The restore policy: 1 s doubling to 30 s.
pub const RESTORE_RETRY: RetryPolicy = RetryPolicy {
    first: Duration::from_secs(1),
    cap: Duration::from_secs(30),
};

/// After the first recorded failure, at most one `restore_failed` per this interval: a
/// forge down for an hour must not bury the log (and the mirrored issue) in failures.
pub const FAILURE_RECORD_INTERVAL: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl RetryPolicy {
    /// The pause after `failed_attempts` failed attempts in a row (at least one).
    pub fn delay_after(&self, failed_attempts: u32) -> Duration {
        let doublings = failed_attempts.saturating_sub(1).min(31);
        self.first
            .checked_mul(1u32 << doublings)
            .map_or(self.cap, |d| d.min(self.cap))
    }
}

/// True when a failed attempt at `now` should be recorded: the first failure of a run of
/// failures, or the first one a whole interval after the last recorded one.
pub fn failure_record_due(failing: Option<&RestoreFailing>, now: DateTime<Utc>) -> bool {
    failing.is_none_or(|f| now - f.last_recorded_at >= FAILURE_RECORD_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pause_doubles_from_one_second_and_stops_at_thirty() {
        let pauses: Vec<u64> = (1..=8)
            .map(|n| RESTORE_RETRY.delay_after(n).as_secs())
            .collect();
        assert_eq!(pauses, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(RESTORE_RETRY.delay_after(u32::MAX), Duration::from_secs(30));
        assert_eq!(RESTORE_RETRY.delay_after(0), Duration::from_secs(1));
    }

    #[test]
    fn a_failure_is_recorded_first_and_then_once_a_minute() {
        let t0: DateTime<Utc> = "2026-01-01T19:50:00Z".parse().unwrap();
        let failing = RestoreFailing {
            since: t0,
            attempts: 1,
            last_error: "503".into(),
            last_recorded_at: t0,
            retry_every: chrono::TimeDelta::seconds(1),
        };
        assert!(failure_record_due(None, t0));
        assert!(!failure_record_due(
            Some(&failing),
            t0 + chrono::TimeDelta::seconds(59)
        ));
        assert!(failure_record_due(
            Some(&failing),
            t0 + chrono::TimeDelta::seconds(60)
        ));
    }
}
