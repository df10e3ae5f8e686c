//! The lease: how long the glass may stay open. Pure arithmetic on timestamps; the
//! timer that acts on it lives in the flow and the watchdog, which both ask these methods.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An open glass's time box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// When the relaxation took effect.
    pub activated_at: DateTime<Utc>,
    /// When protections must be back.
    pub deadline: DateTime<Utc>,
    /// The longest the lease may run from `activated_at`, extensions included.
    #[serde(with = "super::secs")]
    pub cap: Duration,
}

/// Why a lease cannot be created or extended as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaseError {
    #[error(
        "the deadline {deadline} is not after the activation at {activated_at}; \
         ask for a positive lease length"
    )]
    NotAfterActivation {
        activated_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    },
    #[error(
        "a lease can only be extended forward: {requested} is not after the current \
         deadline {current}; restore now if the window should end sooner"
    )]
    NotForward {
        current: DateTime<Utc>,
        requested: DateTime<Utc>,
    },
    #[error(
        "{requested} is past the lease cap ({limit}, {cap_minutes} min after activation); \
         ask for a deadline no later than {limit}, or restore and declare again"
    )]
    BeyondCap {
        requested: DateTime<Utc>,
        limit: DateTime<Utc>,
        cap_minutes: i64,
    },
}

impl Lease {
    /// A lease from `activated_at` to `deadline`, checked against `cap`.
    pub fn new(
        activated_at: DateTime<Utc>,
        deadline: DateTime<Utc>,
        cap: Duration,
    ) -> Result<Lease, LeaseError> {
        if deadline <= activated_at {
            return Err(LeaseError::NotAfterActivation {
                activated_at,
                deadline,
            });
        }
        let lease = Lease {
            activated_at,
            deadline,
            cap,
        };
        lease.check_cap(deadline)?;
        Ok(lease)
    }

    /// The latest deadline the cap allows.
    pub fn limit(&self) -> DateTime<Utc> {
        // A cap read from a hostile or corrupt log must not panic the fold.
        self.activated_at
            .checked_add_signed(self.cap)
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Time left until the deadline; zero once it has passed (never negative).
    pub fn remaining(&self, now: DateTime<Utc>) -> Duration {
        (self.deadline - now).max(Duration::zero())
    }

    /// True until the deadline; at the deadline itself the window is closed.
    pub fn window_open(&self, now: DateTime<Utc>) -> bool {
        now < self.deadline
    }

    /// True from the deadline on: protections must be restored.
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        !self.window_open(now)
    }

    /// How long the glass has been open at `now` (from activation).
    pub fn open_for(&self, now: DateTime<Utc>) -> Duration {
        (now - self.activated_at).max(Duration::zero())
    }

    /// What an incident's `cap` leaves for a new window after its glass was open for
    /// `used` in earlier ones (never negative): the cap limits the total open time.
    pub fn cap_left(cap: Duration, used: Duration) -> Duration {
        (cap - used).max(Duration::zero())
    }

    /// The lease with a later deadline, forward only and within the cap.
    pub fn extend(&self, new_deadline: DateTime<Utc>) -> Result<Lease, LeaseError> {
        if new_deadline <= self.deadline {
            return Err(LeaseError::NotForward {
                current: self.deadline,
                requested: new_deadline,
            });
        }
        self.check_cap(new_deadline)?;
        Ok(Lease {
            deadline: new_deadline,
            ..*self
        })
    }

    fn check_cap(&self, deadline: DateTime<Utc>) -> Result<(), LeaseError> {
        if deadline > self.limit() {
            return Err(LeaseError::BeyondCap {
                requested: deadline,
                limit: self.limit(),
                cap_minutes: self.cap.num_minutes(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_258_000 + secs, 0).unwrap()
    }

    fn lease() -> Lease {
        Lease::new(t(0), t(1800), Duration::hours(2)).unwrap()
    }

    #[test]
    fn window_is_open_until_the_deadline_and_closed_exactly_at_it() {
        let l = lease();
        assert!(l.window_open(t(1799)));
        assert!(!l.expired(t(1799)));
        assert!(!l.window_open(t(1800)));
        assert!(l.expired(t(1800)));
        assert_eq!(l.remaining(t(1799)), Duration::seconds(1));
        assert_eq!(l.remaining(t(1800)), Duration::zero());
        assert_eq!(l.remaining(t(5000)), Duration::zero(), "never negative");
        assert_eq!(l.open_for(t(90)), Duration::seconds(90));
    }

    #[test]
    fn extension_reaches_the_cap_exactly_but_not_past_it() {
        let l = lease();
        assert_eq!(l.extend(t(7200)).unwrap().deadline, t(7200));
        let err = l.extend(t(7201)).unwrap_err();
        assert!(matches!(err, LeaseError::BeyondCap { limit, .. } if limit == t(7200)));
        assert!(err.to_string().contains("no later than"));
    }

    #[test]
    fn extension_only_moves_forward() {
        let l = lease();
        assert!(matches!(
            l.extend(t(1800)),
            Err(LeaseError::NotForward { .. })
        ));
        assert!(matches!(
            l.extend(t(60)),
            Err(LeaseError::NotForward { .. })
        ));
        assert_eq!(l.extend(t(1801)).unwrap().activated_at, t(0));
    }

    #[test]
    fn new_rejects_empty_and_over_cap_leases() {
        let cap = Duration::hours(2);
        assert!(matches!(
            Lease::new(t(0), t(0), cap),
            Err(LeaseError::NotAfterActivation { .. })
        ));
        assert!(Lease::new(t(0), t(7200), cap).is_ok());
        assert!(matches!(
            Lease::new(t(0), t(7201), cap),
            Err(LeaseError::BeyondCap { .. })
        ));
    }

    #[test]
    fn the_cap_left_for_a_new_window_is_what_earlier_windows_did_not_use() {
        let cap = Duration::hours(2);
        assert_eq!(Lease::cap_left(cap, Duration::zero()), cap);
        assert_eq!(
            Lease::cap_left(cap, Duration::minutes(90)),
            Duration::minutes(30)
        );
        assert_eq!(Lease::cap_left(cap, Duration::hours(3)), Duration::zero());
        // A follow-up lease on what is left cannot reach past the total.
        let left = Lease::cap_left(cap, Duration::minutes(100));
        assert!(Lease::new(t(0), t(20 * 60), left).is_ok());
        assert!(matches!(
            Lease::new(t(0), t(20 * 60 + 1), left),
            Err(LeaseError::BeyondCap { .. })
        ));
    }

    #[test]
    fn a_lease_serialises_with_readable_times_and_round_trips() {
        let value = serde_json::to_value(lease()).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "activated_at": "2026-01-01T09:00:00Z",
                "deadline": "2026-01-01T09:30:00Z",
                "cap": 7200
            })
        );
        assert_eq!(serde_json::from_value::<Lease>(value).unwrap(), lease());
    }
}
