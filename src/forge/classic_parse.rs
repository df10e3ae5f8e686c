//! Reading classic protection from GitHub's GET shape (forge-api §1.3): every property
//! optional, unknown ones ignored, people/teams/apps reduced to logins and slugs. Never
//! drops an entry it cannot name: that would make a restore inexact.

use super::classic::{
    Actors, ClassicParseError, ClassicProtection, Reviews, StatusCheck, StatusChecks,
};
use serde_json::{Map, Value};

pub(super) fn parse_get(body: &Value) -> Result<ClassicProtection, ClassicParseError> {
    let obj = body
        .as_object()
        .ok_or_else(|| err("the body is not an object"))?;
    Ok(ClassicProtection {
        required_status_checks: present(obj, "required_status_checks")
            .map(parse_status_checks)
            .transpose()?,
        enforce_admins: enabled(obj, "enforce_admins"),
        required_pull_request_reviews: present(obj, "required_pull_request_reviews")
            .map(parse_reviews)
            .transpose()?,
        restrictions: present(obj, "restrictions").map(parse_actors).transpose()?,
        required_signatures: enabled(obj, "required_signatures"),
        required_linear_history: enabled(obj, "required_linear_history"),
        allow_force_pushes: enabled(obj, "allow_force_pushes"),
        allow_deletions: enabled(obj, "allow_deletions"),
        block_creations: enabled(obj, "block_creations"),
        required_conversation_resolution: enabled(obj, "required_conversation_resolution"),
        lock_branch: enabled(obj, "lock_branch"),
        allow_fork_syncing: enabled(obj, "allow_fork_syncing"),
    })
}

fn err(detail: impl Into<String>) -> ClassicParseError {
    ClassicParseError {
        detail: crate::text::sanitize_line(&detail.into()),
    }
}

/// A GET section that is present and not `null`.
fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// GET's `{enabled: bool}` toggles; a bare bool (how [`ClassicProtection`] itself
/// serialises) is read as is, and an absent toggle is off.
fn enabled(obj: &Map<String, Value>, key: &str) -> bool {
    match obj.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::Object(o)) => o.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        _ => false,
    }
}

fn bool_field(obj: &Map<String, Value>, key: &str) -> bool {
    obj.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn parse_status_checks(v: &Value) -> Result<StatusChecks, ClassicParseError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err("required_status_checks is not an object"))?;
    let contexts = match obj.get("contexts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err("a status check context is not a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("required_status_checks.contexts is not a list")),
    };
    let checks = match obj.get("checks") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|c| {
                let context = c
                    .get("context")
                    .and_then(Value::as_str)
                    .ok_or_else(|| err("a status check has no context"))?;
                let app_id = match c.get("app_id") {
                    None | Some(Value::Null) => None,
                    Some(id) => Some(
                        id.as_i64()
                            .ok_or_else(|| err("a status check app_id is not a number"))?,
                    ),
                };
                Ok(StatusCheck {
                    context: context.to_owned(),
                    app_id,
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("required_status_checks.checks is not a list")),
    };
    Ok(StatusChecks {
        strict: bool_field(obj, "strict"),
        checks,
        contexts,
    })
}

fn parse_reviews(v: &Value) -> Result<Reviews, ClassicParseError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err("required_pull_request_reviews is not an object"))?;
    let count = match obj.get("required_approving_review_count") {
        None | Some(Value::Null) => None,
        Some(n) => Some(
            n.as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| err("required_approving_review_count is not a small number"))?,
        ),
    };
    Ok(Reviews {
        dismissal_restrictions: present(obj, "dismissal_restrictions")
            .map(parse_actors)
            .transpose()?,
        bypass_pull_request_allowances: present(obj, "bypass_pull_request_allowances")
            .map(parse_actors)
            .transpose()?,
        dismiss_stale_reviews: bool_field(obj, "dismiss_stale_reviews"),
        require_code_owner_reviews: bool_field(obj, "require_code_owner_reviews"),
        required_approving_review_count: count,
        require_last_push_approval: bool_field(obj, "require_last_push_approval"),
    })
}

fn parse_actors(v: &Value) -> Result<Actors, ClassicParseError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err("an actor list is not an object"))?;
    Ok(Actors {
        users: names(obj, "users", "login")?,
        teams: names(obj, "teams", "slug")?,
        apps: names(obj, "apps", "slug")?,
    })
}

/// Maps full user/team/app objects to their login or slug. Dropping an entry we cannot
/// name would make the restore inexact, so that is an error instead.
fn names(
    obj: &Map<String, Value>,
    key: &str,
    name_key: &str,
) -> Result<Vec<String>, ClassicParseError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => other
                    .get(name_key)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("an entry of {key} has no {name_key}"))),
            })
            .collect(),
        Some(_) => Err(err(format!("{key} is not a list"))),
    }
}
