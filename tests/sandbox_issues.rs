//! The sandbox forge's issues, labels and comments over real HTTP, as GitHub's docs
//! describe them: filters and paging, closing with a reason, labels created on use and
//! GitHub's 404 for one not on the issue, comments since a time and repository-wide,
//! who may change what, and all of it kept across a restart with `--dir`.

mod sandbox_support;

use breakglass::clock::FakeClock;
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use chrono::{Duration, TimeZone, Utc};
use sandbox_support::{Resp, as_user};
use serde_json::{Value, json};
use std::sync::Arc;

const REPO: &str = "/repos/acme/api";

async fn start_at(clock: &Arc<FakeClock>, dir: Option<std::path::PathBuf>) -> SandboxHandle {
    Sandbox::start(SandboxOptions {
        clock: clock.clone(),
        dir,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

fn clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::at(
        Utc.with_ymd_and_hms(2026, 12, 1, 22, 0, 0).unwrap(),
    ))
}

fn names(labels: &Value) -> Vec<&str> {
    labels
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect()
}

fn numbers(issues: &Resp) -> Vec<u64> {
    assert_eq!(
        issues.status,
        200,
        "{}",
        String::from_utf8_lossy(&issues.body)
    );
    issues
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect()
}

async fn open_issue(sb: &SandboxHandle, login: &str, title: &str, labels: &[&str]) -> u64 {
    let r = as_user(
        sb,
        login,
        "POST",
        &format!("{REPO}/issues"),
        Some(json!({"title": title, "body": "status table", "labels": labels})),
    )
    .await;
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    r.json()["number"].as_u64().unwrap()
}

#[tokio::test]
async fn labels_are_created_on_use_added_replaced_and_removed_like_github() {
    let clock = clock();
    let sb = start_at(&clock, None).await;
    let n = open_issue(
        &sb,
        "commander",
        "[break-glass] INC-1",
        &["breakglass", "bug"],
    )
    .await;
    let issue = as_user(&sb, "dev", "GET", &format!("{REPO}/issues/{n}"), None)
        .await
        .json();
    assert_eq!(names(&issue["labels"]), ["breakglass", "bug"]);
    assert_eq!(issue["labels"][0]["color"], "ededed", "made on use, grey");
    assert_eq!(
        issue["labels"][1]["default"], true,
        "bug is a default label"
    );

    let repo_labels = as_user(
        &sb,
        "dev",
        "GET",
        &format!("{REPO}/labels?per_page=100"),
        None,
    )
    .await
    .json();
    assert!(names(&repo_labels).contains(&"breakglass"));
    assert!(names(&repo_labels).contains(&"wontfix"));

    let at = format!("{REPO}/issues/{n}/labels");
    let added = as_user(
        &sb,
        "commander",
        "POST",
        &at,
        Some(json!({"labels": ["breakglass:open"]})),
    )
    .await;
    assert_eq!(added.status, 200);
    assert_eq!(
        names(&added.json()),
        ["breakglass", "bug", "breakglass:open"]
    );
    let removed = as_user(
        &sb,
        "commander",
        "DELETE",
        &format!("{at}/breakglass%3Aopen"),
        None,
    )
    .await;
    assert_eq!(removed.status, 200);
    assert_eq!(names(&removed.json()), ["breakglass", "bug"]);
    let again = as_user(
        &sb,
        "commander",
        "DELETE",
        &format!("{at}/breakglass%3Aopen"),
        None,
    )
    .await;
    assert_eq!(
        (again.status, again.message().as_str()),
        (404, "Label does not exist")
    );
    let replaced = as_user(
        &sb,
        "commander",
        "PUT",
        &at,
        Some(json!({"labels": ["breakglass:drill"]})),
    )
    .await;
    assert_eq!(names(&replaced.json()), ["breakglass:drill"]);
    assert_eq!(
        as_user(&sb, "commander", "DELETE", &at, None).await.status,
        204
    );
    assert_eq!(
        as_user(&sb, "dev", "GET", &at, None).await.json(),
        json!([])
    );

    let made = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/labels"),
        Some(json!({"name": "sev1", "color": "#B60205", "description": "customer facing"})),
    )
    .await;
    assert_eq!(made.status, 201);
    assert_eq!(
        (
            made.json()["color"].as_str(),
            made.json()["description"].as_str()
        ),
        (Some("b60205"), Some("customer facing"))
    );
    let twice = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/labels"),
        Some(json!({"name": "SEV1"})),
    )
    .await;
    assert_eq!(twice.status, 422);
    assert_eq!(twice.json()["errors"][0]["code"], "already_exists");
    let bad = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/labels"),
        Some(json!({"name": "x", "color": "red"})),
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        as_user(&sb, "dev", "GET", &format!("{REPO}/labels/nope"), None)
            .await
            .status,
        404
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn issues_close_with_a_reason_reopen_and_filter_like_github() {
    let clock = clock();
    let sb = start_at(&clock, None).await;
    let first = open_issue(
        &sb,
        "commander",
        "first",
        &["breakglass", "breakglass:open"],
    )
    .await;
    clock.advance(Duration::minutes(10));
    let second = open_issue(&sb, "dev", "second", &["breakglass"]).await;
    clock.advance(Duration::minutes(10));
    let third = open_issue(&sb, "dev", "third", &[]).await;
    let list = |query: &'static str| {
        let sb = &sb;
        async move {
            numbers(
                &as_user(
                    sb,
                    "reviewer",
                    "GET",
                    &format!("{REPO}/issues{query}"),
                    None,
                )
                .await,
            )
        }
    };
    assert_eq!(list("").await, [third, second, first], "newest first");
    assert_eq!(list("?direction=asc").await, [first, second, third]);
    assert_eq!(list("?labels=breakglass").await, [second, first]);
    assert_eq!(list("?labels=breakglass,breakglass:open").await, [first]);
    assert_eq!(list("?creator=dev").await, [third, second]);
    assert_eq!(list("?since=2026-12-01T22:05:00Z").await, [third, second]);

    let paged = as_user(
        &sb,
        "reviewer",
        "GET",
        &format!("{REPO}/issues?per_page=2"),
        None,
    )
    .await;
    assert_eq!(numbers(&paged), [third, second]);
    let link = paged.header("link").expect("a Link header").to_owned();
    assert!(
        link.contains("rel=\"next\"") && link.contains("page=2"),
        "{link}"
    );
    assert_eq!(list("?per_page=2&page=2").await, [first]);

    clock.advance(Duration::minutes(1));
    let at = format!("{REPO}/issues/{first}");
    let closed = as_user(
        &sb,
        "reviewer",
        "PATCH",
        &at,
        Some(json!({"state": "closed", "state_reason": "not_planned"})),
    )
    .await;
    assert_eq!(closed.status, 200);
    let closed = closed.json();
    assert_eq!(
        (closed["state"].as_str(), closed["state_reason"].as_str()),
        (Some("closed"), Some("not_planned"))
    );
    assert_eq!(closed["closed_at"], "2026-12-01T22:21:00Z");
    assert_eq!(closed["closed_by"]["login"], "reviewer");
    assert_eq!(
        list("").await,
        [third, second],
        "closed issues leave the default list"
    );
    assert_eq!(list("?state=closed").await, [first]);
    assert_eq!(
        list("?state=all&sort=updated").await,
        [first, third, second]
    );

    let reopened = as_user(
        &sb,
        "commander",
        "PATCH",
        &at,
        Some(json!({"state": "open"})),
    )
    .await
    .json();
    assert_eq!(
        (
            reopened["state_reason"].as_str(),
            reopened["closed_at"].is_null()
        ),
        (Some("reopened"), true)
    );
    let bad = as_user(
        &sb,
        "commander",
        "PATCH",
        &at,
        Some(json!({"state_reason": "fixed"})),
    )
    .await;
    assert_eq!(bad.status, 422);
    let renamed = as_user(&sb, "commander", "PATCH", &at,
        Some(json!({"title": "[break-glass] INC-1: restored", "body": "| restored | yes |", "labels": ["breakglass"]}))).await.json();
    assert_eq!(
        (renamed["title"].as_str(), renamed["body"].as_str()),
        (
            Some("[break-glass] INC-1: restored"),
            Some("| restored | yes |")
        )
    );
    assert_eq!(names(&renamed["labels"]), ["breakglass"]);
    assert_eq!(
        as_user(&sb, "dev", "GET", &format!("{REPO}/issues/999"), None)
            .await
            .status,
        404
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn pull_requests_are_issues_too() {
    let clock = clock();
    let sb = start_at(&clock, None).await;
    let repo = breakglass::forge::RepoId::new("acme", "api");
    let main = sb.branch_head(&repo, "main").unwrap();
    let made = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/git/refs"),
        Some(json!({"ref": "refs/heads/review", "sha": main})),
    )
    .await;
    assert_eq!(made.status, 201);
    // A pull request needs a commit of its own: the seed's first commit as the base.
    let first = as_user(
        &sb,
        "dev",
        "GET",
        &format!("{REPO}/compare/main...main"),
        None,
    )
    .await
    .json();
    let root = first["base_commit"]["parents"][0]["sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/git/refs"),
        Some(json!({"ref": "refs/heads/before", "sha": root})),
    )
    .await;
    assert_eq!(base.status, 201);
    let pull = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/pulls"),
        Some(json!({"title": "Review INC-1", "head": "review", "base": "before"})),
    )
    .await;
    assert_eq!(pull.status, 201);
    let n = pull.json()["number"].as_u64().unwrap();
    let issue = open_issue(&sb, "commander", "incident", &[]).await;
    let listed = as_user(&sb, "dev", "GET", &format!("{REPO}/issues"), None)
        .await
        .json();
    let items = listed.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            items[0]["number"].as_u64(),
            items[0].get("pull_request").is_none()
        ),
        (Some(issue), true)
    );
    assert_eq!(items[1]["number"].as_u64(), Some(n));
    assert_eq!(
        items[1]["pull_request"]["url"],
        format!("{}{REPO}/pulls/{n}", sb.api_url()).as_str()
    );
    let commented = as_user(
        &sb,
        "dev",
        "POST",
        &format!("{REPO}/issues/{n}/comments"),
        Some(json!({"body": "looks right"})),
    )
    .await;
    assert_eq!(commented.status, 201);
    let got = as_user(&sb, "dev", "GET", &format!("{REPO}/pulls/{n}"), None)
        .await
        .json();
    assert_eq!(
        (got["comments"].as_u64(), got["commits"].as_u64()),
        (Some(1), Some(1))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn comments_list_since_a_time_repository_wide_and_are_edited_and_deleted() {
    let clock = clock();
    let sb = start_at(&clock, None).await;
    let one = open_issue(&sb, "commander", "one", &[]).await;
    let two = open_issue(&sb, "commander", "two", &[]).await;
    let comment = |n: u64, body: &'static str| {
        let sb = &sb;
        async move {
            let r = as_user(
                sb,
                "commander",
                "POST",
                &format!("{REPO}/issues/{n}/comments"),
                Some(json!({"body": body})),
            )
            .await;
            assert_eq!(r.status, 201);
            r.json()["id"].as_u64().unwrap()
        }
    };
    let a = comment(one, "seq 1 declared").await;
    clock.advance(Duration::minutes(5));
    let b = comment(two, "seq 2 preflighted").await;
    clock.advance(Duration::minutes(5));
    let c = comment(one, "seq 3 activated").await;
    let ids = |r: Resp| -> Vec<u64> {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_u64().unwrap())
            .collect()
    };
    let on_one = format!("{REPO}/issues/{one}/comments");
    assert_eq!(ids(as_user(&sb, "dev", "GET", &on_one, None).await), [a, c]);
    assert_eq!(
        ids(as_user(
            &sb,
            "dev",
            "GET",
            &format!("{on_one}?since=2026-12-01T22:01:00Z"),
            None
        )
        .await),
        [c]
    );
    assert_eq!(
        ids(as_user(
            &sb,
            "dev",
            "GET",
            &format!("{on_one}?per_page=1&page=2"),
            None
        )
        .await),
        [c]
    );
    let bad_since = as_user(
        &sb,
        "dev",
        "GET",
        &format!("{on_one}?since=yesterday"),
        None,
    )
    .await;
    assert_eq!(bad_since.status, 422);
    let issue = as_user(&sb, "dev", "GET", &format!("{REPO}/issues/{one}"), None)
        .await
        .json();
    assert_eq!(
        (issue["comments"].as_u64(), issue["updated_at"].as_str()),
        (Some(2), Some("2026-12-01T22:10:00Z")),
        "a comment touches its issue"
    );

    let all = format!("{REPO}/issues/comments");
    assert_eq!(ids(as_user(&sb, "dev", "GET", &all, None).await), [a, b, c]);
    assert_eq!(
        ids(as_user(&sb, "dev", "GET", &format!("{all}?sort=created"), None).await),
        [c, b, a]
    );
    assert_eq!(
        ids(as_user(
            &sb,
            "dev",
            "GET",
            &format!("{all}?sort=created&direction=asc&since=2026-12-01T22:04:00Z"),
            None
        )
        .await),
        [b, c]
    );

    clock.advance(Duration::minutes(5));
    let by_id = format!("{REPO}/issues/comments/{a}");
    let edited = as_user(
        &sb,
        "commander",
        "PATCH",
        &by_id,
        Some(json!({"body": "seq 1 declared (edited)"})),
    )
    .await
    .json();
    assert_eq!(
        (
            edited["body"].as_str(),
            edited["created_at"].as_str(),
            edited["updated_at"].as_str()
        ),
        (
            Some("seq 1 declared (edited)"),
            Some("2026-12-01T22:00:00Z"),
            Some("2026-12-01T22:15:00Z")
        )
    );
    assert_eq!(
        ids(as_user(&sb, "dev", "GET", &format!("{all}?sort=updated"), None).await),
        [a, c, b]
    );
    assert_eq!(
        as_user(&sb, "dev", "GET", &by_id, None).await.json()["body"],
        "seq 1 declared (edited)"
    );
    assert_eq!(
        as_user(&sb, "commander", "PATCH", &by_id, Some(json!({"body": ""})))
            .await
            .status,
        422
    );
    assert_eq!(
        as_user(&sb, "commander", "DELETE", &by_id, None)
            .await
            .status,
        204
    );
    assert_eq!(as_user(&sb, "dev", "GET", &by_id, None).await.status, 404);
    assert_eq!(ids(as_user(&sb, "dev", "GET", &on_one, None).await), [c]);
    let nowhere = as_user(
        &sb,
        "dev",
        "POST",
        &format!("{REPO}/issues/404/comments"),
        Some(json!({"body": "x"})),
    )
    .await;
    assert_eq!(nowhere.status, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn readers_comment_and_open_issues_but_change_only_their_own() {
    let clock = clock();
    let sb = start_at(&clock, None).await;
    let theirs = open_issue(&sb, "commander", "incident", &["breakglass"]).await;
    let note = as_user(
        &sb,
        "commander",
        "POST",
        &format!("{REPO}/issues/{theirs}/comments"),
        Some(json!({"body": "declared"})),
    )
    .await
    .json();
    // Only an admin changes who collaborates; GitHub answers 204 for an org member.
    let made_reader = as_user(
        &sb,
        "commander",
        "PUT",
        &format!("{REPO}/collaborators/dev"),
        Some(json!({"permission": "pull"})),
    )
    .await;
    assert_eq!(made_reader.status, 204);
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "PUT",
            &format!("{REPO}/collaborators/reviewer"),
            Some(json!({"permission": "pull"}))
        )
        .await
        .status,
        404
    );
    let role = as_user(
        &sb,
        "reviewer",
        "GET",
        &format!("{REPO}/collaborators/dev/permission"),
        None,
    )
    .await
    .json();
    assert_eq!(
        (role["permission"].as_str(), role["role_name"].as_str()),
        (Some("read"), Some("read"))
    );

    let mine = as_user(
        &sb,
        "dev",
        "POST",
        &format!("{REPO}/issues"),
        Some(json!({"title": "mine", "labels": ["sev1"]})),
    )
    .await;
    assert_eq!(mine.status, 201);
    assert_eq!(
        mine.json()["labels"],
        json!([]),
        "labels from a reader are silently dropped"
    );
    let mine = mine.json()["number"].as_u64().unwrap();
    let own_edit = as_user(
        &sb,
        "dev",
        "PATCH",
        &format!("{REPO}/issues/{mine}"),
        Some(json!({"state": "closed", "labels": ["x"]})),
    )
    .await;
    assert_eq!(own_edit.status, 200);
    assert_eq!(
        (
            own_edit.json()["state"].as_str(),
            own_edit.json()["labels"].clone()
        ),
        (Some("closed"), json!([]))
    );
    let other = as_user(
        &sb,
        "dev",
        "PATCH",
        &format!("{REPO}/issues/{theirs}"),
        Some(json!({"state": "closed"})),
    )
    .await;
    assert_eq!(other.status, 403);
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "POST",
            &format!("{REPO}/issues/{theirs}/labels"),
            Some(json!({"labels": ["x"]}))
        )
        .await
        .status,
        403
    );
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "POST",
            &format!("{REPO}/labels"),
            Some(json!({"name": "x"}))
        )
        .await
        .status,
        403
    );
    let said = as_user(
        &sb,
        "dev",
        "POST",
        &format!("{REPO}/issues/{theirs}/comments"),
        Some(json!({"body": "/approve"})),
    )
    .await;
    assert_eq!(said.status, 201);
    assert_eq!(said.json()["author_association"], "COLLABORATOR");
    let id = note["id"].as_u64().unwrap();
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "PATCH",
            &format!("{REPO}/issues/comments/{id}"),
            Some(json!({"body": "forged"}))
        )
        .await
        .status,
        403
    );
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "DELETE",
            &format!("{REPO}/issues/comments/{id}"),
            None
        )
        .await
        .status,
        403
    );
    let own = said.json()["id"].as_u64().unwrap();
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "PATCH",
            &format!("{REPO}/issues/comments/{own}"),
            Some(json!({"body": "/deny wrong branch"}))
        )
        .await
        .status,
        200
    );
    // Triage is enough to close, label and assign another person's issue, not to edit
    // the repository's labels.
    let triage = as_user(
        &sb,
        "commander",
        "PUT",
        &format!("{REPO}/collaborators/reviewer"),
        Some(json!({"permission": "triage"})),
    )
    .await;
    assert_eq!(triage.status, 204);
    let triaged = as_user(&sb, "reviewer", "PATCH", &format!("{REPO}/issues/{theirs}"),
        Some(json!({"state": "closed", "labels": ["breakglass", "sev1"], "assignees": ["commander"]}))).await;
    assert_eq!(triaged.status, 200);
    assert_eq!(names(&triaged.json()["labels"]), ["breakglass", "sev1"]);
    assert_eq!(triaged.json()["assignee"]["login"], "commander");
    let stranger = as_user(
        &sb,
        "reviewer",
        "PATCH",
        &format!("{REPO}/issues/{theirs}"),
        Some(json!({"assignees": ["ghost"]})),
    )
    .await;
    assert_eq!(stranger.status, 422);
    assert_eq!(
        as_user(
            &sb,
            "reviewer",
            "POST",
            &format!("{REPO}/labels"),
            Some(json!({"name": "y"}))
        )
        .await
        .status,
        403
    );
    // Whoever cannot read the repository does not see it at all.
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "DELETE",
            &format!("{REPO}/collaborators/dev"),
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(
        as_user(
            &sb,
            "commander",
            "DELETE",
            &format!("{REPO}/collaborators/dev"),
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        as_user(
            &sb,
            "dev",
            "GET",
            &format!("{REPO}/issues/{theirs}/comments"),
            None
        )
        .await
        .status,
        404
    );
    sb.shutdown().await;
}

/// Removes `key` from every object in `items`; how many lost it.
fn strip(items: &mut Value, key: &str) -> usize {
    items
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .filter_map(|item| item.as_object_mut().unwrap().remove(key))
        .count()
}

#[tokio::test]
async fn issues_labels_and_comments_persist_and_older_state_files_load() {
    let clock = clock();
    let dir = tempfile::tempdir().unwrap();
    let first = start_at(&clock, Some(dir.path().to_owned())).await;
    let n = open_issue(
        &first,
        "commander",
        "incident",
        &["breakglass", "breakglass:open"],
    )
    .await;
    as_user(
        &first,
        "commander",
        "PATCH",
        &format!("{REPO}/issues/{n}"),
        Some(json!({"state": "closed", "state_reason": "completed"})),
    )
    .await;
    let c = as_user(
        &first,
        "commander",
        "POST",
        &format!("{REPO}/issues/{n}/comments"),
        Some(json!({"body": "seq 1"})),
    )
    .await
    .json();
    clock.advance(Duration::minutes(1));
    let edit = as_user(
        &first,
        "commander",
        "PATCH",
        &format!("{REPO}/issues/comments/{}", c["id"]),
        Some(json!({"body": "seq 1 (edited)"})),
    )
    .await;
    assert_eq!(edit.status, 200);
    first.shutdown().await;

    let second = start_at(&clock, Some(dir.path().to_owned())).await;
    let issue = as_user(&second, "dev", "GET", &format!("{REPO}/issues/{n}"), None)
        .await
        .json();
    assert_eq!(
        (
            issue["state_reason"].as_str(),
            issue["closed_by"]["login"].as_str()
        ),
        (Some("completed"), Some("commander"))
    );
    assert_eq!(names(&issue["labels"]), ["breakglass", "breakglass:open"]);
    let comments = as_user(
        &second,
        "dev",
        "GET",
        &format!("{REPO}/issues/{n}/comments"),
        None,
    )
    .await
    .json();
    assert_eq!(
        (
            comments[0]["body"].as_str(),
            comments[0]["updated_at"].as_str()
        ),
        (Some("seq 1 (edited)"), Some("2026-12-01T22:01:00Z"))
    );
    second.shutdown().await;

    // A state file from before labels, closing reasons, edits and creation times were kept.
    let file = dir.path().join("sandbox-state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(strip(&mut state["users"], "created_at"), 4);
    let mut stripped = 0;
    for repo in state["repos"].as_array_mut().unwrap() {
        for key in ["labels", "created_at", "pushed_at"] {
            stripped += usize::from(repo.as_object_mut().unwrap().remove(key).is_some());
        }
        for key in ["state_reason", "closed_at", "closed_by"] {
            stripped += strip(&mut repo["issues"], key);
        }
        stripped += strip(&mut repo["comments"], "updated_at");
    }
    assert_eq!(stripped, 4 * 3 + 3 + 1);
    std::fs::write(&file, serde_json::to_vec(&state).unwrap()).unwrap();
    clock.advance(Duration::hours(1));
    let third = start_at(&clock, Some(dir.path().to_owned())).await;
    let issue = as_user(&third, "dev", "GET", &format!("{REPO}/issues/{n}"), None)
        .await
        .json();
    assert_eq!(
        (
            issue["state"].as_str(),
            issue["state_reason"].clone(),
            issue["closed_at"].clone()
        ),
        (Some("closed"), Value::Null, Value::Null)
    );
    assert_eq!(
        names(&issue["labels"]),
        ["breakglass", "breakglass:open"],
        "labels named by issues come back"
    );
    let repo = as_user(&third, "dev", "GET", REPO, None).await.json();
    assert_eq!(
        repo["created_at"], "2026-12-01T23:01:00Z",
        "filled with the load time"
    );
    let me = as_user(&third, "dev", "GET", "/user", None).await.json();
    assert_eq!(me["created_at"], "2026-12-01T23:01:00Z");
    third.shutdown().await;
}
