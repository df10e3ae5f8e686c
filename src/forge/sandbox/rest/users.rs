//! Identity and repository metadata: `/user`, `/users/{login}`, `/rate_limit`,
//! `/repos/{o}/{r}`, collaborator permission and `/branches/{b}`.
//!
//! Read-only endpoints; nothing here changes state.

use super::{Cx, user_json};
use crate::forge::Permission;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use crate::forge::sandbox::scope::{covers_branch, is_enforced};
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

pub fn me(cx: &mut Cx) -> Answer {
    let login = cx.caller()?.login.clone();
    let user = cx.state.user(&login).ok_or_else(Reply::not_found)?;
    let mut body = user_json(cx.base_url, user);
    body["name"] = json!(user.login);
    body["email"] = Value::Null;
    Ok(Reply::ok(body))
}

pub fn user(cx: &mut Cx, login: &str) -> Answer {
    let user = cx.state.user(login).ok_or_else(Reply::not_found)?;
    Ok(Reply::ok(user_json(cx.base_url, user)))
}

pub fn rate_limit(cx: &mut Cx) -> Answer {
    let reset = (cx.now + chrono::Duration::hours(1)).timestamp();
    let core = json!({"limit": 5000, "used": 0, "remaining": 5000, "reset": reset});
    Ok(Reply::ok(json!({
        "resources": {"core": core, "search": {"limit": 30, "used": 0, "remaining": 30, "reset": reset}},
        "rate": core,
    })))
}

fn permissions_json(role: Permission) -> Value {
    json!({
        "admin": role >= Permission::Admin,
        "maintain": role >= Permission::Maintain,
        "push": role >= Permission::Write,
        "triage": role >= Permission::Triage,
        "pull": role >= Permission::Read,
    })
}

pub fn repo(cx: &mut Cx, owner: &str, name: &str) -> Answer {
    let (index, role) = cx.repo(owner, name, Permission::Read)?;
    let repo = &cx.state.repos[index];
    let base = cx.base_url;
    let owner_json = match cx.state.org(&repo.owner) {
        Some(org) => super::account_json(base, &org.login, org.id, "Organization"),
        None => {
            let mut u = cx.user_json(&repo.owner);
            u["type"] = json!("User");
            u
        }
    };
    Ok(Reply::ok(json!({
        "id": repo.id, "node_id": format!("R_sandbox{}", repo.id), "name": repo.name,
        "full_name": repo.full_name(), "private": true, "visibility": "private",
        "owner": owner_json,
        "html_url": format!("{base}/{}", repo.full_name()),
        "url": format!("{base}/repos/{}", repo.full_name()),
        "clone_url": format!("{base}/git/{}.git", repo.full_name()),
        "default_branch": repo.default_branch,
        "permissions": permissions_json(role),
        "archived": false, "disabled": false, "fork": false,
    })))
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
    let mut user_body = user_json(cx.base_url, &user);
    user_body["permissions"] = permissions_json(role);
    Ok(Reply::ok(json!({
        "permission": permission,
        "role_name": role.as_str(),
        "user": user_body,
    })))
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
        "commit": {
            "sha": sha,
            "url": format!("{base}/repos/{full}/commits/{sha}"),
            "commit": commit.map(|c| json!({"message": c.message,
                "author": {"name": c.author_name, "email": c.author_email}})),
        },
        "_links": {"self": format!("{base}/repos/{full}/branches/{encoded}"),
                   "html": format!("{base}/{full}/tree/{encoded}")},
        "protected": protected,
        "protection": {"enabled": protected, "required_status_checks": {
            "enforcement_level": level, "contexts": contexts, "checks": checks_json}},
        "protection_url": format!("{base}/repos/{full}/branches/{encoded}/protection"),
    })))
}
