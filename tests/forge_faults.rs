//! The forge under the sandbox's injected faults: drift mid-window, 5xx, "apply then
//! time out", rate limits, a relaxation failing part-way and a restore that cannot
//! succeed. Each test injects the fault and checks the invariant: protections restored
//! and verified (or reported as not verified), nothing created twice, waits as the
//! headers say. Waits go through the recording sleeper, so no test sleeps for them.

mod common;

use breakglass::forge::github::Marker;
use breakglass::forge::plan::RelaxPlan;
use breakglass::forge::port::RestoreStepOutcome;
use breakglass::forge::restore::RestoreDecision;
use breakglass::forge::sandbox::{Fault, SandboxHandle};
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot};
use breakglass::forge::{Forge, GitHubForge};
use common::sandbox::{api, client_as, forge_as, plan_for, pusher, start};
use serde_json::json;
use std::time::Duration;

const PROTECTION: &str = "/repos/acme/api/branches/main/protection";

fn fault(spec: &str) -> Fault {
    Fault::parse(spec).unwrap()
}

/// Snapshot of the seeded `acme/api` main and the plan for `login`.
async fn window(forge: &GitHubForge, login: &str) -> (ProtectionSnapshot, RelaxPlan) {
    let snapshot = forge.snapshot(&api(), "main").await.unwrap();
    let plan = plan_for(&snapshot, pusher(forge, &api(), login).await, false).unwrap();
    (snapshot, plan)
}

/// The statuses the sandbox answered to `method path`, in order.
fn statuses(sandbox: &SandboxHandle, method: &str, path: &str) -> Vec<u16> {
    sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .map(|r| r.status)
        .collect()
}

fn classic_raw(snapshot: &ProtectionSnapshot) -> serde_json::Value {
    match &snapshot.classic {
        ClassicState::Protected { raw, .. } => raw.clone(),
        ClassicState::NotProtected => panic!("the seeded main is protected"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_mid_window_is_reported_three_way_and_the_snapshot_restored() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let (snapshot, plan) = window(&forge, "commander").await;
    // Someone raises the review count right after our change lands.
    sandbox.add_fault(fault("drift:acme/api:main@1"));
    forge.apply(&plan).await.unwrap();

    let report = forge.restore(&snapshot, Some(&plan)).await;

    assert!(
        matches!(report.decision, Some(RestoreDecision::Drift { .. })),
        "{report:?}"
    );
    let [drift] = report.drift.as_slice() else {
        panic!("one drifted setting: {:?}", report.drift)
    };
    assert_eq!(
        drift.path,
        "classic.required_pull_request_reviews.required_approving_review_count"
    );
    assert_eq!(
        (&drift.snapshot, &drift.ours, &drift.theirs),
        (&Some(json!(1)), &Some(json!(1)), &Some(json!(2)))
    );
    assert!(
        report.verified,
        "the default restores the snapshot: {report:?}"
    );
    assert_eq!(
        sandbox.classic_protection(&api(), "main"),
        Some(classic_raw(&snapshot))
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_on_the_restore_put_are_retried_and_verified() {
    let sandbox = start().await;
    let (forge, sleeper) = forge_as(&sandbox, "commander");
    let (snapshot, plan) = window(&forge, "dev").await;
    forge.apply(&plan).await.unwrap();
    sandbox.add_fault(fault(&format!("put:{PROTECTION}=502x2")));

    let report = forge.restore(&snapshot, Some(&plan)).await;

    assert!(report.verified, "{report:?}");
    assert_eq!(statuses(&sandbox, "PUT", PROTECTION), [502, 502, 200]);
    // The client's backoff: 500 ms, then 1 s (RetryPolicy::default()).
    assert_eq!(
        sleeper.waits(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutations_whose_answer_is_lost_after_applying_still_restore_and_verify() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let (snapshot, plan) = window(&forge, "commander").await;
    let enforce_admins = format!("{PROTECTION}/enforce_admins");
    sandbox.add_fault(fault(&format!(
        "delete:{enforce_admins}=timeout-after-apply:3sx1"
    )));
    sandbox.add_fault(fault(&format!(
        "post:{enforce_admins}=timeout-after-apply:3sx1"
    )));

    forge.apply(&plan).await.unwrap();
    let report = forge.restore(&snapshot, Some(&plan)).await;

    assert!(report.verified, "{report:?}");
    // Each was applied, its answer lost, and resent (setting a flag twice is harmless).
    assert_eq!(statuses(&sandbox, "DELETE", &enforce_admins).len(), 2);
    assert_eq!(statuses(&sandbox, "POST", &enforce_admins).len(), 2);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creating_posts_whose_answer_is_lost_are_not_duplicated() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    sandbox.add_fault(fault(
        "post:/repos/acme/api/issues=timeout-after-apply:3sx1",
    ));
    sandbox.add_fault(fault(
        "post:/repos/acme/api/issues/*/comments=timeout-after-apply:3sx1",
    ));
    let marker = Marker::new("INC-7", "incident-issue");

    let issue = forge
        .create_issue(
            &api(),
            "INC-7: checkout down",
            "Declared by commander",
            &marker,
            &[],
        )
        .await
        .unwrap();
    let comment_marker = Marker::new("INC-7", "glass-open");
    forge
        .comment(
            &api(),
            issue.number,
            "Glass open for 30 minutes",
            &comment_marker,
        )
        .await
        .unwrap();

    assert_eq!(
        statuses(&sandbox, "POST", "/repos/acme/api/issues").len(),
        1
    );
    let comments_path = format!("/repos/acme/api/issues/{}/comments", issue.number);
    assert_eq!(statuses(&sandbox, "POST", &comments_path).len(), 1);
    let client = client_as(&sandbox, "commander");
    let found = client
        .find_issue_with_marker(&api(), &marker)
        .await
        .unwrap();
    assert_eq!(found.unwrap()["number"], json!(issue.number));
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_are_waited_out_as_the_headers_say() {
    let sandbox = start().await;
    let (forge, sleeper) = forge_as(&sandbox, "commander");
    let enforce_admins = format!("{PROTECTION}/enforce_admins");
    sandbox.add_fault(fault(
        "get:/repos/acme/api/rules/branches/main=primary:30sx1",
    ));
    let (snapshot, plan) = window(&forge, "commander").await;
    sandbox.add_fault(fault(&format!("delete:{enforce_admins}=429:2sx1")));
    sandbox.add_fault(fault(&format!("post:{enforce_admins}=secondary:7sx1")));

    forge.apply(&plan).await.unwrap();
    let report = forge.restore(&snapshot, Some(&plan)).await;

    assert!(report.verified, "{report:?}");
    assert_eq!(statuses(&sandbox, "DELETE", &enforce_admins), [429, 204]);
    assert_eq!(statuses(&sandbox, "POST", &enforce_admins)[0], 403);
    let waits = sleeper.waits();
    assert_eq!(waits.len(), 3, "{waits:?}");
    // Primary: until x-ratelimit-reset (30 s ahead, whole seconds) plus a second.
    assert!(
        (Duration::from_secs(29)..=Duration::from_secs(32)).contains(&waits[0]),
        "{waits:?}"
    );
    // 429 and secondary 403: exactly retry-after.
    assert_eq!(waits[1..], [Duration::from_secs(2), Duration::from_secs(7)]);
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relaxation_failing_part_way_names_what_was_applied_and_restores() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let (snapshot, plan) = window(&forge, "dev").await;
    let checks = format!("{PROTECTION}/required_status_checks");
    sandbox.add_fault(fault(&format!("delete:{checks}=422x1")));

    let error = forge.apply(&plan).await.unwrap_err();

    assert_eq!(error.applied.steps.len(), 1, "{error}");
    assert_eq!(error.failed_index, 1);
    assert_eq!(error.failed_call.path, checks);
    assert!(!error.failed_step_maybe_applied());
    assert!(
        error.to_string().contains("restore the snapshot now"),
        "{error}"
    );
    // Partly applied: restore without the plan puts the whole snapshot back.
    let report = forge.restore(&snapshot, None).await;
    assert!(report.verified, "{report:?}");
    assert_eq!(
        sandbox.classic_protection(&api(), "main"),
        Some(classic_raw(&snapshot))
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_that_cannot_succeed_is_reported_failed_then_succeeds_later() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let (snapshot, plan) = window(&forge, "commander").await;
    forge.apply(&plan).await.unwrap();
    sandbox.add_fault(fault(&format!("*:{PROTECTION}*=503")));

    let failed = forge.restore(&snapshot, Some(&plan)).await;

    assert!(!failed.verified, "{failed:?}");
    assert_eq!(failed.decision, None, "the state could not be read");
    assert_eq!(
        failed.errors.len(),
        2,
        "before and after: {:?}",
        failed.errors
    );
    assert!(failed.failed_steps().count() >= 1);
    assert!(failed.steps.iter().all(|s| matches!(
        &s.outcome,
        RestoreStepOutcome::Failed { error } if error.contains("503")
    )));

    sandbox.clear_faults();
    let later = forge.restore(&snapshot, Some(&plan)).await;
    assert!(later.verified, "{later:?}");
    assert_eq!(later.decision, Some(RestoreDecision::Restore));
    sandbox.shutdown().await;
}
