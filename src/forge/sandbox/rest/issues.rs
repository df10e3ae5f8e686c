//! Issues and comments: create, list, get, update issues; create and list comments (on
//! issues and pull requests alike, which share one number sequence as on GitHub).
//!
//! Text from callers is sanitised before it is stored.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::model::{CommentRecord, IssueRecord};
use crate::forge::sandbox::reply::Reply;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

fn issue_json(cx: &Cx, index: usize, i: &IssueRecord) -> Value {
    let repo = &cx.state.repos[index];
    let full = repo.full_name();
    let b = cx.base_url;
    let comments = repo
        .comments
        .iter()
        .filter(|c| c.issue_number == i.number)
        .count();
    json!({
        "id": i.id, "node_id": format!("I_sandbox{}", i.id), "number": i.number,
        "url": format!("{b}/repos/{full}/issues/{}", i.number),
        "html_url": format!("{b}/{full}/issues/{}", i.number),
        "repository_url": format!("{b}/repos/{full}"),
        "labels_url": format!("{b}/repos/{full}/issues/{}/labels{{/name}}", i.number),
        "comments_url": format!("{b}/repos/{full}/issues/{}/comments", i.number),
        "events_url": format!("{b}/repos/{full}/issues/{}/events", i.number),
        "title": i.title, "body": i.body, "state": i.state, "state_reason": null, "locked": false,
        "user": cx.user_json(&i.author),
        "labels": i.labels.iter().enumerate().map(|(n, l)| json!({
            "id": n + 1, "node_id": format!("LA_sandbox{}", n + 1), "name": l, "color": "ededed",
            "default": false, "url": format!("{b}/repos/{full}/labels/{}",
                percent_encoding::utf8_percent_encode(l, percent_encoding::NON_ALPHANUMERIC)),
        })).collect::<Vec<_>>(),
        "assignees": i.assignees.iter().map(|a| cx.user_json(a)).collect::<Vec<_>>(),
        "comments": comments,
        "created_at": i.created_at.to_rfc3339(), "updated_at": i.updated_at.to_rfc3339(),
    })
}

fn comment_json(cx: &Cx, full: &str, c: &CommentRecord) -> Value {
    let b = cx.base_url;
    json!({
        "id": c.id, "node_id": format!("IC_sandbox{}", c.id), "body": c.body,
        "user": cx.user_json(&c.author),
        "url": format!("{b}/repos/{full}/issues/comments/{}", c.id),
        "html_url": format!("{b}/{full}/issues/{}#issuecomment-{}", c.issue_number, c.id),
        "issue_url": format!("{b}/repos/{full}/issues/{}", c.issue_number),
        "created_at": c.created_at.to_rfc3339(), "updated_at": c.created_at.to_rfc3339(),
    })
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

pub fn route(cx: &mut Cx, method: &str, owner: &str, name: &str, rest: &[&str]) -> Answer {
    let needed = if method == "GET" {
        Permission::Read
    } else {
        Permission::Triage
    };
    let (index, _) = cx.repo(owner, name, needed)?;
    let number = |n: &str| n.parse::<u64>().map_err(|_| Reply::not_found());
    match (method, rest) {
        ("POST", []) => create(cx, index),
        ("GET", []) => {
            let wanted = cx.req.query("state").unwrap_or("open").to_owned();
            let issues = cx.state.repos[index].issues.clone();
            let out: Vec<Value> = issues
                .iter()
                .rev()
                .filter(|i| wanted == "all" || i.state == wanted)
                .map(|i| issue_json(cx, index, i))
                .collect();
            Ok(Reply::ok(json!(out)))
        }
        ("GET", [n]) => {
            let n = number(n)?;
            let issue = cx.state.repos[index]
                .issues
                .iter()
                .find(|i| i.number == n)
                .cloned()
                .ok_or_else(Reply::not_found)?;
            Ok(Reply::ok(issue_json(cx, index, &issue)))
        }
        ("PATCH", [n]) => update(cx, index, number(n)?),
        ("POST", [n, "comments"]) => comment(cx, index, number(n)?),
        ("GET", [n, "comments"]) => {
            let n = number(n)?;
            let repo = &cx.state.repos[index];
            let full = repo.full_name();
            let out: Vec<Value> = repo
                .comments
                .iter()
                .filter(|c| c.issue_number == n)
                .map(|c| comment_json(cx, &full, c))
                .collect();
            Ok(Reply::ok(json!(out)))
        }
        _ => Err(Reply::not_found()),
    }
}

fn create(cx: &mut Cx, index: usize) -> Answer {
    let body = cx.body()?;
    let title = match &body["title"] {
        Value::String(s) if !s.is_empty() => crate::text::sanitize_line(s),
        Value::Number(n) => n.to_string(),
        _ => return Err(Reply::validation_failed("Issue", "title", "missing_field")),
    };
    let author = cx.caller()?.login.clone();
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
        labels: strings(&body["labels"]),
        assignees: strings(&body["assignees"]),
        created_at: now,
        updated_at: now,
    };
    repo.issues.push(issue.clone());
    Ok(Reply::created(issue_json(cx, index, &issue)))
}

fn update(cx: &mut Cx, index: usize, number: u64) -> Answer {
    let body = cx.body()?;
    let now = cx.now;
    let issue = cx.state.repos[index]
        .issues
        .iter_mut()
        .find(|i| i.number == number)
        .ok_or_else(Reply::not_found)?;
    if let Some(t) = body["title"].as_str() {
        issue.title = crate::text::sanitize_line(t);
    }
    if let Some(b) = body["body"].as_str() {
        issue.body = Some(crate::text::sanitize(b));
    }
    match body["state"].as_str() {
        Some(s @ ("open" | "closed")) => issue.state = s.to_owned(),
        Some(_) => {
            return Err(Reply::validation_failed(
                "Issue",
                "state",
                "state must be open or closed",
            ));
        }
        None => {}
    }
    if body.get("labels").is_some() {
        issue.labels = strings(&body["labels"]);
    }
    issue.updated_at = now;
    let issue = issue.clone();
    Ok(Reply::ok(issue_json(cx, index, &issue)))
}

fn comment(cx: &mut Cx, index: usize, number: u64) -> Answer {
    let body = cx.body()?;
    let text = body["body"]
        .as_str()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Reply::validation_failed("IssueComment", "body", "missing_field"))?;
    let repo = &cx.state.repos[index];
    let exists = repo.issues.iter().any(|i| i.number == number)
        || repo.pulls.iter().any(|p| p.number == number);
    if !exists {
        return Err(Reply::not_found());
    }
    let record = CommentRecord {
        id: cx.state.fresh_id(),
        issue_number: number,
        body: crate::text::sanitize(text),
        author: cx.caller()?.login.clone(),
        created_at: cx.now,
    };
    let full = cx.state.repos[index].full_name();
    let out = comment_json(cx, &full, &record);
    cx.state.repos[index].comments.push(record);
    Ok(Reply::created(out))
}
