//! Issues: create, get, list (`state`, `labels`, `since`, `creator`, `sort`, `direction`,
//! paged), and PATCH (title, body, state with `state_reason`, labels, assignees). Pull
//! requests are issues too, as on GitHub: listed and got here with a `pull_request` member.
//! Labels live in `labels`, comments in `comments`.
//!
//! Anyone who can read may open an issue; editing another person's needs triage, and
//! labels or assignees are set only by triagers and above (silently dropped otherwise, as
//! GitHub documents for those without the right). Text is sanitised before it is stored.

use super::Cx;
use super::comments::{self, time};
use super::labels::{self, labels_of};
use super::page::page;
use super::reviews::author_association;
use crate::forge::Permission;
use crate::forge::sandbox::model::{IssueRecord, PullRecord};
use crate::forge::sandbox::reply::Reply;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// A pull request seen through the issues API.
fn pull_as_issue(p: &PullRecord) -> IssueRecord {
    let updated = p
        .reviews
        .iter()
        .filter_map(|r| r.submitted_at)
        .max()
        .unwrap_or(p.created_at)
        .max(p.created_at);
    IssueRecord {
        number: p.number,
        id: p.id,
        title: p.title.clone(),
        body: p.body.clone(),
        author: p.author.clone(),
        state: p.state.clone(),
        labels: Vec::new(),
        assignees: Vec::new(),
        created_at: p.created_at,
        updated_at: updated,
        state_reason: None,
        closed_at: None,
        closed_by: None,
    }
}

/// GitHub's `issue`; `pull` marks a pull request.
fn issue_json(cx: &Cx, index: usize, i: &IssueRecord, pull: bool) -> Value {
    let repo = &cx.state.repos[index];
    let full = repo.full_name();
    let b = cx.base_url;
    let n = i.number;
    let comments = repo.comments.iter().filter(|c| c.issue_number == n).count();
    let users = |logins: &[String]| logins.iter().map(|a| cx.user_json(a)).collect::<Vec<_>>();
    let mut out = json!({
        "id": i.id, "node_id": format!("I_sandbox{}", i.id), "number": n,
        "url": format!("{b}/repos/{full}/issues/{n}"),
        "html_url": format!("{b}/{full}/{}/{n}", if pull { "pull" } else { "issues" }),
        "repository_url": format!("{b}/repos/{full}"),
        "labels_url": format!("{b}/repos/{full}/issues/{n}/labels{{/name}}"),
        "comments_url": format!("{b}/repos/{full}/issues/{n}/comments"),
        "events_url": format!("{b}/repos/{full}/issues/{n}/events"),
        "title": i.title, "body": i.body, "state": i.state, "state_reason": i.state_reason,
        "locked": false, "active_lock_reason": null,
        "user": cx.user_json(&i.author),
        "labels": labels_of(cx, index, &i.labels),
        "assignee": i.assignees.first().map(|a| cx.user_json(a)),
        "assignees": users(&i.assignees),
        "milestone": null,
        "comments": comments,
        "author_association": author_association(cx, index, &i.author),
        "closed_by": i.closed_by.as_ref().map(|c| cx.user_json(c)),
        "created_at": time(i.created_at), "updated_at": time(i.updated_at),
        "closed_at": i.closed_at.map(time),
    });
    if pull {
        out["pull_request"] = json!({
            "url": format!("{b}/repos/{full}/pulls/{n}"),
            "html_url": format!("{b}/{full}/pull/{n}"),
            "diff_url": format!("{b}/{full}/pull/{n}.diff"),
            "patch_url": format!("{b}/{full}/pull/{n}.patch"),
            "merged_at": null,
        });
    }
    out
}

pub fn route(cx: &mut Cx, method: &str, owner: &str, name: &str, rest: &[&str]) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    match (method, rest) {
        ("POST", []) => create(cx, index),
        ("GET", []) => list(cx, index),
        ("GET", ["comments"]) => comments::list_for_repo(cx, index),
        (_, ["comments", id]) => comments::by_id(cx, index, method, id),
        ("GET", [n]) => {
            let n = number(n)?;
            let repo = &cx.state.repos[index];
            if let Some(issue) = repo.issues.iter().find(|i| i.number == n) {
                return Ok(Reply::ok(issue_json(cx, index, issue, false)));
            }
            let pull = repo.pulls.iter().find(|p| p.number == n);
            let pull = pull.map(pull_as_issue).ok_or_else(Reply::not_found)?;
            Ok(Reply::ok(issue_json(cx, index, &pull, true)))
        }
        ("PATCH", [n]) => update(cx, index, number(n)?),
        ("POST", [n, "comments"]) => comments::create(cx, index, number(n)?),
        ("GET", [n, "comments"]) => comments::list_for_issue(cx, index, number(n)?),
        (_, [n, "labels", rest @ ..]) => {
            let n = number(n)?;
            let at = cx.state.repos[index]
                .issues
                .iter()
                .position(|i| i.number == n)
                .ok_or_else(Reply::not_found)?;
            labels::on_issue(cx, index, at, method, rest)
        }
        _ => Err(Reply::not_found()),
    }
}

fn number(n: &str) -> Result<u64, Reply> {
    n.parse::<u64>().map_err(|_| Reply::not_found())
}

/// Whether `issue` passes the list filters of the request.
fn wanted(cx: &Cx, issue: &IssueRecord, since: Option<chrono::DateTime<chrono::Utc>>) -> bool {
    let state = cx.req.query("state").unwrap_or("open");
    let labels: Vec<&str> = cx
        .req
        .query("labels")
        .map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    (state == "all" || issue.state == state)
        && labels
            .iter()
            .all(|l| issue.labels.iter().any(|x| x.eq_ignore_ascii_case(l)))
        && since.is_none_or(|s| issue.updated_at >= s)
        && cx
            .req
            .query("creator")
            .is_none_or(|c| issue.author.eq_ignore_ascii_case(c))
        && match cx.req.query("assignee") {
            None => true,
            Some("*") => !issue.assignees.is_empty(),
            Some("none") => issue.assignees.is_empty(),
            Some(a) => issue.assignees.iter().any(|x| x.eq_ignore_ascii_case(a)),
        }
}

/// `GET /issues`: issues and pull requests, newest first by default.
fn list(cx: &mut Cx, index: usize) -> Answer {
    let since = comments::since(cx)?;
    let repo = &cx.state.repos[index];
    let mut all: Vec<(IssueRecord, bool)> = repo
        .issues
        .iter()
        .map(|i| (i.clone(), false))
        .chain(repo.pulls.iter().map(|p| (pull_as_issue(p), true)))
        .filter(|(i, _)| wanted(cx, i, since))
        .collect();
    let comments_of = |n: u64| repo.comments.iter().filter(|c| c.issue_number == n).count();
    match cx.req.query("sort").unwrap_or("created") {
        "created" => all.sort_by_key(|(i, _)| (i.created_at, i.number)),
        "updated" => all.sort_by_key(|(i, _)| (i.updated_at, i.number)),
        "comments" => all.sort_by_key(|(i, _)| (comments_of(i.number), i.number)),
        _ => {
            return Err(Reply::validation_failed(
                "Issue",
                "sort",
                "sort must be created, updated or comments",
            ));
        }
    }
    if cx.req.query("direction") != Some("asc") {
        all.reverse();
    }
    let out = all
        .iter()
        .map(|(i, pull)| issue_json(cx, index, i, *pull))
        .collect();
    Ok(page(cx, out))
}

fn create(cx: &mut Cx, index: usize) -> Answer {
    let body = cx.body()?;
    let title = match &body["title"] {
        Value::String(s) if !s.is_empty() => crate::text::sanitize_line(s),
        Value::Number(n) => n.to_string(),
        _ => return Err(Reply::validation_failed("Issue", "title", "missing_field")),
    };
    let author = cx.caller()?.login.clone();
    let triager = cx.repo_role_at_least(index, Permission::Triage).is_ok();
    let (labels, assignees) = if triager {
        let names = strings(&body["labels"]);
        (
            labels::ensure(cx, index, &names),
            assignable(cx, index, &body["assignees"])?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let id = cx.state.fresh_id();
    let now = cx.now;
    let repo = &mut cx.state.repos[index];
    let number = repo.next_number;
    repo.next_number += 1;
    let issue = IssueRecord {
        number,
        id,
        title,
        body: body["body"].as_str().map(crate::text::sanitize),
        author,
        state: "open".into(),
        labels,
        assignees,
        created_at: now,
        updated_at: now,
        state_reason: None,
        closed_at: None,
        closed_by: None,
    };
    repo.issues.push(issue.clone());
    Ok(Reply::created(issue_json(cx, index, &issue, false)))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(crate::text::sanitize_line))
                .collect()
        })
        .unwrap_or_default()
}

/// The assignees a body names; each must be able to read the repository (GitHub's 422
/// otherwise).
fn assignable(cx: &Cx, index: usize, value: &Value) -> Result<Vec<String>, Reply> {
    let repo = &cx.state.repos[index];
    strings(value)
        .into_iter()
        .map(|login| match cx.state.user(&login) {
            Some(u) if cx.state.permission(&u.login, repo) >= Permission::Read => {
                Ok(u.login.clone())
            }
            _ => Err(Reply::validation_failed("Issue", "assignees", "invalid")),
        })
        .collect()
}

/// The state change a PATCH asks for: (`state`, `state_reason`), validated.
fn state_change(body: &Value) -> Result<(Option<String>, Option<Value>), Reply> {
    let state = match body.get("state") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s == "open" || s == "closed" => Some(s.clone()),
        Some(_) => {
            return Err(Reply::validation_failed(
                "Issue",
                "state",
                "state must be open or closed",
            ));
        }
    };
    let reason = match body.get("state_reason") {
        None => None,
        Some(Value::Null) => Some(Value::Null),
        Some(Value::String(r))
            if ["completed", "not_planned", "duplicate", "reopened"].contains(&r.as_str()) =>
        {
            Some(json!(r))
        }
        Some(_) => {
            return Err(Reply::validation_failed(
                "Issue",
                "state_reason",
                "state_reason must be completed, not_planned, duplicate or reopened",
            ));
        }
    };
    Ok((state, reason))
}

fn update(cx: &mut Cx, index: usize, number: u64) -> Answer {
    let at = cx.state.repos[index]
        .issues
        .iter()
        .position(|i| i.number == number)
        .ok_or_else(Reply::not_found)?;
    let caller = cx.caller()?.login.clone();
    if !cx.state.repos[index].issues[at]
        .author
        .eq_ignore_ascii_case(&caller)
    {
        cx.repo_role_at_least(index, Permission::Triage)?;
    }
    let body = cx.body()?;
    let (state, reason) = state_change(&body)?;
    let triager = cx.repo_role_at_least(index, Permission::Triage).is_ok();
    let labels = match body.get("labels") {
        Some(v) if triager => Some(labels::ensure(cx, index, &strings(v))),
        _ => None,
    };
    let assignees = match body.get("assignees") {
        Some(v) if triager => Some(assignable(cx, index, v)?),
        _ => None,
    };
    let now = cx.now;
    let issue = &mut cx.state.repos[index].issues[at];
    if let Some(t) = body["title"].as_str() {
        issue.title = crate::text::sanitize_line(t);
    }
    if body.get("body").is_some() {
        issue.body = body["body"].as_str().map(crate::text::sanitize);
    }
    match state.as_deref() {
        Some("closed") if issue.state != "closed" => {
            issue.state = "closed".into();
            issue.closed_at = Some(now);
            issue.closed_by = Some(caller);
            issue.state_reason = Some("completed".into());
        }
        Some("open") if issue.state != "open" => {
            issue.state = "open".into();
            issue.closed_at = None;
            issue.state_reason = Some("reopened".into());
        }
        _ => {}
    }
    if let Some(reason) = reason {
        issue.state_reason = reason.as_str().map(str::to_owned);
    }
    if let Some(l) = labels {
        issue.labels = l;
    }
    if let Some(a) = assignees {
        issue.assignees = a;
    }
    issue.updated_at = now;
    let issue = issue.clone();
    Ok(Reply::ok(issue_json(cx, index, &issue, false)))
}
