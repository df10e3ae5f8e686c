//! Issue comments (pull requests' conversation comments too, as on GitHub): create and list
//! per issue (`since`, paged), the repository-wide list (`since`, `sort`, `direction`),
//! and get, edit, delete by id under `/issues/comments/{id}`.
//!
//! Anyone who can read the repository may comment; editing or deleting another person's
//! comment needs write. Text is sanitised before it is stored.

use super::Cx;
use super::page::page;
use super::reviews::author_association;
use crate::forge::Permission;
use crate::forge::sandbox::model::CommentRecord;
use crate::forge::sandbox::reply::Reply;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn updated(c: &CommentRecord) -> DateTime<Utc> {
    c.updated_at.unwrap_or(c.created_at)
}

/// GitHub's `issue-comment`.
fn comment_json(cx: &Cx, index: usize, c: &CommentRecord) -> Value {
    let full = cx.state.repos[index].full_name();
    let b = cx.base_url;
    json!({
        "id": c.id, "node_id": format!("IC_sandbox{}", c.id), "body": c.body,
        "user": cx.user_json(&c.author),
        "url": format!("{b}/repos/{full}/issues/comments/{}", c.id),
        "html_url": format!("{b}/{full}/issues/{}#issuecomment-{}", c.issue_number, c.id),
        "issue_url": format!("{b}/repos/{full}/issues/{}", c.issue_number),
        "author_association": author_association(cx, index, &c.author),
        "created_at": time(c.created_at), "updated_at": time(updated(c)),
    })
}

/// The `since` query (ISO 8601), if given; GitHub refuses one it cannot read.
pub fn since(cx: &Cx) -> Result<Option<DateTime<Utc>>, Reply> {
    match cx.req.query("since") {
        None | Some("") => Ok(None),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                Reply::validation_failed(
                    "Issue",
                    "since",
                    "since must be an ISO 8601 timestamp: YYYY-MM-DDTHH:MM:SSZ",
                )
            }),
    }
}

fn body_text(cx: &Cx) -> Result<String, Reply> {
    cx.body()?["body"]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(crate::text::sanitize)
        .ok_or_else(|| Reply::validation_failed("IssueComment", "body", "missing_field"))
}

/// `POST /issues/{n}/comments`; the issue (or pull request) must exist.
pub fn create(cx: &mut Cx, index: usize, number: u64) -> Answer {
    let text = body_text(cx)?;
    let repo = &cx.state.repos[index];
    let issue = repo.issues.iter().position(|i| i.number == number);
    if issue.is_none() && !repo.pulls.iter().any(|p| p.number == number) {
        return Err(Reply::not_found());
    }
    let record = CommentRecord {
        id: cx.state.fresh_id(),
        issue_number: number,
        body: text,
        author: cx.caller()?.login.clone(),
        created_at: cx.now,
        updated_at: None,
    };
    let out = comment_json(cx, index, &record);
    let repo = &mut cx.state.repos[index];
    if let Some(at) = issue {
        repo.issues[at].updated_at = cx.now;
    }
    repo.comments.push(record);
    Ok(Reply::created(out))
}

/// `GET /issues/{n}/comments`: oldest first, those updated at or after `since`, paged.
pub fn list_for_issue(cx: &mut Cx, index: usize, number: u64) -> Answer {
    let repo = &cx.state.repos[index];
    if !repo.issues.iter().any(|i| i.number == number)
        && !repo.pulls.iter().any(|p| p.number == number)
    {
        return Err(Reply::not_found());
    }
    let since = since(cx)?;
    let all = repo
        .comments
        .iter()
        .filter(|c| c.issue_number == number && since.is_none_or(|s| updated(c) >= s))
        .map(|c| comment_json(cx, index, c))
        .collect();
    Ok(page(cx, all))
}

/// `GET /issues/comments`: every comment of the repository. Without `sort` in id order;
/// with it by `created` or `updated`, newest first unless `direction=asc`.
pub fn list_for_repo(cx: &mut Cx, index: usize) -> Answer {
    let since = since(cx)?;
    let mut all: Vec<&CommentRecord> = cx.state.repos[index]
        .comments
        .iter()
        .filter(|c| since.is_none_or(|s| updated(c) >= s))
        .collect();
    match cx.req.query("sort") {
        None => {}
        Some(key @ ("created" | "updated")) => {
            let by_updated = key == "updated";
            all.sort_by_key(|c| (if by_updated { updated(c) } else { c.created_at }, c.id));
            if cx.req.query("direction") != Some("asc") {
                all.reverse();
            }
        }
        Some(_) => {
            return Err(Reply::validation_failed(
                "IssueComment",
                "sort",
                "sort must be created or updated",
            ));
        }
    }
    let out = all.iter().map(|c| comment_json(cx, index, c)).collect();
    Ok(page(cx, out))
}

/// `GET`, `PATCH`, `DELETE /issues/comments/{id}`.
pub fn by_id(cx: &mut Cx, index: usize, method: &str, id: &str) -> Answer {
    let id: u64 = id.parse().map_err(|_| Reply::not_found())?;
    let at = cx.state.repos[index]
        .comments
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(Reply::not_found)?;
    if method != "GET" {
        let caller = cx.caller()?.login.clone();
        let author = &cx.state.repos[index].comments[at].author;
        if !author.eq_ignore_ascii_case(&caller) {
            cx.repo_role_at_least(index, Permission::Write)?;
        }
    }
    match method {
        "GET" => Ok(Reply::ok(comment_json(
            cx,
            index,
            &cx.state.repos[index].comments[at],
        ))),
        "PATCH" => {
            let text = body_text(cx)?;
            let comment = &mut cx.state.repos[index].comments[at];
            comment.body = text;
            comment.updated_at = Some(cx.now);
            let comment = comment.clone();
            Ok(Reply::ok(comment_json(cx, index, &comment)))
        }
        "DELETE" => {
            cx.state.repos[index].comments.remove(at);
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}
