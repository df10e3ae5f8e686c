//! `GET /repos/{o}/{r}/compare/{base}...{head}`: what head adds over base, from the
//! bare repository (status, ahead/behind counts, commits, changed files).
//!
//! Read-only.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git::{self, CommitInfo};
use chrono::TimeZone;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// What a path in a file URL keeps escaped (its slashes stay).
const PATH: &AsciiSet = &CONTROLS.add(b' ').add(b'#').add(b'?').add(b'%');

fn git_date(seconds: i64) -> String {
    chrono::Utc
        .timestamp_opt(seconds, 0)
        .single()
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// GitHub's `commit`. `author` and `committer` (the accounts behind the emails) are
/// null, as GitHub answers for an email no account claims.
pub fn commit_json(base: &str, full: &str, c: &CommitInfo) -> Value {
    let api = format!("{base}/repos/{full}");
    json!({
        "sha": c.sha,
        "node_id": format!("C_sandbox{}", c.sha),
        "url": format!("{api}/commits/{}", c.sha),
        "html_url": format!("{base}/{full}/commit/{}", c.sha),
        "comments_url": format!("{api}/commits/{}/comments", c.sha),
        "commit": {
            "url": format!("{api}/git/commits/{}", c.sha),
            "message": c.message,
            "author": {"name": c.author_name, "email": c.author_email, "date": git_date(c.time)},
            "committer": {"name": c.committer_name, "email": c.committer_email,
                          "date": git_date(c.committer_time)},
            "tree": {"sha": c.tree, "url": format!("{api}/git/trees/{}", c.tree)},
            "comment_count": 0,
        },
        "author": null,
        "committer": null,
        "parents": c.parents.iter().map(|p| json!({
            "sha": p,
            "url": format!("{api}/commits/{p}"),
            "html_url": format!("{base}/{full}/commit/{p}"),
        })).collect::<Vec<_>>(),
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
            let path = utf8_percent_encode(&f.filename, PATH).to_string();
            let mut v = json!({"sha": f.sha, "filename": f.filename, "status": f.status,
                "additions": f.additions, "deletions": f.deletions,
                "changes": f.additions + f.deletions,
                "blob_url": format!("{b}/{full}/blob/{head}/{path}"),
                "raw_url": format!("{b}/{full}/raw/{head}/{path}"),
                "contents_url": format!("{b}/repos/{full}/contents/{path}?ref={head}")});
            if let Some(p) = &f.previous_filename {
                v["previous_filename"] = json!(p);
            }
            v
        })
        .collect();
    Ok(Reply::ok(json!({
        "url": format!("{b}/repos/{full}/compare/{basehead}"),
        "html_url": format!("{b}/{full}/compare/{basehead}"),
        "permalink_url": format!("{b}/{full}/compare/{}...{}", cmp.base.sha, head),
        "diff_url": format!("{b}/{full}/compare/{basehead}.diff"),
        "patch_url": format!("{b}/{full}/compare/{basehead}.patch"),
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
