//! Classic protection in GitHub's GET shape: `{enabled}` objects, url fields, full user,
//! team and app objects, both `contexts` and `checks` (with `app_id` null for "any
//! source"), and disabled sections left out.
//!
//! Rendering only; what is stored and how it changes is elsewhere.

use super::{team_json, user_json};
use crate::forge::sandbox::model::{
    Actors, ClassicProtection, ForgeState, RepoRecord, Reviews, StatusChecks,
};
use serde_json::{Map, Value, json};

fn encode(branch: &str) -> String {
    percent_encoding::utf8_percent_encode(branch, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub fn protection_url(base: &str, repo: &RepoRecord, branch: &str) -> String {
    format!(
        "{base}/repos/{}/branches/{}/protection",
        repo.full_name(),
        encode(branch)
    )
}

pub fn users_json(base: &str, state: &ForgeState, logins: &[String]) -> Vec<Value> {
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

pub fn teams_json(base: &str, state: &ForgeState, org: &str, slugs: &[String]) -> Vec<Value> {
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

pub fn apps_json(slugs: &[String]) -> Vec<Value> {
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

pub fn restrictions_json(
    base: &str,
    state: &ForgeState,
    org: &str,
    url: &str,
    a: &Actors,
) -> Value {
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

pub fn enabled_with_url(url: String, enabled: bool) -> Value {
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
