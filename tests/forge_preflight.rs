//! `GitHubForge` preflight, snapshots of every kind of protection, and the retro-review
//! calls, against the sandbox forge over loopback.

mod common;

use breakglass::forge::github::{CreateRefOutcome, ForgeError, Marker};
use breakglass::forge::plan::PlanRefusal;
use breakglass::forge::port::CommitStatus;
use breakglass::forge::ruleset::RulesetSource;
use breakglass::forge::snapshot::ClassicState;
use breakglass::forge::{Forge, Permission, RepoId, TokenKind};
use common::sandbox::{api, client_as, forge_as, plan_for, push_fix, pusher, start};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_says_who_the_token_is_and_what_it_may_do() {
    let sandbox = start().await;
    let (commander, _) = forge_as(&sandbox, "commander");
    let me = commander.identity().await.unwrap();
    assert_eq!((me.login.as_str(), me.id), ("commander", 1001));
    assert_eq!(
        me.token_kind,
        TokenKind::Other,
        "sandbox tokens are no GitHub kind"
    );

    let access = commander.repo_access(&api()).await.unwrap();
    assert_eq!(access.permission, Permission::Admin);
    assert!(access.owner_is_org);
    assert_eq!(access.default_branch, "main");
    assert_eq!(access.is_org_admin, Some(false));

    let (owner, _) = forge_as(&sandbox, "owner");
    assert_eq!(
        owner.repo_access(&api()).await.unwrap().is_org_admin,
        Some(true)
    );
    let notes = commander
        .repo_access(&RepoId::new("commander", "notes"))
        .await
        .unwrap();
    assert!(!notes.owner_is_org);
    assert_eq!(notes.is_org_admin, None);

    let (dev, _) = forge_as(&sandbox, "dev");
    assert_eq!(
        dev.repo_access(&api()).await.unwrap().permission,
        Permission::Write
    );
    assert_eq!(
        commander.permission_of(&api(), "dev").await.unwrap(),
        Permission::Write
    );
    assert_eq!(commander.user_id("reviewer").await.unwrap(), 1003);
    assert_eq!(
        Some(commander.branch_head(&api(), "main").await.unwrap()),
        sandbox.branch_head(&api(), "main")
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_token_cannot_snapshot_and_is_told_why() {
    let sandbox = start().await;
    let (dev, _) = forge_as(&sandbox, "dev");
    let error = dev.snapshot(&api(), "main").await.unwrap_err();
    assert!(
        matches!(error, ForgeError::CannotAdminister { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("your token cannot administer acme/api"),
        "{error}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshots_hold_classic_repository_and_organization_protection() {
    let sandbox = start().await;
    let (commander, _) = forge_as(&sandbox, "commander");
    let api_snapshot = commander.snapshot(&api(), "main").await.unwrap();
    assert!(matches!(
        api_snapshot.classic,
        ClassicState::Protected { .. }
    ));
    assert!(api_snapshot.rulesets.is_empty());
    assert_eq!(api_snapshot.pre_sha, sandbox.branch_head(&api(), "main"));

    let web = RepoId::new("acme", "web");
    let web_snapshot = commander.snapshot(&web, "main").await.unwrap();
    assert_eq!(web_snapshot.classic, ClassicState::NotProtected);
    assert_eq!(web_snapshot.rulesets.len(), 1);
    assert_eq!(web_snapshot.rulesets[0].source, RulesetSource::Repository);
    assert_eq!(web_snapshot.rulesets[0].ruleset.id(), 101);

    // The organization's ruleset on acme/ops: its owner reads it in full.
    let ops = RepoId::new("acme", "ops");
    let (owner, _) = forge_as(&sandbox, "owner");
    let full = owner.snapshot(&ops, "main").await.unwrap();
    let [org_ruleset] = full.rulesets.as_slice() else {
        panic!("{full:?}")
    };
    assert_eq!(
        org_ruleset.source,
        RulesetSource::Organization("acme".into())
    );
    assert!(org_ruleset.ruleset.bypass_actors().is_some());
    let plan = plan_for(&full, pusher(&owner, &ops, "owner").await, false).unwrap();
    assert!(
        plan.is_empty(),
        "organization admins already bypass it: {plan:?}"
    );

    // A repository admin sees it without its bypass list, and the plan says why not.
    let partial = commander.snapshot(&ops, "main").await.unwrap();
    assert_eq!(partial.rulesets.len(), 1);
    let refusal =
        plan_for(&partial, pusher(&commander, &ops, "commander").await, false).unwrap_err();
    assert!(
        matches!(refusal, PlanRefusal::OrgRulesetNeedsOrgAdmin { .. }),
        "{refusal:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retro_review_is_opened_on_exactly_the_window() {
    let sandbox = start().await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let pre = forge.branch_head(&api(), "main").await.unwrap();
    // A pushed fix on an unprotected branch stands in for the window's push.
    forge
        .create_ref(&api(), "refs/heads/hotfix", &pre)
        .await
        .unwrap();
    let pushed = push_fix(&sandbox, &api(), "hotfix", "dev").await;
    assert!(pushed.accepted, "{pushed:?}");
    let post = pushed.new.to_string();

    let comparison = forge.compare(&api(), &pre, &post).await.unwrap();
    assert_eq!(comparison.status, "ahead");
    assert_eq!((comparison.ahead_by, comparison.behind_by), (1, 0));
    assert_eq!(comparison.commits, std::slice::from_ref(&post));

    let before = "refs/heads/breakglass/INC-1/before";
    let after = "refs/heads/breakglass/INC-1/after";
    for (name, sha) in [(before, &pre), (after, &post)] {
        let made = forge.create_ref(&api(), name, sha).await.unwrap();
        assert!(matches!(made, CreateRefOutcome::Created(_)), "{made:?}");
    }
    let marker = Marker::new("INC-1", "retro-review");
    let pull = forge
        .create_pull(
            &api(),
            "INC-1: review what was pushed",
            "breakglass/INC-1/after",
            "breakglass/INC-1/before",
            "Pushed past protection during INC-1.",
            &marker,
        )
        .await
        .unwrap();
    assert!(pull.number > 0);
    forge
        .request_reviewers(&api(), pull.number, &["reviewer".to_owned()], &[])
        .await
        .unwrap();
    forge
        .set_commit_status(
            &api(),
            &post,
            &CommitStatus {
                state: "pending".into(),
                context: "breakglass/retro-review".into(),
                description: "awaiting review of INC-1".into(),
                target_url: Some(pull.html_url.clone()),
            },
        )
        .await
        .unwrap();
    let combined = client_as(&sandbox, "commander")
        .execute(&breakglass::forge::github::Request::get(format!(
            "/repos/acme/api/commits/{post}/status"
        )))
        .await
        .unwrap()
        .json;
    assert_eq!(combined["state"], json!("pending"));

    for short in [
        "heads/breakglass/INC-1/before",
        "heads/breakglass/INC-1/after",
    ] {
        forge.delete_ref(&api(), short).await.unwrap();
        forge.delete_ref(&api(), short).await.unwrap();
    }
    sandbox.shutdown().await;
}
