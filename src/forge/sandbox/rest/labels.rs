//! Labels: the repository's (`GET/POST /labels`, `GET/PATCH/DELETE /labels/{name}`) and an
//! issue's (`GET/POST/PUT/DELETE /issues/{n}/labels`, `DELETE …/labels/{name}`).
//!
//! As on GitHub, naming an unknown label on an issue creates it (grey `ededed`); removing a
//! label the issue does not carry is a 404 `Label does not exist`. Applying labels needs
//! triage, editing the repository's labels write.

use super::Cx;
use super::page::page;
use crate::forge::Permission;
use crate::forge::sandbox::model::LabelRecord;
use crate::forge::sandbox::reply::Reply;
use axum::http::StatusCode;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

pub fn label_json(base: &str, full: &str, l: &LabelRecord) -> Value {
    let name = percent_encoding::utf8_percent_encode(&l.name, percent_encoding::NON_ALPHANUMERIC);
    json!({
        "id": l.id, "node_id": format!("LA_sandbox{}", l.id),
        "url": format!("{base}/repos/{full}/labels/{name}"),
        "name": l.name, "description": l.description, "color": l.color, "default": l.default,
    })
}

fn label_missing() -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "Label does not exist")
}

/// The label names a body gives: `{"labels": [...]}` or a bare list, each a name or a
/// `{"name": …}` object.
fn names_in(body: &Value) -> Result<Vec<String>, Reply> {
    let list = match body {
        Value::Array(items) => items,
        Value::Object(m) => match m.get("labels") {
            Some(Value::Array(items)) => items,
            _ => return Err(Reply::invalid("`labels` must be an array of label names.")),
        },
        _ => return Err(Reply::invalid("`labels` must be an array of label names.")),
    };
    list.iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            Value::Object(m) => m
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| Reply::invalid("each label needs a `name`")),
            _ => Err(Reply::invalid("`labels` must be an array of label names.")),
        })
        .map(|name| name.map(|n| crate::text::sanitize_line(&n)))
        .filter(|name| !matches!(name, Ok(n) if n.trim().is_empty()))
        .collect()
}

/// The repository's spelling of each name, creating the unknown ones.
pub fn ensure(cx: &mut Cx, index: usize, names: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let known = cx.state.repos[index].label(name).map(|l| l.name.clone());
        let name = match known {
            Some(n) => n,
            None => {
                let id = cx.state.fresh_id();
                cx.state.repos[index]
                    .labels
                    .push(LabelRecord::new(id, name));
                name.clone()
            }
        };
        if !out.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
    }
    out
}

/// An issue's labels (by name) as GitHub lists them.
pub fn labels_of(cx: &Cx, index: usize, names: &[String]) -> Vec<Value> {
    let repo = &cx.state.repos[index];
    let full = repo.full_name();
    names
        .iter()
        .filter_map(|n| repo.label(n))
        .map(|l| label_json(cx.base_url, &full, l))
        .collect()
}

/// `/repos/{o}/{r}/issues/{n}/labels[/{name}]`, once the issue is found at `at`.
pub fn on_issue(cx: &mut Cx, index: usize, at: usize, method: &str, rest: &[&str]) -> Answer {
    if method != "GET" {
        cx.repo_role_at_least(index, Permission::Triage)?;
    }
    let current = cx.state.repos[index].issues[at].labels.clone();
    let updated = match (method, rest) {
        ("GET", []) => {
            let all = labels_of(cx, index, &current);
            return Ok(page(cx, all));
        }
        ("POST", []) => {
            let mut names = current.clone();
            names.extend(names_in(&cx.body()?)?);
            ensure(cx, index, &names)
        }
        ("PUT", []) => {
            let names = names_in(&cx.body()?)?;
            ensure(cx, index, &names)
        }
        ("DELETE", []) => {
            set(cx, index, at, Vec::new());
            return Ok(Reply::no_content());
        }
        ("DELETE", [name]) => {
            if !current.iter().any(|l| l.eq_ignore_ascii_case(name)) {
                return Err(label_missing());
            }
            current
                .into_iter()
                .filter(|l| !l.eq_ignore_ascii_case(name))
                .collect()
        }
        _ => return Err(Reply::not_found()),
    };
    set(cx, index, at, updated.clone());
    Ok(Reply::ok(json!(labels_of(cx, index, &updated))))
}

fn set(cx: &mut Cx, index: usize, at: usize, names: Vec<String>) {
    let issue = &mut cx.state.repos[index].issues[at];
    if issue.labels != names {
        issue.labels = names;
        issue.updated_at = cx.now;
    }
}

/// Six hex digits, as GitHub wants them (a leading `#` is dropped).
fn color(value: &Value) -> Result<Option<String>, Reply> {
    let Some(text) = value.as_str() else {
        return Ok(None);
    };
    let hex = text.trim_start_matches('#');
    if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(Some(hex.to_ascii_lowercase()))
    } else {
        Err(Reply::validation_failed("Label", "color", "invalid"))
    }
}

fn already_exists() -> Reply {
    Reply::json(
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({
            "message": "Validation Failed",
            "errors": [{"resource": "Label", "code": "already_exists", "field": "name"}],
            "documentation_url": "https://docs.github.com/rest/issues/labels#create-a-label",
        }),
    )
}

/// `/repos/{o}/{r}/labels[/{name}]`.
pub fn on_repo(cx: &mut Cx, index: usize, method: &str, rest: &[&str]) -> Answer {
    if method != "GET" {
        cx.repo_role_at_least(index, Permission::Write)?;
    }
    let full = cx.state.repos[index].full_name();
    let position = |cx: &Cx, name: &str| {
        cx.state.repos[index]
            .labels
            .iter()
            .position(|l| l.name.eq_ignore_ascii_case(name))
            .ok_or_else(Reply::not_found)
    };
    match (method, rest) {
        ("GET", []) => {
            let all = cx.state.repos[index]
                .labels
                .iter()
                .map(|l| label_json(cx.base_url, &full, l))
                .collect();
            Ok(page(cx, all))
        }
        ("POST", []) => {
            let body = cx.body()?;
            let name = body["name"]
                .as_str()
                .map(crate::text::sanitize_line)
                .filter(|n| !n.trim().is_empty())
                .ok_or_else(|| Reply::validation_failed("Label", "name", "missing_field"))?;
            if cx.state.repos[index].label(&name).is_some() {
                return Err(already_exists());
            }
            let mut label = LabelRecord::new(cx.state.fresh_id(), &name);
            if let Some(c) = color(&body["color"])? {
                label.color = c;
            }
            label.description = body["description"].as_str().map(crate::text::sanitize_line);
            let out = label_json(cx.base_url, &full, &label);
            cx.state.repos[index].labels.push(label);
            Ok(Reply::created(out))
        }
        ("GET", [name]) => {
            let at = position(cx, name)?;
            let label = &cx.state.repos[index].labels[at];
            Ok(Reply::ok(label_json(cx.base_url, &full, label)))
        }
        ("PATCH", [name]) => {
            let at = position(cx, name)?;
            let body = cx.body()?;
            let old = cx.state.repos[index].labels[at].name.clone();
            let new_name = body["new_name"].as_str().map(crate::text::sanitize_line);
            if let Some(n) = &new_name
                && !n.eq_ignore_ascii_case(&old)
                && cx.state.repos[index].label(n).is_some()
            {
                return Err(already_exists());
            }
            let new_color = color(&body["color"])?;
            let repo = &mut cx.state.repos[index];
            let label = &mut repo.labels[at];
            if let Some(n) = &new_name {
                label.name = n.clone();
            }
            if let Some(c) = new_color {
                label.color = c;
            }
            if body.get("description").is_some() {
                label.description = body["description"].as_str().map(crate::text::sanitize_line);
            }
            let label = label.clone();
            for issue in &mut repo.issues {
                for l in &mut issue.labels {
                    if l.eq_ignore_ascii_case(&old) {
                        *l = label.name.clone();
                    }
                }
            }
            Ok(Reply::ok(label_json(cx.base_url, &full, &label)))
        }
        ("DELETE", [name]) => {
            let at = position(cx, name)?;
            let repo = &mut cx.state.repos[index];
            let gone = repo.labels.remove(at);
            for issue in &mut repo.issues {
                issue.labels.retain(|l| !l.eq_ignore_ascii_case(&gone.name));
            }
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}
