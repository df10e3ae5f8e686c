//! Table-driven checks of the retry rules against header sets shaped like GitHub's.

use super::*;
use http::{HeaderName, HeaderValue};

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn at(epoch: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(epoch, 0).unwrap()
}

const NOW: i64 = 1_767_258_000; // 2026-01-01T09:00:00Z

/// A primary-limit 403 as GitHub sends it.
fn primary_limit_headers(reset_in: i64) -> HeaderMap {
    headers(&[
        ("x-ratelimit-limit", "5000"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-used", "5000"),
        ("x-ratelimit-reset", &(NOW + reset_in).to_string()),
        ("x-ratelimit-resource", "core"),
    ])
}

const SECONDARY_MESSAGE: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ABC.";

#[test]
fn answers_are_classified_like_the_reference_says() {
    let plenty = headers(&[
        ("x-ratelimit-limit", "5000"),
        ("x-ratelimit-remaining", "4999"),
        ("x-ratelimit-reset", "1767261600"),
    ]);
    let cases: Vec<(&str, u16, HeaderMap, &str, ResponseClass)> = vec![
        ("200", 200, plenty.clone(), "", ResponseClass::Success),
        ("204", 204, HeaderMap::new(), "", ResponseClass::Success),
        (
            "primary 403",
            403,
            primary_limit_headers(120),
            "API rate limit exceeded for user ID 1.",
            ResponseClass::PrimaryRateLimit {
                reset: Some(at(NOW + 120)),
            },
        ),
        (
            "primary 429",
            429,
            primary_limit_headers(30),
            "API rate limit exceeded",
            ResponseClass::PrimaryRateLimit {
                reset: Some(at(NOW + 30)),
            },
        ),
        (
            "secondary with retry-after",
            403,
            headers(&[("retry-after", "45"), ("x-ratelimit-remaining", "4000")]),
            SECONDARY_MESSAGE,
            ResponseClass::SecondaryRateLimit {
                retry_after: Some(Duration::from_secs(45)),
                reset: None,
            },
        ),
        (
            "secondary without retry-after",
            403,
            plenty.clone(),
            SECONDARY_MESSAGE,
            ResponseClass::SecondaryRateLimit {
                retry_after: None,
                reset: None,
            },
        ),
        (
            "secondary with primary exhausted",
            403,
            primary_limit_headers(90),
            SECONDARY_MESSAGE,
            ResponseClass::SecondaryRateLimit {
                retry_after: None,
                reset: Some(at(NOW + 90)),
            },
        ),
        (
            "429 with retry-after only",
            429,
            headers(&[("retry-after", "7")]),
            "",
            ResponseClass::SecondaryRateLimit {
                retry_after: Some(Duration::from_secs(7)),
                reset: None,
            },
        ),
        (
            "plain 403",
            403,
            plenty.clone(),
            "Resource not accessible by personal access token",
            ResponseClass::ClientError,
        ),
        (
            "403 naming a missing permission",
            403,
            headers(&[
                ("x-accepted-github-permissions", "administration=write"),
                ("x-ratelimit-remaining", "4990"),
            ]),
            "Resource not accessible by integration",
            ResponseClass::ClientError,
        ),
        (
            "404 branch not protected",
            404,
            plenty.clone(),
            "Branch not protected",
            ResponseClass::ClientError,
        ),
        (
            "422 oneOf",
            422,
            plenty.clone(),
            "Invalid request.\n\nMore than one subschema in \"oneOf\" matched.",
            ResponseClass::ClientError,
        ),
        (
            "500",
            500,
            HeaderMap::new(),
            "Server Error",
            ResponseClass::ServerError,
        ),
        ("502", 502, HeaderMap::new(), "", ResponseClass::ServerError),
    ];
    for (name, status, headers, message, expected) in cases {
        assert_eq!(classify(status, &headers, message), expected, "{name}");
    }
}

fn budget(attempts: u32, rate_limit_waits: u32, waited_ms: u64) -> RetryBudget {
    RetryBudget {
        attempts,
        rate_limit_waits,
        transient_waited: Duration::from_millis(waited_ms),
    }
}

#[test]
fn decisions_follow_the_policy() {
    use Idempotence::*;
    let policy = RetryPolicy::default();
    let now = at(NOW);
    let secondary = |retry_after: Option<u64>| ResponseClass::SecondaryRateLimit {
        retry_after: retry_after.map(Duration::from_secs),
        reset: None,
    };
    let cases: Vec<(&str, ResponseClass, Idempotence, RetryBudget, Decision)> = vec![
        (
            "success is final",
            ResponseClass::Success,
            Idempotent,
            budget(1, 0, 0),
            Decision::Stop(GiveUp::Final),
        ),
        (
            "plain 403 is never retried",
            ResponseClass::ClientError,
            Idempotent,
            budget(1, 0, 0),
            Decision::Stop(GiveUp::Final),
        ),
        (
            "5xx on GET backs off",
            ResponseClass::ServerError,
            Idempotent,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_millis(500)),
        ),
        (
            "second 5xx doubles",
            ResponseClass::ServerError,
            Idempotent,
            budget(2, 0, 500),
            Decision::RetryAfter(Duration::from_secs(1)),
        ),
        (
            "attempts exhausted",
            ResponseClass::ServerError,
            Idempotent,
            budget(4, 0, 3500),
            Decision::Stop(GiveUp::TransientExhausted),
        ),
        (
            "total wait exhausted",
            ResponseClass::ServerError,
            Idempotent,
            budget(2, 0, 29_500),
            Decision::Stop(GiveUp::TransientExhausted),
        ),
        (
            "5xx on a creating POST is not resent",
            ResponseClass::ServerError,
            Creates,
            budget(1, 0, 0),
            Decision::Stop(GiveUp::TransientExhausted),
        ),
        (
            "primary limit resetting soon: wait until reset + 1 s",
            ResponseClass::PrimaryRateLimit {
                reset: Some(at(NOW + 120)),
            },
            Creates,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_secs(121)),
        ),
        (
            "primary limit resetting too late",
            ResponseClass::PrimaryRateLimit {
                reset: Some(at(NOW + 3600)),
            },
            Idempotent,
            budget(1, 0, 0),
            Decision::Stop(GiveUp::RateLimitedUntil(at(NOW + 3600))),
        ),
        (
            "primary reset already past: retry after a second",
            ResponseClass::PrimaryRateLimit {
                reset: Some(at(NOW - 5)),
            },
            Idempotent,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_secs(1)),
        ),
        (
            "secondary honours retry-after",
            secondary(Some(45)),
            Idempotent,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_secs(45)),
        ),
        (
            "secondary without retry-after waits a minute",
            secondary(None),
            Idempotent,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_secs(60)),
        ),
        (
            "then backs off exponentially",
            secondary(None),
            Idempotent,
            budget(3, 2, 0),
            Decision::RetryAfter(Duration::from_secs(240)),
        ),
        (
            "and gives up after N tries",
            secondary(None),
            Idempotent,
            budget(4, 3, 0),
            Decision::Stop(GiveUp::SecondaryExhausted),
        ),
        (
            "secondary with exhausted primary waits for reset",
            ResponseClass::SecondaryRateLimit {
                retry_after: None,
                reset: Some(at(NOW + 10)),
            },
            Idempotent,
            budget(1, 0, 0),
            Decision::RetryAfter(Duration::from_secs(11)),
        ),
    ];
    for (name, class, idempotence, budget, expected) in cases {
        assert_eq!(
            decide(&class, idempotence, &budget, &policy, now),
            expected,
            "{name}"
        );
    }
}

#[test]
fn backoff_schedule_doubles_and_caps() {
    let policy = RetryPolicy::default();
    let schedule: Vec<u128> = (1..=6).map(|n| policy.backoff(n).as_millis()).collect();
    assert_eq!(schedule, [500, 1000, 2000, 4000, 8000, 8000]);
    let secondary: Vec<u64> = (1..=3)
        .map(|n| policy.secondary_backoff(n).as_secs())
        .collect();
    assert_eq!(secondary, [60, 120, 240]);
}

#[test]
fn lost_answers_are_retried_only_when_safe() {
    let policy = RetryPolicy::default();
    assert_eq!(
        decide_without_answer(Idempotence::Idempotent, &budget(1, 0, 0), &policy),
        Decision::RetryAfter(Duration::from_millis(500))
    );
    assert_eq!(
        decide_without_answer(Idempotence::Creates, &budget(1, 0, 0), &policy),
        Decision::Stop(GiveUp::TransientExhausted)
    );
}
