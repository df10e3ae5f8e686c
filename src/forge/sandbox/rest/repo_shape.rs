//! Repositories in GitHub's shapes, each with every member GitHub's published description
//! requires: `minimal-repository` (combined status), `repository` (what pull requests
//! embed) and `full-repository` (`GET /repos/{o}/{r}`), with GitHub's URL templates.
//!
//! Rendering only; counts and times come from the stored state and the bare repository.

use super::{Cx, account_json};
use crate::forge::Permission;
use crate::forge::sandbox::model::RepoRecord;
use serde_json::{Map, Value, json};
use std::path::Path;

/// The owner as GitHub embeds it: the organisation, or the user.
pub fn owner_json(cx: &Cx, repo: &RepoRecord) -> Value {
    match cx.state.org(&repo.owner) {
        Some(org) => account_json(cx.base_url, &org.login, org.id, "Organization"),
        None => {
            let mut u = cx.user_json(&repo.owner);
            u["type"] = json!("User");
            u
        }
    }
}

pub fn permissions_json(role: Permission) -> Value {
    json!({
        "admin": role >= Permission::Admin,
        "maintain": role >= Permission::Maintain,
        "push": role >= Permission::Write,
        "triage": role >= Permission::Triage,
        "pull": role >= Permission::Read,
    })
}

/// `minimal-repository`'s required members: identity and every API URL (templates
/// included, as GitHub sends them).
pub fn minimal(cx: &Cx, repo: &RepoRecord) -> Map<String, Value> {
    let full = repo.full_name();
    let api = format!("{}/repos/{full}", cx.base_url);
    let mut m = Map::new();
    m.insert("id".into(), json!(repo.id));
    m.insert("node_id".into(), json!(format!("R_sandbox{}", repo.id)));
    m.insert("name".into(), json!(repo.name));
    m.insert("full_name".into(), json!(full));
    m.insert("owner".into(), owner_json(cx, repo));
    m.insert("private".into(), json!(true));
    m.insert("html_url".into(), json!(format!("{}/{full}", cx.base_url)));
    m.insert("description".into(), Value::Null);
    m.insert("fork".into(), json!(false));
    m.insert("url".into(), json!(api));
    for (key, suffix) in [
        ("archive_url", "/{archive_format}{/ref}"),
        ("assignees_url", "/assignees{/user}"),
        ("blobs_url", "/git/blobs{/sha}"),
        ("branches_url", "/branches{/branch}"),
        ("collaborators_url", "/collaborators{/collaborator}"),
        ("comments_url", "/comments{/number}"),
        ("commits_url", "/commits{/sha}"),
        ("compare_url", "/compare/{base}...{head}"),
        ("contents_url", "/contents/{+path}"),
        ("contributors_url", "/contributors"),
        ("deployments_url", "/deployments"),
        ("downloads_url", "/downloads"),
        ("events_url", "/events"),
        ("forks_url", "/forks"),
        ("git_commits_url", "/git/commits{/sha}"),
        ("git_refs_url", "/git/refs{/sha}"),
        ("git_tags_url", "/git/tags{/sha}"),
        ("hooks_url", "/hooks"),
        ("issue_comment_url", "/issues/comments{/number}"),
        ("issue_events_url", "/issues/events{/number}"),
        ("issues_url", "/issues{/number}"),
        ("keys_url", "/keys{/key_id}"),
        ("labels_url", "/labels{/name}"),
        ("languages_url", "/languages"),
        ("merges_url", "/merges"),
        ("milestones_url", "/milestones{/number}"),
        (
            "notifications_url",
            "/notifications{?since,all,participating}",
        ),
        ("pulls_url", "/pulls{/number}"),
        ("releases_url", "/releases{/id}"),
        ("stargazers_url", "/stargazers"),
        ("statuses_url", "/statuses/{sha}"),
        ("subscribers_url", "/subscribers"),
        ("subscription_url", "/subscription"),
        ("tags_url", "/tags"),
        ("teams_url", "/teams"),
        ("trees_url", "/git/trees{/sha}"),
    ] {
        m.insert(key.into(), json!(format!("{api}{suffix}")));
    }
    m
}

/// The bare repository's size on disk in KiB, as GitHub's `size` reports it.
fn size_kib(path: &Path) -> u64 {
    fn walk(path: &Path) -> u64 {
        std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| match e.file_type() {
                Ok(t) if t.is_dir() => walk(&e.path()),
                _ => e.metadata().map(|m| m.len()).unwrap_or(0),
            })
            .sum()
    }
    walk(path).div_ceil(1024)
}

/// GitHub's `repository`; `role` adds the caller's `permissions`.
pub fn repository(cx: &Cx, repo: &RepoRecord, role: Option<Permission>) -> Map<String, Value> {
    let mut m = minimal(cx, repo);
    let full = repo.full_name();
    let base = cx.base_url;
    let host = url::Url::parse(base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "127.0.0.1".into());
    let created = repo.created_at.unwrap_or(cx.now);
    let pushed = repo.pushed_at.unwrap_or(created);
    let open = repo.issues.iter().filter(|i| i.state == "open").count()
        + repo.pulls.iter().filter(|p| p.state == "open").count();
    let time = |t: chrono::DateTime<chrono::Utc>| {
        json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    let members = [
        ("clone_url", json!(format!("{base}/git/{full}.git"))),
        ("git_url", json!(format!("git://{host}/{full}.git"))),
        ("ssh_url", json!(format!("git@{host}:{full}.git"))),
        ("svn_url", json!(format!("{base}/{full}"))),
        ("mirror_url", Value::Null),
        ("homepage", Value::Null),
        ("language", Value::Null),
        ("license", Value::Null),
        ("default_branch", json!(repo.default_branch)),
        ("visibility", json!("private")),
        ("forks", json!(0)),
        ("forks_count", json!(0)),
        ("stargazers_count", json!(0)),
        ("watchers", json!(0)),
        ("watchers_count", json!(0)),
        ("open_issues", json!(open)),
        ("open_issues_count", json!(open)),
        ("size", json!(size_kib(&cx.repo_path(repo)))),
        ("has_issues", json!(true)),
        ("has_projects", json!(true)),
        ("has_wiki", json!(false)),
        ("has_pages", json!(false)),
        ("has_downloads", json!(true)),
        ("archived", json!(false)),
        ("disabled", json!(false)),
        ("created_at", time(created)),
        ("updated_at", time(pushed.max(created))),
        ("pushed_at", time(pushed)),
    ];
    for (key, value) in members {
        m.insert(key.into(), value);
    }
    if let Some(role) = role {
        m.insert("permissions".into(), permissions_json(role));
    }
    m
}

/// GitHub's `full-repository`, what `GET /repos/{o}/{r}` answers.
pub fn full(cx: &Cx, repo: &RepoRecord, role: Permission) -> Value {
    let mut m = repository(cx, repo, Some(role));
    m.insert("has_discussions".into(), json!(false));
    m.insert("network_count".into(), json!(0));
    m.insert("subscribers_count".into(), json!(0));
    if let Some(org) = cx.state.org(&repo.owner) {
        m.insert(
            "organization".into(),
            account_json(cx.base_url, &org.login, org.id, "Organization"),
        );
    }
    Value::Object(m)
}
