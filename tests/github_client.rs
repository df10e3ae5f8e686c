//! The GitHub client against the sandbox forge over loopback: real requests, real JSON.

use breakglass::forge::RepoId;
use breakglass::forge::github::{
    ClientOptions, CreateRefOutcome, ForgeError, GitHubClient, Marker, Request,
};
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use breakglass::secret::Secret;
use serde_json::{Value, json};

async fn start() -> SandboxHandle {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("the sandbox forge starts")
}

fn token_of(sandbox: &SandboxHandle, login: &str) -> Secret {
    sandbox
        .users()
        .iter()
        .find(|user| user.login == login)
        .map(|user| user.token.clone())
        .unwrap_or_else(|| panic!("seeded user {login}"))
}

fn client(sandbox: &SandboxHandle, login: &str) -> GitHubClient {
    GitHubClient::new(
        &sandbox.api_url(),
        token_of(sandbox, login),
        ClientOptions::default(),
    )
    .expect("client for the sandbox")
}

fn api() -> RepoId {
    RepoId::new("acme", "api")
}

/// forge-api §1.4: the PUT body that restores snapshot `s` exactly (the planner owns the
/// real conversion; this minimal copy covers the seeded protection).
fn put_body_from(s: &Value) -> Value {
    let enabled = |key: &str| {
        s.pointer(&format!("/{key}/enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let checks = s
        .pointer("/required_status_checks/checks")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let rsc = s.get("required_status_checks").map(|rsc| {
        json!({
            "strict": rsc["strict"],
            "checks": checks.iter().map(|c| json!({"context": c["context"], "app_id": c["app_id"].as_i64().unwrap_or(-1)})).collect::<Vec<_>>()
        })
    });
    let reviews = s.get("required_pull_request_reviews").map(|r| {
        json!({
            "dismiss_stale_reviews": r["dismiss_stale_reviews"],
            "require_code_owner_reviews": r["require_code_owner_reviews"],
            "required_approving_review_count": r["required_approving_review_count"],
            "require_last_push_approval": r.get("require_last_push_approval").cloned().unwrap_or(json!(false)),
        })
    });
    json!({
        "required_status_checks": rsc,
        "enforce_admins": enabled("enforce_admins"),
        "required_pull_request_reviews": reviews,
        "restrictions": null,
        "required_linear_history": enabled("required_linear_history"),
        "allow_force_pushes": enabled("allow_force_pushes"),
        "allow_deletions": enabled("allow_deletions"),
        "block_creations": enabled("block_creations"),
        "required_conversation_resolution": enabled("required_conversation_resolution"),
        "lock_branch": enabled("lock_branch"),
        "allow_fork_syncing": enabled("allow_fork_syncing"),
    })
}

#[tokio::test]
async fn the_commander_is_an_admin_of_the_seeded_repository() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let me = gh.get_authenticated_user().await.unwrap();
    assert_eq!(me.user["login"], "commander");
    let repo = gh.get_repo(&api()).await.unwrap();
    assert_eq!(repo["permissions"]["admin"], true);
    assert_eq!(repo["default_branch"], "main");
    let dev = gh.get_collaborator_permission(&api(), "dev").await.unwrap();
    assert_eq!(dev["permission"], "write");
    let branch = gh.get_branch(&api(), "main").await.unwrap();
    assert_eq!(branch["protected"], true);
    assert!(
        branch["commit"]["sha"]
            .as_str()
            .is_some_and(|s| s.len() == 40)
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn main_is_protected_as_seeded_and_enforce_admins_toggles() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let snapshot = gh
        .get_protection(&api(), "main")
        .await
        .unwrap()
        .expect("main is protected");
    assert_eq!(snapshot["enforce_admins"]["enabled"], true);
    assert_eq!(
        snapshot["required_pull_request_reviews"]["required_approving_review_count"],
        1
    );
    gh.set_enforce_admins(&api(), "main", false).await.unwrap();
    let relaxed = gh.get_protection(&api(), "main").await.unwrap().unwrap();
    assert_eq!(relaxed["enforce_admins"]["enabled"], false);
    gh.set_enforce_admins(&api(), "main", true).await.unwrap();
    let restored = gh.get_protection(&api(), "main").await.unwrap().unwrap();
    assert_eq!(restored, snapshot);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_full_put_of_the_converted_snapshot_reads_back_the_same() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let snapshot = gh.get_protection(&api(), "main").await.unwrap().unwrap();
    gh.delete_required_pull_request_reviews(&api(), "main")
        .await
        .unwrap();
    gh.delete_required_status_checks(&api(), "main")
        .await
        .unwrap();
    let relaxed = gh.get_protection(&api(), "main").await.unwrap().unwrap();
    assert!(relaxed.get("required_pull_request_reviews").is_none());
    gh.put_protection(&api(), "main", &put_body_from(&snapshot))
        .await
        .unwrap();
    assert_eq!(
        gh.get_protection(&api(), "main").await.unwrap().unwrap(),
        snapshot
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn contexts_and_checks_together_are_refused_with_githubs_message() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let snapshot = gh.get_protection(&api(), "main").await.unwrap().unwrap();
    let mut body = put_body_from(&snapshot);
    body["required_status_checks"]["contexts"] = json!(["ci"]);
    let error = gh.put_protection(&api(), "main", &body).await.unwrap_err();
    assert!(matches!(error, ForgeError::Validation { .. }), "{error:?}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn unprotected_branches_and_missing_admin_rights_are_told_apart() {
    let sandbox = start().await;
    let commander = client(&sandbox, "commander");
    let sha = commander.get_branch(&api(), "main").await.unwrap()["commit"]["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = commander
        .create_ref(&api(), "refs/heads/side/branch#1", &sha)
        .await
        .unwrap();
    assert!(matches!(created, CreateRefOutcome::Created(_)));
    assert_eq!(
        commander
            .get_protection(&api(), "side/branch#1")
            .await
            .unwrap(),
        None
    );

    let dev = client(&sandbox, "dev");
    let error = dev.get_protection(&api(), "main").await.unwrap_err();
    assert!(
        matches!(error, ForgeError::CannotAdminister { .. }),
        "{error:?}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn refs_are_created_once_and_deleted_idempotently() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let sha = gh.get_branch(&api(), "main").await.unwrap()["commit"]["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let name = "refs/heads/breakglass/INC-1/before";
    assert!(matches!(
        gh.create_ref(&api(), name, &sha).await.unwrap(),
        CreateRefOutcome::Created(_)
    ));
    assert!(matches!(
        gh.create_ref(&api(), name, &sha).await.unwrap(),
        CreateRefOutcome::AlreadyThere(_)
    ));
    gh.delete_ref(&api(), "heads/breakglass/INC-1/before")
        .await
        .unwrap();
    gh.delete_ref(&api(), "heads/breakglass/INC-1/before")
        .await
        .unwrap();
    assert_eq!(
        gh.get_ref(&api(), "heads/breakglass/INC-1/before")
            .await
            .unwrap(),
        None
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn issues_carry_and_are_found_by_their_marker() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let marker = Marker::new("INC-9", "incident-issue");
    let issue = gh
        .create_issue(
            &api(),
            "INC-9: checkout down",
            "Declared by commander",
            &marker,
            &[],
        )
        .await
        .unwrap();
    let found = gh
        .find_issue_with_marker(&api(), &marker)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found["number"], issue["number"]);
    let number = issue["number"].as_u64().unwrap();
    let comment_marker = Marker::new("INC-9", "activated");
    let comment = gh
        .create_issue_comment(&api(), number, "Glass open for 30 minutes", &comment_marker)
        .await
        .unwrap();
    assert!(comment_marker.is_in(comment["body"].as_str().unwrap()));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rules_for_an_unruled_branch_are_empty() {
    let sandbox = start().await;
    let gh = client(&sandbox, "commander");
    let rules = gh
        .get_rules_for_branch(&api(), "no-such-branch")
        .await
        .unwrap();
    assert!(rules.is_empty(), "{rules:?}");
    sandbox.shutdown().await;
}

/// A commit on a new branch `fix`, written straight into the sandbox's bare repository.
fn commit_fix(sandbox: &SandboxHandle) -> String {
    let repo = git2::Repository::open_bare(sandbox.repo_path(&api())).unwrap();
    let main = repo
        .revparse_single("main")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let mut tree = repo.treebuilder(Some(&main.tree().unwrap())).unwrap();
    tree.insert("FIX.md", repo.blob(b"fixed\n").unwrap(), 0o100644)
        .unwrap();
    let tree = repo.find_tree(tree.write().unwrap()).unwrap();
    let sig = git2::Signature::now("Dev", "dev@acme.test").unwrap();
    repo.commit(Some("refs/heads/fix"), &sig, &sig, "Fix", &tree, &[&main])
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn reviews_of_a_pull_request_are_listed_with_who_approved() {
    let sandbox = start().await;
    commit_fix(&sandbox);
    let marker = Marker::new("INC-9", "retro-review");
    let pull = client(&sandbox, "dev")
        .create_pull(
            &api(),
            "Retro review",
            "fix",
            "main",
            "What was pushed",
            &marker,
        )
        .await
        .unwrap();
    let number = pull["number"].as_u64().unwrap();
    let reviews = format!("/repos/acme/api/pulls/{number}/reviews");
    for (login, event) in [("reviewer", "APPROVE"), ("commander", "COMMENT")] {
        client(&sandbox, login)
            .execute(&Request::post_create(
                reviews.clone(),
                json!({"event": event, "body": "read it"}),
            ))
            .await
            .unwrap();
    }
    let listed = client(&sandbox, "commander")
        .list_reviews(&api(), number)
        .await
        .unwrap();
    let who: Vec<_> = listed
        .iter()
        .map(|r| {
            (
                r["user"]["login"].as_str().unwrap(),
                r["state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(who, [("reviewer", "APPROVED"), ("commander", "COMMENTED")]);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn commit_statuses_are_listed_newest_first_across_pages() {
    let sandbox = start().await;
    let fix = commit_fix(&sandbox);
    let gh = client(&sandbox, "commander");
    // One more than a page of 100, so the list must follow the Link header.
    for n in 0..101 {
        let state = if n == 100 { "success" } else { "pending" };
        gh.create_commit_status(
            &api(),
            &fix,
            &json!({"state": state, "context": "breakglass/retro-review", "description": format!("#{n}")}),
        )
        .await
        .unwrap();
    }
    let statuses = gh.list_commit_statuses(&api(), "fix").await.unwrap();
    assert_eq!(statuses.len(), 101);
    assert_eq!(
        (
            statuses[0]["state"].as_str(),
            statuses[0]["description"].as_str()
        ),
        (Some("success"), Some("#100")),
        "the latest first"
    );
    assert_eq!(statuses[100]["description"], "#0");
    sandbox.shutdown().await;
}
