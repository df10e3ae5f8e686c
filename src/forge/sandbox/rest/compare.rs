//! `GET /repos/{o}/{r}/compare/{base}...{head}`: what head adds over base, from the
//! bare repository (status, ahead/behind counts, commits, changed files).
//!
//! Read-only.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git::{self, CommitInfo};
use chrono::TimeZone;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

pub fn commit_json(base: &str, full: &str, c: &CommitInfo) -> Value {
    let date = chrono::Utc
        .timestamp_opt(c.time, 0)
        .single()
        .map(|d| d.to_rfc3339())
        .unwrap_or_default();
    let person = json!({"name": c.author_name, "email": c.author_email, "date": date});
    json!({
        "sha": c.sha,
        "url": format!("{base}/repos/{full}/commits/{}", c.sha),
        "html_url": format!("{base}/{full}/commit/{}", c.sha),
        "commit": {"message": c.message, "author": person, "committer": person},
        "parents": c.parents.iter().map(|p| json!({"sha": p})).collect::<Vec<_>>(),
    })
}

pub fn compare(cx: &mut Cx, owner: &str, name: &str, basehead: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let repo = &cx.state.repos[index];
    let (base_rev, head_rev) = basehead.split_once("...").ok_or_else(Reply::not_found)?;
    let path = cx.repo_path(repo);
    let base = repo_git::resolve_commit(&path, base_rev).ok_or_else(Reply::not_found)?;
    let head = repo_git::resolve_commit(&path, head_rev).ok_or_else(Reply::not_found)?;
    let cmp = repo_git::compare(&path, base, head).ok_or_else(|| {
        Reply::error(
            axum::http::StatusCode::NOT_FOUND,
            &format!(
                "No common ancestor between {} and {}.",
                crate::text::sanitize_line(base_rev),
                crate::text::sanitize_line(head_rev)
            ),
        )
    })?;
    let b = cx.base_url;
    let full = repo.full_name();
    let files: Vec<Value> = cmp
        .files
        .iter()
        .map(|f| {
            let mut v = json!({"filename": f.filename, "status": f.status, "additions": f.additions,
                "deletions": f.deletions, "changes": f.additions + f.deletions});
            if let Some(p) = &f.previous_filename {
                v["previous_filename"] = json!(p);
            }
            v
        })
        .collect();
    Ok(Reply::ok(json!({
        "url": format!("{b}/repos/{full}/compare/{basehead}"),
        "html_url": format!("{b}/{full}/compare/{basehead}"),
        "base_commit": commit_json(b, &full, &cmp.base),
        "merge_base_commit": commit_json(b, &full, &cmp.merge_base),
        "status": cmp.status,
        "ahead_by": cmp.ahead_by,
        "behind_by": cmp.behind_by,
        "total_commits": cmp.commits.len(),
        "commits": cmp.commits.iter().map(|c| commit_json(b, &full, c)).collect::<Vec<_>>(),
        "files": files,
    })))
}
