//! Test support for the forge against the sandbox forge over loopback: starting one,
//! `GitHubForge`s and raw clients for its seeded people (retries recorded, never slept),
//! setting protection through the REST API as an admin, planning for a pusher, and real
//! git pushes from a fresh temporary clone. Test support only.
#![allow(dead_code)]

use breakglass::forge::github::{
    ClientOptions, GitHubClient, RecordingSleeper, Request, RetryPolicy,
};
use breakglass::forge::plan::{PlanInput, PlanRefusal, Pusher, RelaxPlan, plan};
use breakglass::forge::ruleset::Ruleset;
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use breakglass::forge::snapshot::ProtectionSnapshot;
use breakglass::forge::{Forge, GitHubForge, GitHubForgeOptions, RepoId};
use breakglass::git::{Credentials, LocalRepo, PushOutcome, PushRequest};
use git2::{Oid, Repository, Signature};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

/// One attempt's limit for clients in these tests: short, so "apply then time out"
/// faults (which hang 3 s) cost about two seconds, yet long enough that an ordinary
/// answer is not cut off while the whole suite loads both cores (at 800 ms a resent
/// request sometimes timed out too and was sent a third time).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

pub fn api() -> RepoId {
    RepoId::new("acme", "api")
}

pub async fn start() -> SandboxHandle {
    Sandbox::start(SandboxOptions::default())
        .await
        .expect("the sandbox forge starts")
}

fn client_options(sleeper: Arc<RecordingSleeper>) -> ClientOptions {
    ClientOptions {
        timeout: ATTEMPT_TIMEOUT,
        retry: RetryPolicy::default(),
        sleeper,
        ..ClientOptions::default()
    }
}

/// A raw client for `login`, its retry waits recorded.
pub fn client_as(sandbox: &SandboxHandle, login: &str) -> GitHubClient {
    GitHubClient::new(
        &sandbox.api_url(),
        sandbox.token(login),
        client_options(Arc::new(RecordingSleeper::new())),
    )
    .expect("a client for the sandbox")
}

/// A `GitHubForge` for `login` without spacing; the sleeper records the client's waits.
pub fn forge_as(sandbox: &SandboxHandle, login: &str) -> (GitHubForge, Arc<RecordingSleeper>) {
    forge_with(sandbox, login, GitHubForgeOptions::unspaced())
}

pub fn forge_with(
    sandbox: &SandboxHandle,
    login: &str,
    options: GitHubForgeOptions,
) -> (GitHubForge, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::new());
    let forge = GitHubForge::connect(
        &sandbox.api_url(),
        sandbox.token(login),
        client_options(sleeper.clone()),
        options,
    )
    .expect("a forge for the sandbox");
    (forge, sleeper)
}

/// The pusher as the forge knows them (`is_org_admin` from the forge's own probe when
/// the pusher holds `forge`'s token).
pub async fn pusher(forge: &GitHubForge, repo: &RepoId, login: &str) -> Pusher {
    let me = forge.identity().await.unwrap();
    let is_org_admin = if me.login == login {
        forge
            .repo_access(repo)
            .await
            .unwrap()
            .is_org_admin
            .unwrap_or(false)
    } else {
        false
    };
    Pusher {
        login: login.to_owned(),
        id: forge.user_id(login).await.unwrap(),
        permission: forge.permission_of(repo, login).await.unwrap(),
        is_org_admin,
    }
}

/// `current_user_can_bypass` is the reading token's; when someone else pushes, the
/// planner must not read it as theirs.
pub fn for_other_pusher(snapshot: &ProtectionSnapshot) -> ProtectionSnapshot {
    let mut out = snapshot.clone();
    for entry in &mut out.rulesets {
        let mut raw = entry.ruleset.raw().clone();
        raw.as_object_mut()
            .unwrap()
            .remove("current_user_can_bypass");
        entry.ruleset = Ruleset::from_get(raw).unwrap();
    }
    out
}

/// Plans for `pusher`, the acting token administering every ruleset in the snapshot.
pub fn plan_for(
    snapshot: &ProtectionSnapshot,
    pusher: Pusher,
    pushed_has_merges: bool,
) -> Result<RelaxPlan, PlanRefusal> {
    plan(&PlanInput {
        snapshot,
        pusher,
        administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
        pushed_has_merges,
        settings_lost_by_put: Vec::new(),
    })
}

/// Replaces `repo`'s own rulesets with `bodies` (each a writable ruleset object).
pub async fn set_rulesets(admin: &GitHubClient, repo: &RepoId, bodies: &[Value]) {
    let base = format!("/repos/{}/{}/rulesets", repo.owner, repo.name);
    let existing = admin
        .execute(&Request::get(base.clone()).with_query("includes_parents", "false"))
        .await
        .unwrap()
        .json;
    for ruleset in existing.as_array().unwrap() {
        let path = format!("{base}/{}", ruleset["id"]);
        admin.execute(&Request::delete(path)).await.unwrap();
    }
    for body in bodies {
        admin
            .execute(&Request::post_create(base.clone(), body.clone()))
            .await
            .unwrap_or_else(|e| panic!("creating ruleset {body}: {e}"));
    }
}

/// A fresh clone of `repo` fetched with `login`'s token, one commit on top of the
/// forge's `branch`, pushed back with that token. Runs git on a blocking thread.
pub async fn push_fix(
    sandbox: &SandboxHandle,
    repo: &RepoId,
    branch: &str,
    login: &str,
) -> PushOutcome {
    let url = sandbox.clone_url(repo);
    let token = sandbox.token(login);
    let branch = branch.to_owned();
    let login = login.to_owned();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("work");
        let repository = Repository::init(&work).unwrap();
        repository.remote("origin", &url).unwrap();
        let local = LocalRepo::discover(&work).unwrap();
        let credentials = Credentials::token(token);
        let base = local
            .fetch("origin", &branch, &credentials)
            .unwrap()
            .expect("the branch exists on the forge");
        let fix = commit_on(local.git2(), base, &format!("fix by {login}\n"));
        local
            .push(
                &PushRequest {
                    remote: "origin",
                    branch: &branch,
                    new: fix,
                    expected_old: Some(base),
                },
                &credentials,
            )
            .unwrap()
    })
    .await
    .unwrap()
}

/// A commit on top of `parent` that writes `FIX.txt`.
fn commit_on(repo: &Repository, parent: Oid, content: &str) -> Oid {
    let parent = repo.find_commit(parent).unwrap();
    let blob = repo.blob(content.as_bytes()).unwrap();
    let mut tree = repo.treebuilder(Some(&parent.tree().unwrap())).unwrap();
    tree.insert("FIX.txt", blob, 0o100644).unwrap();
    let tree = repo.find_tree(tree.write().unwrap()).unwrap();
    let who = Signature::now("Incident Commander", "ic@acme.test").unwrap();
    repo.commit(None, &who, &who, "Fix the outage", &tree, &[&parent])
        .unwrap()
}
