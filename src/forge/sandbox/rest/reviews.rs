//! Pull request reviews: `POST` and `GET /repos/{o}/{r}/pulls/{n}/reviews` in GitHub's
//! `pull-request-review` shape (created with 200, listed oldest first, paged).
//!
//! GitHub's rules: an author can neither approve nor request changes on their own pull
//! request (422 "Can not approve your own pull request"); a review sent without an `event`
//! stays `PENDING`, seen only by its author, one per person and pull request;
//! `REQUEST_CHANGES` and `COMMENT` need a body. Never decides what an approval means.

use super::Cx;
use super::page::page;
use crate::forge::sandbox::model::ReviewRecord;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// How GitHub describes the reviewer's relation to the repository.
pub(super) fn author_association(cx: &Cx, index: usize, login: &str) -> &'static str {
    let repo = &cx.state.repos[index];
    if repo.owner.eq_ignore_ascii_case(login) {
        "OWNER"
    } else if cx.state.is_org_owner(login, &repo.owner)
        || !cx.state.teams_of(&repo.owner, login).is_empty()
    {
        "MEMBER"
    } else if repo
        .collaborators
        .keys()
        .any(|c| c.eq_ignore_ascii_case(login))
    {
        "COLLABORATOR"
    } else {
        "NONE"
    }
}

fn review_json(cx: &Cx, index: usize, number: u64, r: &ReviewRecord) -> Value {
    let full = cx.state.repos[index].full_name();
    let b = cx.base_url;
    let html = format!("{b}/{full}/pull/{number}#pullrequestreview-{}", r.id);
    let pull = format!("{b}/repos/{full}/pulls/{number}");
    let mut out = json!({
        "id": r.id, "node_id": format!("PRR_sandbox{}", r.id),
        "user": cx.user_json(&r.user), "body": r.body, "state": r.state,
        "html_url": html, "pull_request_url": pull,
        "_links": {"html": {"href": html}, "pull_request": {"href": pull}},
        "commit_id": r.commit_id,
        "author_association": author_association(cx, index, &r.user),
    });
    if let Some(at) = r.submitted_at {
        out["submitted_at"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    out
}

/// The review state an `event` asks for; no event leaves the review pending.
fn state_for(event: &Value) -> Result<&'static str, Reply> {
    match event {
        Value::Null => Ok("PENDING"),
        Value::String(e) if e == "APPROVE" => Ok("APPROVED"),
        Value::String(e) if e == "REQUEST_CHANGES" => Ok("CHANGES_REQUESTED"),
        Value::String(e) if e == "COMMENT" => Ok("COMMENTED"),
        other => Err(Reply::invalid(&format!(
            "For 'properties/event', {} is not a member of [\"APPROVE\", \"REQUEST_CHANGES\", \"COMMENT\"].",
            match other {
                Value::String(s) => format!("\"{}\"", crate::text::sanitize_line(s)),
                v => v.to_string(),
            }
        ))),
    }
}

pub fn create(cx: &mut Cx, index: usize, at: usize) -> Answer {
    let body = cx.body()?;
    let state = state_for(&body["event"])?;
    let caller = cx.caller()?.login.clone();
    let pull = &cx.state.repos[index].pulls[at];
    let own = pull.author.eq_ignore_ascii_case(&caller);
    match state {
        "APPROVED" if own => {
            return Err(Reply::unprocessable_because(
                "Can not approve your own pull request",
            ));
        }
        "CHANGES_REQUESTED" if own => {
            return Err(Reply::unprocessable_because(
                "Can not request changes on your own pull request",
            ));
        }
        _ => {}
    }
    let text = body["body"]
        .as_str()
        .map(crate::text::sanitize)
        .unwrap_or_default();
    if matches!(state, "CHANGES_REQUESTED" | "COMMENTED") && text.trim().is_empty() {
        return Err(Reply::unprocessable_because(&format!(
            "Review body is required when the event is {}",
            body["event"].as_str().unwrap_or_default()
        )));
    }
    let pending_already = pull
        .reviews
        .iter()
        .any(|r| r.state == "PENDING" && r.user.eq_ignore_ascii_case(&caller));
    if state == "PENDING" && pending_already {
        return Err(Reply::unprocessable_because(
            "User can only have one pending review per pull request",
        ));
    }
    let commit_id = match body["commit_id"].as_str() {
        Some(sha) => Some(crate::text::sanitize_line(sha)),
        None => repo_git::branch_sha(&cx.repo_path(&cx.state.repos[index]), &pull.head),
    };
    let number = pull.number;
    let review = ReviewRecord {
        id: cx.state.fresh_id(),
        user: caller,
        body: text,
        state: state.to_owned(),
        commit_id,
        submitted_at: (state != "PENDING").then_some(cx.now),
    };
    let out = review_json(cx, index, number, &review);
    cx.state.repos[index].pulls[at].reviews.push(review);
    Ok(Reply::ok(out))
}

/// Every review of the pull request, oldest first; others' pending reviews stay hidden.
pub fn list(cx: &mut Cx, index: usize, at: usize) -> Answer {
    let caller = cx.caller()?.login.clone();
    let pull = &cx.state.repos[index].pulls[at];
    let all: Vec<Value> = pull
        .reviews
        .iter()
        .filter(|r| r.state != "PENDING" || r.user.eq_ignore_ascii_case(&caller))
        .map(|r| review_json(cx, index, pull.number, r))
        .collect();
    Ok(page(cx, all))
}
