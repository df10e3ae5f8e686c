//! Reading classic protection from GitHub's GET shape (forge-api §1.3): unknown properties
//! ignored, people/teams/apps reduced to logins and slugs. Never drops an entry it cannot
//! name and never guesses a member GitHub always reports: either would make a restore
//! inexact.

use super::classic::{
    Actors, ClassicParseError, ClassicProtection, Reviews, StatusCheck, StatusChecks,
};
use serde_json::{Map, Value};

pub(super) fn parse_get(body: &Value) -> Result<ClassicProtection, ClassicParseError> {
    let obj = body
        .as_object()
        .ok_or_else(|| err("the body is not an object"))?;
    let mut missing = Vec::new();
    let protection = ClassicProtection {
        required_status_checks: present(obj, "required_status_checks")
            .map(|v| parse_status_checks(v, &mut missing))
            .transpose()?,
        enforce_admins: reported_toggle(obj, "enforce_admins", &mut missing)?,
        required_pull_request_reviews: present(obj, "required_pull_request_reviews")
            .map(parse_reviews)
            .transpose()?,
        restrictions: present(obj, "restrictions").map(parse_actors).transpose()?,
        required_signatures: reported_toggle(obj, "required_signatures", &mut missing)?,
        required_linear_history: newer_toggle(obj, "required_linear_history")?,
        allow_force_pushes: newer_toggle(obj, "allow_force_pushes")?,
        allow_deletions: newer_toggle(obj, "allow_deletions")?,
        block_creations: newer_toggle(obj, "block_creations")?,
        required_conversation_resolution: newer_toggle(obj, "required_conversation_resolution")?,
        lock_branch: newer_toggle(obj, "lock_branch")?,
        allow_fork_syncing: newer_toggle(obj, "allow_fork_syncing")?,
    };
    if missing.is_empty() {
        Ok(protection)
    } else {
        // Reading an absent `required_signatures` as off would make restore DELETE it, and
        // an absent `strict` as off would relax it: name what is missing instead.
        Err(err(format!(
            "{} missing; breakglass does not guess a setting the forge did not report",
            missing.join(", ")
        )))
    }
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
/// serialises) is read as is. `None` when absent; anything else is unreadable.
fn toggle(obj: &Map<String, Value>, key: &str) -> Result<Option<bool>, ClassicParseError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::Object(o)) => match o.get("enabled") {
            Some(Value::Bool(b)) => Ok(Some(*b)),
            _ => Err(err(format!("{key}.enabled is not true or false"))),
        },
        Some(_) => Err(err(format!("{key} is not a toggle"))),
    }
}

/// A toggle GitHub reports on every protected branch: absent is recorded as missing.
fn reported_toggle(
    obj: &Map<String, Value>,
    key: &str,
    missing: &mut Vec<String>,
) -> Result<bool, ClassicParseError> {
    Ok(toggle(obj, key)?.unwrap_or_else(|| {
        missing.push(key.to_owned());
        false
    }))
}

/// A toggle GitHub added over the years (`lock_branch`, `allow_fork_syncing`, … are absent
/// from its 2022 responses): a server that does not report it does not have the feature,
/// whose only state there is off, so absent is off (forge-api §1.4 rule 5).
fn newer_toggle(obj: &Map<String, Value>, key: &str) -> Result<bool, ClassicParseError> {
    Ok(toggle(obj, key)?.unwrap_or(false))
}

/// A plain boolean member of a section; `path` names it in errors.
fn flag(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<bool>, ClassicParseError> {
    match obj.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(err(format!("{path} is not true or false"))),
    }
}

fn reported_flag(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    missing: &mut Vec<String>,
) -> Result<bool, ClassicParseError> {
    Ok(flag(obj, key, path)?.unwrap_or_else(|| {
        missing.push(path.to_owned());
        false
    }))
}

fn parse_status_checks(
    v: &Value,
    missing: &mut Vec<String>,
) -> Result<StatusChecks, ClassicParseError> {
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
        strict: reported_flag(obj, "strict", "required_status_checks.strict", missing)?,
        checks,
        contexts,
    })
}

fn parse_reviews(v: &Value) -> Result<Reviews, ClassicParseError> {
    const AT: &str = "required_pull_request_reviews";
    let obj = v
        .as_object()
        .ok_or_else(|| err(format!("{AT} is not an object")))?;
    let count = match obj.get("required_approving_review_count") {
        None | Some(Value::Null) => None,
        Some(n) => Some(
            n.as_u64()
                .and_then(|n| u8::try_from(n).ok())
                .ok_or_else(|| err("required_approving_review_count is not a small number"))?,
        ),
    };
    let optional = |key: &str| -> Result<bool, ClassicParseError> {
        Ok(flag(obj, key, &format!("{AT}.{key}"))?.unwrap_or(false))
    };
    // The review toggles read absent as off (forge-api §1.4 rule 3): GitHub's PUT takes
    // them as optional with default false, so writing false back is what an absent one
    // means there. A value that is not a bool is still refused.
    Ok(Reviews {
        dismissal_restrictions: present(obj, "dismissal_restrictions")
            .map(parse_actors)
            .transpose()?,
        bypass_pull_request_allowances: present(obj, "bypass_pull_request_allowances")
            .map(parse_actors)
            .transpose()?,
        dismiss_stale_reviews: optional("dismiss_stale_reviews")?,
        require_code_owner_reviews: optional("require_code_owner_reviews")?,
        required_approving_review_count: count,
        require_last_push_approval: optional("require_last_push_approval")?,
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
