//! Identity and repository metadata: `/user`, `/users/{login}`, `/rate_limit`,
//! `/repos/{o}/{r}`, collaborator permission and `/branches/{b}`.
//!
//! Read-only endpoints; nothing here changes state.

use super::repo_shape::{self, permissions_json};
use super::{Cx, user_json};
use crate::forge::Permission;
use crate::forge::sandbox::model::UserRecord;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use crate::forge::sandbox::scope::{covers_branch, is_enforced};
use chrono::SecondsFormat;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// GitHub's `public-user`: the profile anyone may read. Sandbox people have no profile
/// text, followers or public repositories (every seeded repository is private).
fn public_user_json(cx: &Cx, user: &UserRecord) -> Value {
    let mut body = user_json(cx.base_url, user);
    let created = user
        .created_at
        .unwrap_or(cx.now)
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    for (key, value) in [
        ("name", json!(user.login)),
        ("company", Value::Null),
        ("blog", json!("")),
        ("location", Value::Null),
        ("email", Value::Null),
        ("hireable", Value::Null),
        ("bio", Value::Null),
        ("public_repos", json!(0)),
        ("public_gists", json!(0)),
        ("followers", json!(0)),
        ("following", json!(0)),
        ("created_at", json!(created)),
        ("updated_at", json!(created)),
    ] {
        body[key] = value;
    }
    body
}

/// GitHub's `private-user`: the public profile plus what only its owner sees.
pub fn me(cx: &mut Cx) -> Answer {
    let login = cx.caller()?.login.clone();
    let user = cx.state.user(&login).ok_or_else(Reply::not_found)?;
    let owned = cx
        .state
        .repos
        .iter()
        .filter(|r| r.owner.eq_ignore_ascii_case(&user.login))
        .count();
    let mut body = public_user_json(cx, user);
    for (key, value) in [
        ("private_gists", json!(0)),
        ("total_private_repos", json!(owned)),
        ("owned_private_repos", json!(owned)),
        ("disk_usage", json!(0)),
        ("collaborators", json!(0)),
        ("two_factor_authentication", json!(true)),
    ] {
        body[key] = value;
    }
    Ok(Reply::ok(body))
}

pub fn user(cx: &mut Cx, login: &str) -> Answer {
    let user = cx.state.user(login).ok_or_else(Reply::not_found)?;
    Ok(Reply::ok(public_user_json(cx, user)))
}

pub fn rate_limit(cx: &mut Cx) -> Answer {
    let reset = (cx.now + chrono::Duration::hours(1)).timestamp();
    let core = json!({"limit": 5000, "used": 0, "remaining": 5000, "reset": reset});
    Ok(Reply::ok(json!({
        "resources": {"core": core, "search": {"limit": 30, "used": 0, "remaining": 30, "reset": reset}},
        "rate": core,
    })))
}

pub fn repo(cx: &mut Cx, owner: &str, name: &str) -> Answer {
    let (index, role) = cx.repo(owner, name, Permission::Read)?;
    Ok(Reply::ok(repo_shape::full(
        cx,
        &cx.state.repos[index],
        role,
    )))
}

pub fn collaborator_permission(cx: &mut Cx, owner: &str, name: &str, login: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let user = cx.state.user(login).ok_or_else(Reply::not_found)?.clone();
    let role = cx.state.permission(&user.login, &cx.state.repos[index]);
    // The old field folds maintain into write and triage into read; role_name is exact.
    let permission = match role {
        Permission::Admin => "admin",
        Permission::Maintain | Permission::Write => "write",
        Permission::Triage | Permission::Read => "read",
        Permission::None => "none",
    };
    // `user` is GitHub's `nullable-collaborator`: the account, its permissions and role.
    let mut user_body = user_json(cx.base_url, &user);
    user_body["permissions"] = permissions_json(role);
    user_body["role_name"] = json!(role.as_str());
    Ok(Reply::ok(json!({
        "permission": permission,
        "role_name": role.as_str(),
        "user": user_body,
    })))
}

/// `GET /collaborators/{u}` (204 when a collaborator, else 404), `PUT` with
/// `{"permission": …}` (admins only; 204, as GitHub answers for an organisation member, which
/// every sandbox person is) and `DELETE` (204). How a drill makes someone read-only.
pub fn collaborator(cx: &mut Cx, method: &str, owner: &str, name: &str, login: &str) -> Answer {
    let needed = if method == "GET" {
        Permission::Read
    } else {
        Permission::Admin
    };
    let (index, _) = cx.repo(owner, name, needed)?;
    let user = cx
        .state
        .user(login)
        .ok_or_else(Reply::not_found)?
        .login
        .clone();
    let repo = &mut cx.state.repos[index];
    match method {
        "GET" if repo.collaborators.contains_key(&user) => Ok(Reply::no_content()),
        "GET" => Err(Reply::not_found()),
        "PUT" => {
            let body = cx.body()?;
            let role = match body.get("permission") {
                None | Some(serde_json::Value::Null) => Permission::Write,
                Some(v) => v
                    .as_str()
                    .and_then(Permission::parse)
                    .filter(|p| *p > Permission::None)
                    .ok_or_else(|| {
                        Reply::validation_failed(
                            "Repository",
                            "permission",
                            "permission must be one of pull, triage, push, maintain, admin",
                        )
                    })?,
            };
            cx.state.repos[index].collaborators.insert(user, role);
            Ok(Reply::no_content())
        }
        "DELETE" => {
            repo.collaborators.remove(&user);
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}

pub fn branch(cx: &mut Cx, owner: &str, name: &str, branch: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let repo = &cx.state.repos[index];
    let path = cx.repo_path(repo);
    let sha = repo_git::branch_sha(&path, branch)
        .ok_or_else(|| Reply::error(axum::http::StatusCode::NOT_FOUND, "Branch not found"))?;
    let commit = repo_git::commit_info(&path, &sha);
    let classic = repo.protections.get(branch);
    let mut rulesets = repo.rulesets.clone();
    rulesets.extend(cx.state.org_rulesets_for(repo));
    let ruled = rulesets
        .iter()
        .any(|r| is_enforced(r) && covers_branch(r, branch, &repo.default_branch));
    let protected = classic.is_some() || ruled;
    let checks = classic.and_then(|p| p.required_status_checks.as_ref());
    let level = match (classic, checks) {
        (Some(p), Some(_)) if p.enforce_admins => "everyone",
        (Some(_), Some(_)) => "non_admins",
        _ => "off",
    };
    let contexts: Vec<&str> = checks
        .map(|c| c.checks.iter().map(|x| x.context.as_str()).collect())
        .unwrap_or_default();
    let checks_json: Vec<Value> = checks
        .map(|c| {
            c.checks
                .iter()
                .map(|x| json!({"context": x.context, "app_id": x.app_id}))
                .collect()
        })
        .unwrap_or_default();
    let base = cx.base_url;
    let encoded = percent_encoding::utf8_percent_encode(branch, percent_encoding::NON_ALPHANUMERIC);
    let full = repo.full_name();
    Ok(Reply::ok(json!({
        "name": branch,
        "commit": commit.map(|c| super::compare::commit_json(base, &full, &c)),
        "_links": {"self": format!("{base}/repos/{full}/branches/{encoded}"),
                   "html": format!("{base}/{full}/tree/{encoded}")},
        "protected": protected,
        "protection": {"enabled": protected, "required_status_checks": {
            "enforcement_level": level, "contexts": contexts, "checks": checks_json}},
        "protection_url": format!("{base}/repos/{full}/branches/{encoded}/protection"),
    })))
}
