//! The whole window against the sandbox forge with real git pushes over smart HTTP: the
//! seeded hardened `acme/api` refuses everyone; after the planned relaxation the
//! commander's push goes through while another writer's is still refused; after restore
//! the commander is refused again with GitHub's own text.

mod common;

use breakglass::forge::Forge;
use common::sandbox::{api, forge_as, plan_for, push_fix, pusher, start};

const CLASSIC_DECLINED: &str = "protected branch hook declined";
const GH006: &str = "error: GH006: Protected branch update failed for refs/heads/main.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_glass_opens_for_the_commander_only_and_closes_again() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");

    let before = push_fix(&sandbox, &api(), "main", "commander").await;
    assert!(
        !before.accepted,
        "hardened main refuses even admins: {before:?}"
    );
    assert_eq!(before.status.as_deref(), Some(CLASSIC_DECLINED));

    let snapshot = forge.snapshot(&api(), "main").await.unwrap();
    let plan = plan_for(&snapshot, pusher(&forge, &api(), "commander").await, false).unwrap();
    assert_eq!(
        plan.steps.len(),
        1,
        "an admin needs only enforce_admins off: {plan:?}"
    );
    forge.apply(&plan).await.unwrap();

    let commander = push_fix(&sandbox, &api(), "main", "commander").await;
    assert!(commander.accepted, "{commander:?}");
    assert!(
        commander
            .remote_lines
            .iter()
            .any(|l| l.starts_with("Bypassed rule violations for refs/heads/main")),
        "the bypass is evidence: {:?}",
        commander.remote_lines
    );
    assert_eq!(
        sandbox.branch_head(&api(), "main").as_deref(),
        Some(commander.new.to_string().as_str())
    );

    let dev = push_fix(&sandbox, &api(), "main", "dev").await;
    assert!(!dev.accepted, "another writer stays blocked: {dev:?}");
    assert_eq!(dev.status.as_deref(), Some(CLASSIC_DECLINED));

    let report = forge.restore(&snapshot, Some(&plan)).await;
    assert!(report.verified, "{report:?}");
    assert!(!report.drifted());

    let after = push_fix(&sandbox, &api(), "main", "commander").await;
    assert!(!after.accepted, "{after:?}");
    assert_eq!(after.status.as_deref(), Some(CLASSIC_DECLINED));
    assert!(
        after.remote_lines.iter().any(|l| l == GH006),
        "{:?}",
        after.remote_lines
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_gets_through_classic_protection_and_the_snapshot_comes_back_exactly() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let snapshot = forge.snapshot(&api(), "main").await.unwrap();
    let plan = plan_for(&snapshot, pusher(&forge, &api(), "dev").await, false).unwrap();
    forge.apply(&plan).await.unwrap();

    let dev = push_fix(&sandbox, &api(), "main", "dev").await;
    assert!(dev.accepted, "{dev:?}");

    let report = forge.restore(&snapshot, Some(&plan)).await;
    assert!(report.verified, "{report:?}");
    assert_eq!(
        sandbox.classic_protection(&api(), "main").as_ref(),
        match &snapshot.classic {
            breakglass::forge::snapshot::ClassicState::Protected { raw, .. } => Some(raw),
            _ => None,
        },
        "the GET body itself is back, not only its normalised form"
    );
    let again = push_fix(&sandbox, &api(), "main", "dev").await;
    assert!(!again.accepted, "{again:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ruleset_bypass_lets_the_commander_through_and_is_removed() {
    let sandbox = start().await;
    let web = breakglass::forge::RepoId::new("acme", "web");
    let (forge, _) = forge_as(&sandbox, "commander");
    let before = push_fix(&sandbox, &web, "main", "commander").await;
    assert_eq!(
        before.status.as_deref(),
        Some("push declined due to repository rule violations"),
        "{before:?}"
    );
    let snapshot = forge.snapshot(&web, "main").await.unwrap();
    assert_eq!(snapshot.rulesets.len(), 1);
    let plan = plan_for(&snapshot, pusher(&forge, &web, "commander").await, false).unwrap();
    forge.apply(&plan).await.unwrap();
    let through = push_fix(&sandbox, &web, "main", "commander").await;
    assert!(through.accepted, "{through:?}");
    let dev = push_fix(&sandbox, &web, "main", "dev").await;
    assert!(!dev.accepted, "{dev:?}");

    let report = forge.restore(&snapshot, Some(&plan)).await;
    assert!(report.verified, "{report:?}");
    let after = push_fix(&sandbox, &web, "main", "commander").await;
    assert_eq!(
        after.status.as_deref(),
        Some("push declined due to repository rule violations")
    );
    assert!(
        after
            .remote_lines
            .iter()
            .any(|l| l.contains("GH013: Repository rule violations found for refs/heads/main")),
        "{:?}",
        after.remote_lines
    );
    sandbox.shutdown().await;
}
