//! Repository activity: every accepted branch push recorded as GitHub's `activity` item,
//! and `GET /repos/{o}/{r}/activity` with its filters (`ref`, `actor`, `time_period`,
//! `activity_type`), `direction` and cursor paging (`before` / `after` in the `Link`
//! header, as GitHub pages this list).
//!
//! Knows nothing of protection rules: the git route says what was applied.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::model::{ActivityRecord, ForgeState};
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::smart_http::{RefUpdate, UpdateKind};
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;
const TYPES: [&str; 6] = [
    "push",
    "force_push",
    "branch_creation",
    "branch_deletion",
    "pr_merge",
    "merge_queue_merge",
];

/// GitHub's activity type of a ref update pushed with git.
pub fn activity_type(kind: UpdateKind) -> &'static str {
    match kind {
        UpdateKind::Create => "branch_creation",
        UpdateKind::Delete => "branch_deletion",
        UpdateKind::FastForward => "push",
        UpdateKind::Force => "force_push",
    }
}

/// Records an applied push of a branch by `actor` (other refs make no activity).
pub fn record_push(
    state: &mut ForgeState,
    owner: &str,
    name: &str,
    actor: &str,
    update: &RefUpdate,
    now: DateTime<Utc>,
) {
    if !update.refname.starts_with("refs/heads/") {
        return;
    }
    let Some(index) = state.repo_index(owner, name) else {
        return;
    };
    let id = state.fresh_id();
    state.repos[index].activity.push(ActivityRecord {
        id,
        before: update.old.to_string(),
        after: update.new.to_string(),
        refname: update.refname.clone(),
        timestamp: now,
        activity_type: activity_type(update.kind).to_owned(),
        actor: actor.to_owned(),
    });
}

fn activity_json(cx: &Cx, a: &ActivityRecord) -> Value {
    json!({
        "id": a.id, "node_id": format!("RA_sandbox{}", a.id),
        "before": a.before, "after": a.after, "ref": a.refname,
        "timestamp": a.timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "activity_type": a.activity_type,
        "actor": cx.user_json(&a.actor),
    })
}

/// How far back each `time_period` reaches.
fn period(name: &str) -> Option<Duration> {
    match name {
        "day" => Some(Duration::hours(24)),
        "week" => Some(Duration::days(7)),
        "month" => Some(Duration::days(30)),
        "quarter" => Some(Duration::days(90)),
        "year" => Some(Duration::days(365)),
        _ => None,
    }
}

fn cursor_of(id: u64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("activity:{id}"))
}

fn id_of_cursor(cursor: &str) -> Option<u64> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("activity:")?
        .parse()
        .ok()
}

fn invalid(param: &str, value: &str) -> Reply {
    Reply::validation_failed(
        "Activity",
        param,
        &format!(
            "{} is not a valid value for {param}",
            crate::text::sanitize_line(value)
        ),
    )
}

/// `GET /repos/{o}/{r}/activity`: anyone who can read the repository.
pub fn list(cx: &mut Cx, owner: &str, name: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let direction = cx.req.query("direction").unwrap_or("desc");
    if !matches!(direction, "asc" | "desc") {
        return Err(invalid("direction", direction));
    }
    let since = match cx.req.query("time_period") {
        Some(p) => Some(cx.now - period(p).ok_or_else(|| invalid("time_period", p))?),
        None => None,
    };
    let kind = cx.req.query("activity_type");
    if let Some(k) = kind.filter(|k| !TYPES.contains(k)) {
        return Err(invalid("activity_type", k));
    }
    let wanted_ref = cx.req.query("ref").map(|r| {
        if r.starts_with("refs/") {
            r.to_owned()
        } else {
            format!("refs/heads/{r}")
        }
    });
    let actor = cx.req.query("actor");
    let mut entries: Vec<&ActivityRecord> = cx.state.repos[index]
        .activity
        .iter()
        .filter(|a| wanted_ref.as_ref().is_none_or(|r| &a.refname == r))
        .filter(|a| actor.is_none_or(|who| a.actor.eq_ignore_ascii_case(who)))
        .filter(|a| kind.is_none_or(|k| a.activity_type == k))
        .filter(|a| since.is_none_or(|s| a.timestamp >= s))
        .collect();
    if direction == "desc" {
        entries.reverse();
    }
    let per_page = cx
        .req
        .query("per_page")
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PER_PAGE)
        .min(MAX_PER_PAGE);
    let (start, end) = window(cx, &entries, per_page)?;
    let shown: Vec<Value> = entries[start..end]
        .iter()
        .map(|a| activity_json(cx, a))
        .collect();
    let mut links = Vec::new();
    if end < entries.len() {
        links.push(link(cx, per_page, "after", entries[end - 1].id, "next"));
    }
    if start > 0 && start < entries.len() {
        links.push(link(cx, per_page, "before", entries[start].id, "prev"));
    }
    let reply = Reply::ok(Value::Array(shown));
    Ok(if links.is_empty() {
        reply
    } else {
        reply.with_header("link", &links.join(", "))
    })
}

/// The slice of `entries` a request's cursors select: after the `after` entry, or the page
/// ending just before the `before` entry, or the first page.
fn window(cx: &Cx, entries: &[&ActivityRecord], per_page: usize) -> Result<(usize, usize), Reply> {
    let position = |param: &str| -> Result<Option<usize>, Reply> {
        let Some(cursor) = cx.req.query(param) else {
            return Ok(None);
        };
        let id = id_of_cursor(cursor).ok_or_else(|| invalid(param, cursor))?;
        // A cursor whose entry has left the filtered list (a narrower time period) still
        // marks a place: the first entry past it in list order.
        let descending = entries
            .first()
            .zip(entries.last())
            .is_some_and(|(f, l)| f.id > l.id);
        Ok(Some(
            entries.iter().position(|a| a.id == id).unwrap_or_else(|| {
                entries
                    .iter()
                    .position(|a| if descending { a.id < id } else { a.id > id })
                    .unwrap_or(entries.len())
            }),
        ))
    };
    if let Some(at) = position("after")? {
        let start = (at + 1).min(entries.len());
        return Ok((start, (start + per_page).min(entries.len())));
    }
    if let Some(at) = position("before")? {
        return Ok((at.saturating_sub(per_page), at));
    }
    Ok((0, per_page.min(entries.len())))
}

/// One `Link` entry: the request's own URL with `per_page` and one cursor set.
fn link(cx: &Cx, per_page: usize, param: &str, id: u64, rel: &str) -> String {
    let mut url = url::Url::parse(cx.base_url).expect("the sandbox's base URL parses");
    url.path_segments_mut()
        .expect("an http base URL has a path")
        .pop_if_empty()
        .extend(&cx.req.segments);
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in &cx.req.query {
            if !matches!(k.as_str(), "per_page" | "before" | "after" | "page") {
                query.append_pair(k, v);
            }
        }
        query
            .append_pair("per_page", &per_page.to_string())
            .append_pair(param, &cursor_of(id));
    }
    format!("<{url}>; rel=\"{rel}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_strangers() {
        assert_eq!(id_of_cursor(&cursor_of(42)), Some(42));
        assert_eq!(id_of_cursor("not a cursor"), None);
        assert_eq!(id_of_cursor(&cursor_of(7)[1..]), None);
    }
}
