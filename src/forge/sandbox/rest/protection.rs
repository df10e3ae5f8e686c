//! Classic branch protection: `GET/PUT/DELETE …/branches/{b}/protection` and its
//! sub-resources (enforce_admins, required_signatures, required_pull_request_reviews,
//! required_status_checks and contexts, restrictions and their users/teams/apps).
//!
//! Admins only: everyone else gets 404, as GitHub hides the resource.

use super::Cx;
use super::protection_put as parse;
use super::protection_shape::{
    apps_json, checks_json, enabled_with_url, protection_url, render, restrictions_json,
    reviews_json, teams_json, users_json,
};
use crate::forge::Permission;
use crate::forge::sandbox::model::{Actors, ClassicProtection, ForgeState, RepoRecord};
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use axum::http::StatusCode;
use serde_json::json;

type Answer = Result<Reply, Reply>;

fn not_protected() -> Reply {
    Reply::error(StatusCode::NOT_FOUND, "Branch not protected")
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
