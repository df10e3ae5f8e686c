//! Pure retry logic: sorts an answer into success / rate limit / server error / final
//! error from its status, headers and message, and decides whether to wait and retry.
//! No I/O and no clock reads: `now` is passed in.

use super::request::Idempotence;
use chrono::{DateTime, TimeZone, Utc};
use http::HeaderMap;
use std::time::Duration;

/// What kind of answer GitHub gave (forge-api §4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseClass {
    /// 1xx–3xx: the request was handled.
    Success,
    /// 403/429 with `x-ratelimit-remaining: 0`: nothing before `x-ratelimit-reset`.
    PrimaryRateLimit { reset: Option<DateTime<Utc>> },
    /// 403/429 whose message names the secondary rate limit (or a 429 / `retry-after`
    /// without other markers).
    SecondaryRateLimit {
        retry_after: Option<Duration>,
        /// Set when the primary budget is exhausted too: wait for it.
        reset: Option<DateTime<Utc>>,
    },
    /// 5xx: transient on GitHub's side.
    ServerError,
    /// Any other 4xx, including a 403 without rate-limit markers (an authorisation
    /// failure, never retried).
    ClientError,
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

fn reset_time(headers: &HeaderMap) -> Option<DateTime<Utc>> {
    let epoch: i64 = header(headers, "x-ratelimit-reset")?.parse().ok()?;
    Utc.timestamp_opt(epoch, 0).single()
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header(headers, "retry-after")?
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Sorts an answer by status, headers and GitHub's `message`.
pub fn classify(status: u16, headers: &HeaderMap, message: &str) -> ResponseClass {
    match status {
        100..=399 => ResponseClass::Success,
        403 | 429 => {
            let exhausted = header(headers, "x-ratelimit-remaining") == Some("0");
            let says_secondary = message
                .to_ascii_lowercase()
                .contains("secondary rate limit");
            let retry_after = retry_after(headers);
            if says_secondary
                || (retry_after.is_some() && !exhausted)
                || (status == 429 && !exhausted)
            {
                ResponseClass::SecondaryRateLimit {
                    retry_after,
                    reset: exhausted.then(|| reset_time(headers)).flatten(),
                }
            } else if exhausted {
                ResponseClass::PrimaryRateLimit {
                    reset: reset_time(headers),
                }
            } else {
                ResponseClass::ClientError
            }
        }
        500..=599 => ResponseClass::ServerError,
        _ => ResponseClass::ClientError,
    }
}

/// How hard the client tries before giving up. Every wait is bounded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total for a request that meets 5xx, timeouts or connection errors
    /// (idempotent requests only).
    pub max_attempts: u32,
    /// First backoff; doubled on each further retry.
    pub base_delay: Duration,
    /// Cap on a single backoff.
    pub max_delay: Duration,
    /// Cap on the time spent waiting for transient failures in one request.
    pub max_total_wait: Duration,
    /// Longest wait for a primary rate limit to reset; beyond it the request fails with
    /// `RateLimited { until }`.
    pub max_rate_limit_wait: Duration,
    /// First wait after a secondary rate limit without `retry-after` (GitHub: ≥ 60 s).
    pub secondary_min_wait: Duration,
    /// Rate-limit waits allowed for one request before giving up.
    pub max_rate_limit_waits: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_total_wait: Duration::from_secs(30),
            max_rate_limit_wait: Duration::from_secs(300),
            secondary_min_wait: Duration::from_secs(60),
            max_rate_limit_waits: 3,
        }
    }
}

impl RetryPolicy {
    /// The wait before transient retry number `retry` (1-based): base, 2·base, 4·base… capped.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }

    /// The wait before secondary-limit retry number `retry` (1-based) when GitHub gave no
    /// `retry-after`: 60 s, 120 s, 240 s…
    pub fn secondary_backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.secondary_min_wait.saturating_mul(factor)
    }
}

/// What one request has used up so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryBudget {
    /// Requests sent so far (the first one included).
    pub attempts: u32,
    pub rate_limit_waits: u32,
    pub transient_waited: Duration,
}

/// Why the client stopped retrying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiveUp {
    /// Take the answer as it is (success or a final error the caller maps).
    Final,
    /// The primary limit resets later than we may wait.
    RateLimitedUntil(DateTime<Utc>),
    /// Secondary limit: out of tries.
    SecondaryExhausted,
    /// 5xx / timeout / connection error: out of attempts or time, or not safe to resend.
    TransientExhausted,
}

/// The next step after an answer or a failure to get one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Stop(GiveUp),
    RetryAfter(Duration),
}

/// Decides on an answer of class `class`. `now` is the forge-relevant current time.
pub fn decide(
    class: &ResponseClass,
    idempotence: Idempotence,
    budget: &RetryBudget,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Decision {
    match class {
        ResponseClass::Success | ResponseClass::ClientError => Decision::Stop(GiveUp::Final),
        // A rate-limited request was not processed, so even a creating POST may be resent.
        ResponseClass::PrimaryRateLimit { reset } => match reset {
            Some(reset) => wait_for_reset(*reset, budget, policy, now),
            None => secondary_wait(None, budget, policy),
        },
        ResponseClass::SecondaryRateLimit { retry_after, reset } => match (retry_after, reset) {
            (None, Some(reset)) => wait_for_reset(*reset, budget, policy, now),
            _ => secondary_wait(*retry_after, budget, policy),
        },
        ResponseClass::ServerError => transient(idempotence, budget, policy),
    }
}

/// Decides after a timeout or connection failure (no answer at all).
pub fn decide_without_answer(
    idempotence: Idempotence,
    budget: &RetryBudget,
    policy: &RetryPolicy,
) -> Decision {
    transient(idempotence, budget, policy)
}

fn wait_for_reset(
    reset: DateTime<Utc>,
    budget: &RetryBudget,
    policy: &RetryPolicy,
    now: DateTime<Utc>,
) -> Decision {
    let wait = (reset - now).to_std().unwrap_or(Duration::ZERO) + Duration::from_secs(1);
    if wait > policy.max_rate_limit_wait || budget.rate_limit_waits >= policy.max_rate_limit_waits {
        Decision::Stop(GiveUp::RateLimitedUntil(reset))
    } else {
        Decision::RetryAfter(wait)
    }
}

fn secondary_wait(
    retry_after: Option<Duration>,
    budget: &RetryBudget,
    policy: &RetryPolicy,
) -> Decision {
    if budget.rate_limit_waits >= policy.max_rate_limit_waits {
        return Decision::Stop(GiveUp::SecondaryExhausted);
    }
    let wait = retry_after.unwrap_or_else(|| policy.secondary_backoff(budget.rate_limit_waits + 1));
    if wait > policy.max_rate_limit_wait {
        return Decision::Stop(GiveUp::SecondaryExhausted);
    }
    Decision::RetryAfter(wait)
}

fn transient(idempotence: Idempotence, budget: &RetryBudget, policy: &RetryPolicy) -> Decision {
    if idempotence == Idempotence::Creates || budget.attempts >= policy.max_attempts {
        return Decision::Stop(GiveUp::TransientExhausted);
    }
    let wait = policy.backoff(budget.attempts);
    if budget.transient_waited + wait > policy.max_total_wait {
        return Decision::Stop(GiveUp::TransientExhausted);
    }
    Decision::RetryAfter(wait)
}

#[cfg(test)]
mod tests;
