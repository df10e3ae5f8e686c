//! Classic branch protection: `GET/PUT/DELETE …/branches/{b}/protection` and its
//! sub-resources, answering in GitHub's GET shape (`{enabled}` objects, url fields, full
//! user and team objects, `checks` with `app_id` null for "any source").
//!
//! Admins only: everyone else gets 404, as GitHub hides the resource.

use super::protection_put as parse;
use super::{Cx, team_json, user_json};
use crate::forge::Permission;
use crate::forge::sandbox::model::{
    Actors, ClassicProtection, ForgeState, RepoRecord, Reviews, StatusChecks,
};
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

type Answer = Result<Reply, Reply>;

fn not_protected() -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "Branch not protected")
}

fn encode(branch: &str) -> String {
    percent_encoding::utf8_percent_encode(branch, percent_encoding::NON_ALPHANUMERIC).to_string()
}

fn protection_url(base: &str, repo: &RepoRecord, branch: &str) -> String {
    format!(
        "{base}/repos/{}/branches/{}/protection",
        repo.full_name(),
        encode(branch)
    )
}

fn users_json(base: &str, state: &ForgeState, logins: &[String]) -> Vec<Value> {
    logins
        .iter()
        .map(|l| {
            state
                .user(l)
                .map(|u| user_json(base, u))
                .unwrap_or_else(|| json!({"login": l}))
        })
        .collect()
}

fn teams_json(base: &str, state: &ForgeState, org: &str, slugs: &[String]) -> Vec<Value> {
    slugs
        .iter()
        .map(|s| {
            state
                .team(org, s)
                .map(|t| team_json(base, org, t))
                .unwrap_or_else(|| json!({"slug": s}))
        })
        .collect()
}

fn apps_json(slugs: &[String]) -> Vec<Value> {
    slugs
        .iter()
        .map(|s| json!({"slug": s, "name": s}))
        .collect()
}

fn actors_json(base: &str, state: &ForgeState, org: &str, a: &Actors) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("users".into(), json!(users_json(base, state, &a.users)));
    m.insert(
        "teams".into(),
        json!(teams_json(base, state, org, &a.teams)),
    );
    m.insert("apps".into(), json!(apps_json(&a.apps)));
    m
}

pub fn checks_json(url: &str, c: &StatusChecks) -> Value {
    json!({
        "url": format!("{url}/required_status_checks"),
        "strict": c.strict,
        "contexts": c.checks.iter().map(|x| x.context.clone()).collect::<Vec<_>>(),
        "contexts_url": format!("{url}/required_status_checks/contexts"),
        "checks": c.checks.iter().map(|x| json!({"context": x.context, "app_id": x.app_id})).collect::<Vec<_>>(),
    })
}

pub fn reviews_json(base: &str, state: &ForgeState, org: &str, url: &str, r: &Reviews) -> Value {
    let mut m = Map::new();
    let reviews_url = format!("{url}/required_pull_request_reviews");
    m.insert("url".into(), json!(reviews_url));
    if let Some(d) = &r.dismissal_restrictions {
        let mut d_json = actors_json(base, state, org, d);
        d_json.insert("url".into(), json!(format!("{url}/dismissal_restrictions")));
        d_json.insert(
            "users_url".into(),
            json!(format!("{url}/dismissal_restrictions/users")),
        );
        d_json.insert(
            "teams_url".into(),
            json!(format!("{url}/dismissal_restrictions/teams")),
        );
        m.insert("dismissal_restrictions".into(), Value::Object(d_json));
    }
    if let Some(b) = &r.bypass_pull_request_allowances {
        m.insert(
            "bypass_pull_request_allowances".into(),
            Value::Object(actors_json(base, state, org, b)),
        );
    }
    m.insert(
        "dismiss_stale_reviews".into(),
        json!(r.dismiss_stale_reviews),
    );
    m.insert(
        "require_code_owner_reviews".into(),
        json!(r.require_code_owner_reviews),
    );
    m.insert(
        "required_approving_review_count".into(),
        json!(r.required_approving_review_count),
    );
    m.insert(
        "require_last_push_approval".into(),
        json!(r.require_last_push_approval),
    );
    Value::Object(m)
}

fn restrictions_json(base: &str, state: &ForgeState, org: &str, url: &str, a: &Actors) -> Value {
    let mut m = Map::new();
    m.insert("url".into(), json!(format!("{url}/restrictions")));
    m.insert(
        "users_url".into(),
        json!(format!("{url}/restrictions/users")),
    );
    m.insert(
        "teams_url".into(),
        json!(format!("{url}/restrictions/teams")),
    );
    m.insert("apps_url".into(), json!(format!("{url}/restrictions/apps")));
    m.extend(actors_json(base, state, org, a));
    Value::Object(m)
}

fn enabled_with_url(url: String, enabled: bool) -> Value {
    json!({"url": url, "enabled": enabled})
}

/// The `GET …/protection` body.
pub fn render(
    base: &str,
    state: &ForgeState,
    repo: &RepoRecord,
    branch: &str,
    p: &ClassicProtection,
) -> Value {
    let url = protection_url(base, repo, branch);
    let org = &repo.owner;
    let mut m = Map::new();
    m.insert("url".into(), json!(url));
    if let Some(c) = &p.required_status_checks {
        m.insert("required_status_checks".into(), checks_json(&url, c));
    }
    if let Some(r) = &p.required_pull_request_reviews {
        m.insert(
            "required_pull_request_reviews".into(),
            reviews_json(base, state, org, &url, r),
        );
    }
    m.insert(
        "required_signatures".into(),
        enabled_with_url(format!("{url}/required_signatures"), p.required_signatures),
    );
    m.insert(
        "enforce_admins".into(),
        enabled_with_url(format!("{url}/enforce_admins"), p.enforce_admins),
    );
    for (key, on) in [
        ("required_linear_history", p.required_linear_history),
        ("allow_force_pushes", p.allow_force_pushes),
        ("allow_deletions", p.allow_deletions),
        ("block_creations", p.block_creations),
        (
            "required_conversation_resolution",
            p.required_conversation_resolution,
        ),
        ("lock_branch", p.lock_branch),
        ("allow_fork_syncing", p.allow_fork_syncing),
    ] {
        m.insert(key.into(), json!({"enabled": on}));
    }
    if let Some(a) = &p.restrictions {
        m.insert(
            "restrictions".into(),
            restrictions_json(base, state, org, &url, a),
        );
    }
    Value::Object(m)
}

pub fn route(
    cx: &mut Cx,
    method: &str,
    owner: &str,
    name: &str,
    branch: &str,
    rest: &[&str],
) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Admin)?;
    let path = cx.repo_path(&cx.state.repos[index]);
    if repo_git::branch_sha(&path, branch).is_none() {
        return Err(Reply::error(StatusCode::NOT_FOUND, "Branch not found"));
    }
    let current = cx.state.repos[index].protections.get(branch).cloned();
    let base = cx.base_url;
    let repo = cx.state.repos[index].clone();
    let url = protection_url(base, &repo, branch);
    let render_now =
        |state: &ForgeState, p: &ClassicProtection| render(base, state, &repo, branch, p);
    match (method, rest) {
        ("GET", []) => Ok(Reply::ok(render_now(
            cx.state,
            &current.ok_or_else(not_protected)?,
        ))),
        ("PUT", []) => {
            let body = cx.body()?;
            let signatures = current.as_ref().is_some_and(|p| p.required_signatures);
            let p = parse::protection(cx.state, &repo, &body, signatures)?;
            store(cx, index, branch, p.clone());
            Ok(Reply::ok(render_now(cx.state, &p)))
        }
        ("DELETE", []) => {
            current.ok_or_else(not_protected)?;
            cx.state.repos[index].protections.remove(branch);
            Ok(Reply::no_content())
        }
        _ => {
            let mut p = current.ok_or_else(not_protected)?;
            let reply = sub_resource(cx, &repo, &url, &mut p, method, rest)?;
            store(cx, index, branch, p);
            Ok(reply)
        }
    }
}

fn store(cx: &mut Cx, index: usize, branch: &str, p: ClassicProtection) {
    cx.state.repos[index]
        .protections
        .insert(branch.to_owned(), p);
}

fn toggle(method: &str, url: String, flag: &mut bool) -> Answer {
    match method {
        "GET" => Ok(Reply::ok(enabled_with_url(url, *flag))),
        "POST" => {
            *flag = true;
            Ok(Reply::ok(enabled_with_url(url, true)))
        }
        "DELETE" => {
            *flag = false;
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}

fn sub_resource(
    cx: &mut Cx,
    repo: &RepoRecord,
    url: &str,
    p: &mut ClassicProtection,
    method: &str,
    rest: &[&str],
) -> Answer {
    let base = cx.base_url;
    let org = repo.owner.as_str();
    match rest {
        ["enforce_admins"] => toggle(
            method,
            format!("{url}/enforce_admins"),
            &mut p.enforce_admins,
        ),
        ["required_signatures"] => toggle(
            method,
            format!("{url}/required_signatures"),
            &mut p.required_signatures,
        ),
        ["required_pull_request_reviews"] => {
            let absent = || {
                Reply::error(
                    StatusCode::NOT_FOUND,
                    "Required pull request reviews not enabled",
                )
            };
            match method {
                "GET" => Ok(Reply::ok(reviews_json(
                    base,
                    cx.state,
                    org,
                    url,
                    p.required_pull_request_reviews
                        .as_ref()
                        .ok_or_else(absent)?,
                ))),
                "PATCH" => {
                    let body = cx.body()?;
                    let current = p.required_pull_request_reviews.clone().unwrap_or_default();
                    let updated = parse::reviews(cx.state, repo, &body, Some(&current))?;
                    let out = reviews_json(base, cx.state, org, url, &updated);
                    p.required_pull_request_reviews = Some(updated);
                    Ok(Reply::ok(out))
                }
                "DELETE" => {
                    p.required_pull_request_reviews.take().ok_or_else(absent)?;
                    Ok(Reply::no_content())
                }
                _ => Err(Reply::not_found()),
            }
        }
        ["required_status_checks"] => {
            let absent =
                || Reply::error(StatusCode::NOT_FOUND, "Required status checks not enabled");
            match method {
                "GET" => Ok(Reply::ok(checks_json(
                    url,
                    p.required_status_checks.as_ref().ok_or_else(absent)?,
                ))),
                "PATCH" => {
                    let body = cx.body()?;
                    let current = p.required_status_checks.clone().ok_or_else(absent)?;
                    let updated = parse::status_checks(&body, Some(&current))?;
                    let out = checks_json(url, &updated);
                    p.required_status_checks = Some(updated);
                    Ok(Reply::ok(out))
                }
                "DELETE" => {
                    p.required_status_checks.take().ok_or_else(absent)?;
                    Ok(Reply::no_content())
                }
                _ => Err(Reply::not_found()),
            }
        }
        ["required_status_checks", "contexts"] => {
            let checks = p.required_status_checks.as_mut().ok_or_else(|| {
                Reply::error(StatusCode::NOT_FOUND, "Required status checks not enabled")
            })?;
            let mut contexts: Vec<String> =
                checks.checks.iter().map(|c| c.context.clone()).collect();
            if method != "GET" {
                let given = parse::list_body(&cx.body()?, "contexts")?;
                edit_list(method, &mut contexts, given)?;
                checks.checks.retain(|c| contexts.contains(&c.context));
                for context in &contexts {
                    if !checks.checks.iter().any(|c| &c.context == context) {
                        checks
                            .checks
                            .push(crate::forge::sandbox::model::RequiredCheck {
                                context: context.clone(),
                                app_id: None,
                            });
                    }
                }
            }
            Ok(Reply::ok(json!(contexts)))
        }
        ["restrictions"] => {
            let absent = || Reply::error(StatusCode::NOT_FOUND, "Push restrictions not enabled");
            match method {
                "GET" => Ok(Reply::ok(restrictions_json(
                    base,
                    cx.state,
                    org,
                    url,
                    p.restrictions.as_ref().ok_or_else(absent)?,
                ))),
                "DELETE" => {
                    p.restrictions.take().ok_or_else(absent)?;
                    Ok(Reply::no_content())
                }
                _ => Err(Reply::not_found()),
            }
        }
        ["restrictions", kind @ ("users" | "teams" | "apps")] => {
            let restrictions = p.restrictions.as_mut().ok_or_else(|| {
                Reply::error(StatusCode::NOT_FOUND, "Push restrictions not enabled")
            })?;
            let list = match *kind {
                "users" => &mut restrictions.users,
                "teams" => &mut restrictions.teams,
                _ => &mut restrictions.apps,
            };
            if method != "GET" {
                let given = parse::list_body(&cx.body()?, kind)?;
                let probe = match *kind {
                    "users" => Actors {
                        users: given.clone(),
                        ..Actors::default()
                    },
                    "teams" => Actors {
                        teams: given.clone(),
                        ..Actors::default()
                    },
                    _ => Actors {
                        apps: given.clone(),
                        ..Actors::default()
                    },
                };
                if method != "DELETE" {
                    parse::check_actors(cx.state, repo, &probe)?;
                }
                edit_list(method, list, given)?;
            }
            let out = match *kind {
                "users" => users_json(base, cx.state, list),
                "teams" => teams_json(base, cx.state, org, list),
                _ => apps_json(list),
            };
            Ok(Reply::ok(json!(out)))
        }
        _ => Err(Reply::not_found()),
    }
}

/// POST adds, PUT replaces, DELETE removes.
fn edit_list(method: &str, list: &mut Vec<String>, given: Vec<String>) -> Result<(), Reply> {
    match method {
        "POST" => {
            for item in given {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        }
        "PUT" => *list = given,
        "DELETE" => list.retain(|x| !given.contains(x)),
        _ => return Err(Reply::not_found()),
    }
    Ok(())
}
