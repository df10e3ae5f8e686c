//! Commit statuses: `POST /statuses/{sha}`, the list `GET /commits/{ref}/statuses` (newest
//! first, paged) and the combined `GET /commits/{ref}/status`.
//!
//! The combined state follows GitHub: failure if any latest status failed or errored,
//! pending if any is pending or there are none, success otherwise.

use super::Cx;
use super::page::page;
use crate::forge::Permission;
use crate::forge::sandbox::model::StatusRecord;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// GitHub's `simple-commit-status`, what the combined status lists.
fn simple_status_json(cx: &Cx, full: &str, s: &StatusRecord) -> Value {
    json!({
        "id": s.id, "node_id": format!("SC_sandbox{}", s.id),
        "url": format!("{}/repos/{full}/statuses/{}", cx.base_url, s.sha),
        "avatar_url": format!("{}/avatars/{}", cx.base_url, s.creator),
        "state": s.state, "description": s.description, "target_url": s.target_url,
        "context": s.context, "created_at": s.created_at.to_rfc3339(),
        "updated_at": s.created_at.to_rfc3339(),
    })
}

/// GitHub's `status`: the simple one and who created it.
fn status_json(cx: &Cx, full: &str, s: &StatusRecord) -> Value {
    let mut out = simple_status_json(cx, full, s);
    out["creator"] = cx.user_json(&s.creator);
    out
}

fn optional_text(v: &Value) -> Option<String> {
    v.as_str().map(crate::text::sanitize_line)
}

pub fn create(cx: &mut Cx, owner: &str, name: &str, sha: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Write)?;
    let body = cx.body()?;
    let state = body["state"].as_str().unwrap_or("");
    if !["error", "failure", "pending", "success"].contains(&state) {
        return Err(Reply::validation_failed(
            "Status",
            "state",
            "state must be one of error, failure, pending, success",
        ));
    }
    let path = cx.repo_path(&cx.state.repos[index]);
    if repo_git::commit_info(&path, sha).is_none() {
        return Err(Reply::unprocessable(&format!(
            "No commit found for SHA: {}",
            crate::text::sanitize_line(sha)
        )));
    }
    let record = StatusRecord {
        id: cx.state.fresh_id(),
        sha: sha.to_owned(),
        state: state.to_owned(),
        context: optional_text(&body["context"]).unwrap_or_else(|| "default".into()),
        description: optional_text(&body["description"]),
        target_url: optional_text(&body["target_url"]),
        creator: cx.caller()?.login.clone(),
        created_at: cx.now,
    };
    let full = cx.state.repos[index].full_name();
    let out = status_json(cx, &full, &record);
    cx.state.repos[index].statuses.push(record);
    Ok(Reply::created(out))
}

/// The commit `reference` (a sha, branch or tag) names in repository `index`.
fn resolve(cx: &Cx, index: usize, reference: &str) -> Result<String, Reply> {
    repo_git::resolve_commit(&cx.repo_path(&cx.state.repos[index]), reference)
        .map(|oid| oid.to_string())
        .ok_or_else(|| {
            Reply::unprocessable(&format!(
                "No commit found for SHA: {}",
                crate::text::sanitize_line(reference)
            ))
        })
}

/// Every status of the commit `reference` names, newest first (GitHub: "The first status
/// in the list will be the latest one").
pub fn list(cx: &mut Cx, owner: &str, name: &str, reference: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let sha = resolve(cx, index, reference)?;
    let repo = &cx.state.repos[index];
    let full = repo.full_name();
    let all: Vec<Value> = repo
        .statuses
        .iter()
        .rev()
        .filter(|s| s.sha == sha)
        .map(|s| status_json(cx, &full, s))
        .collect();
    Ok(page(cx, all))
}

pub fn combined(cx: &mut Cx, owner: &str, name: &str, reference: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let sha = resolve(cx, index, reference)?;
    let repo = &cx.state.repos[index];
    let mut latest: Vec<&StatusRecord> = Vec::new();
    for s in repo.statuses.iter().rev().filter(|s| s.sha == sha) {
        if !latest.iter().any(|l| l.context == s.context) {
            latest.push(s);
        }
    }
    let overall = if latest
        .iter()
        .any(|s| s.state == "failure" || s.state == "error")
    {
        "failure"
    } else if latest.is_empty() || latest.iter().any(|s| s.state == "pending") {
        "pending"
    } else {
        "success"
    };
    let full = repo.full_name();
    Ok(Reply::ok(json!({
        "state": overall,
        "sha": sha,
        "total_count": latest.len(),
        "statuses": latest.iter().map(|s| simple_status_json(cx, &full, s)).collect::<Vec<_>>(),
        "repository": Value::Object(super::repo_shape::minimal(cx, repo)),
        "commit_url": format!("{}/repos/{full}/commits/{sha}", cx.base_url),
        "url": format!("{}/repos/{full}/commits/{sha}/status", cx.base_url),
    })))
}
