//! Fault injection observed from the outside: each fault kind, counts, the control API
//! and drift, over loopback.

mod sandbox_support;

use breakglass::forge::RepoId;
use breakglass::forge::sandbox::{Fault, Sandbox, SandboxOptions};
use sandbox_support::{as_user, call, raw, start};
use serde_json::json;
use std::time::{Duration, Instant};

const PROTECTION: &str = "/repos/acme/api/branches/main/protection";

fn fault(spec: &str) -> Fault {
    Fault::parse(spec).unwrap()
}

#[tokio::test]
async fn server_errors_run_out_after_their_count() {
    let sb = Sandbox::start(SandboxOptions {
        faults: vec![fault("get:/repos/*/branches/*/protection=502x2")],
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let statuses: Vec<u16> = futures::future::join_all(
        (0..3).map(|_| as_user(&sb, "commander", "GET", PROTECTION, None)),
    )
    .await
    .iter()
    .map(|r| r.status)
    .collect();
    let mut sorted = statuses.clone();
    sorted.sort();
    assert_eq!(sorted, vec![200, 502, 502]);
    let log = sb.request_log();
    assert_eq!(log.iter().filter(|r| r.fault.is_some()).count(), 2);
    assert!(
        sb.faults().is_empty(),
        "a counted fault disappears when spent"
    );
    sb.shutdown().await;
}

/// A request handler that panics is answered 500 with the cause, and the sandbox goes on
/// serving, on the same runtime as its caller (as in a TUI drill).
#[tokio::test]
async fn a_panicking_handler_is_answered_500_and_the_sandbox_keeps_serving() {
    let sb = start().await;
    sb.add_fault(fault("get:/user=panic x1"));
    let panicked = as_user(&sb, "commander", "GET", "/user", None).await;
    assert_eq!(panicked.status, 500);
    assert_eq!(
        panicked.message(),
        "The sandbox failed on this request (sandbox fault: the request handler panics); \
         try again"
    );
    let next = as_user(&sb, "commander", "GET", "/user", None).await;
    assert_eq!(
        (next.status, next.json()["login"].clone()),
        (200, json!("commander"))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_5xx_fault_does_not_perform_the_request() {
    let sb = start().await;
    sb.add_fault(fault("delete:*/enforce_admins=500x1"));
    let resp = as_user(
        &sb,
        "commander",
        "DELETE",
        &format!("{PROTECTION}/enforce_admins"),
        None,
    )
    .await;
    assert_eq!(
        (resp.status, resp.message().as_str()),
        (500, "Server Error")
    );
    let p = sb
        .classic_protection(&RepoId::new("acme", "api"), "main")
        .unwrap();
    assert_eq!(p["enforce_admins"]["enabled"], true);
    sb.shutdown().await;
}

#[tokio::test]
async fn rate_limit_faults_carry_githubs_headers() {
    let sb = start().await;
    sb.add_fault(fault("get:/user=429:7s x1"));
    let resp = as_user(&sb, "dev", "GET", "/user", None).await;
    assert_eq!((resp.status, resp.header("retry-after")), (429, Some("7")));

    sb.add_fault(fault("get:/user=secondary:30s x1"));
    let resp = as_user(&sb, "dev", "GET", "/user", None).await;
    assert_eq!((resp.status, resp.header("retry-after")), (403, Some("30")));
    assert!(
        resp.message()
            .starts_with("You have exceeded a secondary rate limit")
    );
    assert_ne!(resp.header("x-ratelimit-remaining"), Some("0"));

    sb.add_fault(fault("get:/user=primary:120s x1"));
    let resp = as_user(&sb, "dev", "GET", "/user", None).await;
    assert_eq!(
        (resp.status, resp.header("x-ratelimit-remaining")),
        (403, Some("0"))
    );
    let reset: i64 = resp.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let ahead = reset - chrono::Utc::now().timestamp();
    assert!((100..=121).contains(&ahead), "reset {ahead}s ahead");
    assert!(resp.message().starts_with("API rate limit exceeded"));
    assert_eq!(
        resp.headers
            .iter()
            .filter(|(n, _)| n == "x-ratelimit-remaining")
            .count(),
        1
    );

    assert_eq!(as_user(&sb, "dev", "GET", "/user", None).await.status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn latency_delays_the_answer() {
    let sb = start().await;
    sb.add_fault(fault("get:/user=latency:300ms x1"));
    let started = Instant::now();
    assert_eq!(as_user(&sb, "dev", "GET", "/user", None).await.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        sb.request_log()[0].fault.as_deref(),
        Some("get:/user=latency:300ms x1")
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn timeout_after_apply_performs_the_change_but_never_answers() {
    let sb = start().await;
    sb.add_fault(fault(
        "delete:/repos/*/enforce_admins=timeout-after-apply:60s x1",
    ));
    let token = format!("Bearer {}", sb.token("commander").expose());
    let outcome = raw(
        &sb.api_url(),
        "DELETE",
        &format!("{PROTECTION}/enforce_admins"),
        &[("Authorization", &token)],
        None,
        Duration::from_millis(500),
    )
    .await;
    assert!(outcome.is_err(), "the client gets no answer: {outcome:?}");
    let p = sb
        .classic_protection(&RepoId::new("acme", "api"), "main")
        .unwrap();
    assert_eq!(
        p["enforce_admins"]["enabled"], false,
        "but the change was applied"
    );
    // Shutting down does not wait out the hang.
    let started = Instant::now();
    sb.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn drift_edits_protection_after_the_nth_change() {
    let sb = start().await;
    let api = RepoId::new("acme", "api");
    sb.add_fault(fault("drift:acme/api:main"));
    let resp = as_user(
        &sb,
        "commander",
        "DELETE",
        &format!("{PROTECTION}/enforce_admins"),
        None,
    )
    .await;
    assert_eq!(resp.status, 204);
    let p = sb.classic_protection(&api, "main").unwrap();
    assert_eq!(p["enforce_admins"]["enabled"], false);
    assert_eq!(
        p["required_pull_request_reviews"]["required_approving_review_count"], 2,
        "someone else raised the review count"
    );

    let web = RepoId::new("acme", "web");
    let said = sb.apply_drift(&web, "main").unwrap();
    assert!(said.contains("ruleset 101"), "{said}");
    let rules = &sb.rulesets(&web)[0]["rules"];
    assert_eq!(rules[0]["parameters"]["required_approving_review_count"], 2);
    assert!(
        sb.apply_drift(&RepoId::new("acme", "nope"), "main")
            .is_err()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn the_control_api_sets_lists_and_clears_faults_with_its_token() {
    let sb = start().await;
    let control = sb.control_token();
    let base = sb.api_url();
    let denied = call(
        &base,
        "GET",
        "/_sandbox/faults",
        Some(sb.token("commander").expose()),
        None,
    )
    .await;
    assert_eq!(denied.status, 401);
    let bad = call(
        &base,
        "POST",
        "/_sandbox/faults",
        Some(control.expose()),
        Some(json!({"spec": "get:/x=teapot"})),
    )
    .await;
    assert_eq!(bad.status, 422);
    let added = call(
        &base,
        "POST",
        "/_sandbox/faults",
        Some(control.expose()),
        Some(json!({"specs": ["get:/user=503x1", "drift:acme/api:main@2"]})),
    )
    .await;
    assert_eq!(added.status, 201);
    assert_eq!(
        added.json(),
        json!(["get:/user=503 x1", "drift:acme/api:main@2"])
    );
    assert_eq!(as_user(&sb, "dev", "GET", "/user", None).await.status, 503);
    assert_eq!(
        call(
            &base,
            "DELETE",
            "/_sandbox/faults",
            Some(control.expose()),
            None
        )
        .await
        .status,
        204
    );
    assert!(sb.faults().is_empty());

    let drift = call(
        &base,
        "POST",
        "/_sandbox/drift",
        Some(control.expose()),
        Some(json!({"repo": "acme/api", "branch": "main"})),
    )
    .await;
    assert_eq!(drift.status, 200);
    let requests = call(
        &base,
        "GET",
        "/_sandbox/requests",
        Some(control.expose()),
        None,
    )
    .await
    .json();
    let paths: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/user"], "control calls are not logged");
    assert_eq!(requests[0]["status"], 503);
    sb.shutdown().await;
}
