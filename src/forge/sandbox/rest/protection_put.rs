//! Reading classic-protection write bodies (the PUT, and the PATCH/POST bodies of its
//! sub-resources) and validating them as GitHub does: required keys, types, `contexts`
//! and `checks` together, org-only features, unknown users and teams.
//!
//! Pure parsing over the state; storing the result is the caller's job.

use crate::forge::sandbox::model::{
    Actors, ClassicProtection, ForgeState, RepoRecord, RequiredCheck, Reviews, StatusChecks,
};
use crate::forge::sandbox::reply::Reply;
use serde_json::{Map, Value};

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nil".into(),
        Value::String(s) => format!("\"{}\"", crate::text::sanitize_line(s)),
        other => other.to_string(),
    }
}

fn object<'a>(v: &'a Value, at: &str) -> Result<&'a Map<String, Value>, Reply> {
    v.as_object()
        .ok_or_else(|| Reply::invalid(&format!("For '{at}', {} is not an object.", describe(v))))
}

/// An optional boolean field: absent is `false`, `null` only where GitHub allows it.
fn flag(body: &Map<String, Value>, key: &str, nullable: bool) -> Result<bool, Reply> {
    match body.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Null) if nullable => Ok(false),
        Some(other) => Err(Reply::invalid(&format!(
            "For 'properties/{key}', {} is not a boolean.",
            describe(other)
        ))),
    }
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>, Reply> {
    let arr = v
        .as_array()
        .ok_or_else(|| Reply::invalid(&format!("For '{at}', {} is not an array.", describe(v))))?;
    arr.iter()
        .map(|x| {
            x.as_str().map(str::to_owned).ok_or_else(|| {
                Reply::invalid(&format!(
                    "For '{at}/items', {} is not a string.",
                    describe(x)
                ))
            })
        })
        .collect()
}

/// Users must exist and be able to push, teams must be the org's, apps must be installed
/// (the sandbox has none).
pub fn check_actors(state: &ForgeState, repo: &RepoRecord, actors: &Actors) -> Result<(), Reply> {
    for login in &actors.users {
        let pushes = state
            .user(login)
            .is_some_and(|u| state.permission(&u.login, repo).can_push());
        if !pushes {
            return Err(Reply::validation_failed(
                "ProtectedBranch",
                "users",
                &format!(
                    "{} is not a user with push access to {}",
                    crate::text::sanitize_line(login),
                    repo.full_name()
                ),
            ));
        }
    }
    for slug in &actors.teams {
        if state.team(&repo.owner, slug).is_none() {
            return Err(Reply::validation_failed(
                "ProtectedBranch",
                "teams",
                &format!(
                    "{} is not a team of {}",
                    crate::text::sanitize_line(slug),
                    repo.owner
                ),
            ));
        }
    }
    if let Some(app) = actors.apps.first() {
        return Err(Reply::validation_failed(
            "ProtectedBranch",
            "apps",
            &format!(
                "{} is not an app installed on {}",
                crate::text::sanitize_line(app),
                repo.full_name()
            ),
        ));
    }
    Ok(())
}

/// `{users?, teams?, apps?}`; `require_users_teams` for `restrictions`, where both are required.
pub fn actors(v: &Value, at: &str, require_users_teams: bool) -> Result<Actors, Reply> {
    let body = object(v, at)?;
    let list = |key: &str| -> Result<Vec<String>, Reply> {
        match body.get(key) {
            None if require_users_teams && key != "apps" => Err(Reply::invalid(&format!(
                "For '{at}', \"{key}\" wasn't supplied."
            ))),
            None => Ok(Vec::new()),
            Some(x) => strings(x, &format!("{at}/{key}")),
        }
    };
    Ok(Actors {
        users: list("users")?,
        teams: list("teams")?,
        apps: list("apps")?,
    })
}

fn org_owned(state: &ForgeState, repo: &RepoRecord) -> bool {
    state.org(&repo.owner).is_some()
}

/// The `required_status_checks` object: `strict` plus exactly one of `contexts`/`checks`
/// (PUT), or any subset of them on top of `base` (PATCH).
pub fn status_checks(v: &Value, base: Option<&StatusChecks>) -> Result<StatusChecks, Reply> {
    let at = "properties/required_status_checks";
    let body = object(v, at)?;
    let patch = base.is_some();
    let strict = match body.get("strict") {
        Some(Value::Bool(b)) => *b,
        None if patch => base.map(|b| b.strict).unwrap_or(false),
        None => return Err(Reply::invalid("\"strict\" wasn't supplied.")),
        Some(other) => {
            return Err(Reply::invalid(&format!(
                "For '{at}/strict', {} is not a boolean.",
                describe(other)
            )));
        }
    };
    let checks = match (body.get("contexts"), body.get("checks")) {
        (Some(_), Some(_)) => {
            return Err(Reply::invalid(
                "More than one subschema in \"oneOf\" matched.\nNot all subschemas of \"allOf\" matched.",
            ));
        }
        (Some(contexts), None) => strings(contexts, &format!("{at}/contexts"))?
            .into_iter()
            .map(|context| RequiredCheck {
                context,
                app_id: None,
            })
            .collect(),
        (None, Some(checks)) => parse_checks(checks)?,
        (None, None) if patch => base.map(|b| b.checks.clone()).unwrap_or_default(),
        (None, None) => return Err(Reply::invalid("No subschema in \"oneOf\" matched.")),
    };
    Ok(StatusChecks { strict, checks })
}

fn parse_checks(v: &Value) -> Result<Vec<RequiredCheck>, Reply> {
    let at = "properties/required_status_checks/checks";
    let arr = v
        .as_array()
        .ok_or_else(|| Reply::invalid(&format!("For '{at}', {} is not an array.", describe(v))))?;
    arr.iter()
        .map(|item| {
            let context = item.get("context").and_then(Value::as_str).ok_or_else(|| {
                Reply::invalid(&format!("For '{at}/items', \"context\" wasn't supplied."))
            })?;
            // -1 means "any source", which GET reports as null; an omitted app_id means "the
            // app that last reported it, or any", and the sandbox has no apps.
            let app_id = match item.get("app_id") {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_i64() {
                    Some(-1) => None,
                    Some(id) if id > 0 => Some(id),
                    _ => {
                        return Err(Reply::invalid(&format!(
                            "For '{at}/items/app_id', {} is not a valid app id.",
                            describe(v)
                        )));
                    }
                },
            };
            Ok(RequiredCheck {
                context: context.to_owned(),
                app_id,
            })
        })
        .collect()
}

/// The `required_pull_request_reviews` object, over `base` for a PATCH.
pub fn reviews(
    state: &ForgeState,
    repo: &RepoRecord,
    v: &Value,
    base: Option<&Reviews>,
) -> Result<Reviews, Reply> {
    let at = "properties/required_pull_request_reviews";
    let body = object(v, at)?;
    let mut out = base.cloned().unwrap_or_default();
    let patch = base.is_some();
    let keep = |key: &str, current: bool| -> Result<bool, Reply> {
        if patch && !body.contains_key(key) {
            Ok(current)
        } else {
            flag(body, key, false)
        }
    };
    out.dismiss_stale_reviews = keep("dismiss_stale_reviews", out.dismiss_stale_reviews)?;
    out.require_code_owner_reviews =
        keep("require_code_owner_reviews", out.require_code_owner_reviews)?;
    out.require_last_push_approval =
        keep("require_last_push_approval", out.require_last_push_approval)?;
    match body.get("required_approving_review_count") {
        None if patch => {}
        // GitHub's recorded answer to a PUT without a count reads back 1
        // (tests/fixtures/github/octokit-fixtures-branch-protection.json).
        None => out.required_approving_review_count = 1,
        Some(v) => match v.as_u64() {
            Some(n) if n <= 6 => out.required_approving_review_count = n as u8,
            _ => {
                return Err(Reply::invalid(&format!(
                    "For '{at}/required_approving_review_count', {} is greater than the maximum of 6.",
                    describe(v)
                )));
            }
        },
    }
    if let Some(v) = body.get("dismissal_restrictions") {
        if !org_owned(state, repo) {
            return Err(Reply::unprocessable(
                "Dismissal restrictions are supported only for repositories owned by an organization.",
            ));
        }
        let a = actors(v, &format!("{at}/dismissal_restrictions"), false)?;
        check_actors(state, repo, &a)?;
        // An empty object disables dismissal restrictions, as GitHub documents.
        out.dismissal_restrictions = (a != Actors::default()).then_some(a);
    } else if !patch {
        out.dismissal_restrictions = None;
    }
    if let Some(v) = body.get("bypass_pull_request_allowances") {
        let a = actors(v, &format!("{at}/bypass_pull_request_allowances"), false)?;
        check_actors(state, repo, &a)?;
        out.bypass_pull_request_allowances = (a != Actors::default()).then_some(a);
    } else if !patch {
        out.bypass_pull_request_allowances = None;
    }
    Ok(out)
}

/// The full `PUT …/protection` body. `required_signatures` is not part of it and is kept.
pub fn protection(
    state: &ForgeState,
    repo: &RepoRecord,
    v: &Value,
    signatures: bool,
) -> Result<ClassicProtection, Reply> {
    let body = object(v, "links/0/schema")?;
    for key in [
        "required_status_checks",
        "enforce_admins",
        "required_pull_request_reviews",
        "restrictions",
    ] {
        if !body.contains_key(key) {
            return Err(Reply::invalid(&format!("\"{key}\" wasn't supplied.")));
        }
    }
    let required_status_checks = match &body["required_status_checks"] {
        Value::Null => None,
        v => Some(status_checks(v, None)?),
    };
    let enforce_admins = flag(body, "enforce_admins", true)?;
    let required_pull_request_reviews = match &body["required_pull_request_reviews"] {
        Value::Null => None,
        v => Some(reviews(state, repo, v, None)?),
    };
    let restrictions = match &body["restrictions"] {
        Value::Null => None,
        v => {
            if !org_owned(state, repo) {
                return Err(Reply::unprocessable(
                    "Only organization repositories can have users and team restrictions",
                ));
            }
            let a = actors(v, "properties/restrictions", true)?;
            check_actors(state, repo, &a)?;
            Some(a)
        }
    };
    Ok(ClassicProtection {
        required_status_checks,
        enforce_admins,
        required_pull_request_reviews,
        restrictions,
        required_signatures: signatures,
        required_linear_history: flag(body, "required_linear_history", false)?,
        allow_force_pushes: flag(body, "allow_force_pushes", true)?,
        allow_deletions: flag(body, "allow_deletions", false)?,
        block_creations: flag(body, "block_creations", false)?,
        required_conversation_resolution: flag(body, "required_conversation_resolution", false)?,
        lock_branch: flag(body, "lock_branch", false)?,
        allow_fork_syncing: flag(body, "allow_fork_syncing", false)?,
    })
}

/// A list body for `…/contexts` and `…/restrictions/{users,teams,apps}`: either the bare
/// array or `{"KEY": [...]}`.
pub fn list_body(v: &Value, key: &str) -> Result<Vec<String>, Reply> {
    match v {
        Value::Array(_) => strings(v, key),
        Value::Object(o) => match o.get(key) {
            Some(x) => strings(x, &format!("properties/{key}")),
            None => Err(Reply::invalid(&format!("\"{key}\" wasn't supplied."))),
        },
        other => Err(Reply::invalid(&format!(
            "For '{key}', {} is not an array.",
            describe(other)
        ))),
    }
}
