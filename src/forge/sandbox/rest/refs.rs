//! Git references over REST: `GET /git/ref/{ref}`, `GET /git/matching-refs/{prefix}`,
//! `POST /git/refs`, `PATCH` and `DELETE /git/refs/{ref}`. Branch edits go through the
//! same push policy as git pushes, as GitHub protects branches on both paths.
//!
//! Ref storage is `repo_git`'s; the rules are `policy`'s.

use super::Cx;
use super::{activity, rule_suites};
use crate::forge::Permission;
use crate::forge::sandbox::enforce::{RepoRules, pusher};
use crate::forge::sandbox::policy::{self, PushFacts};
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git::{self, RefEditError};
use crate::forge::sandbox::smart_http::{RefUpdate, UpdateKind, Verdict};
use git2::Oid;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

fn ref_json(base: &str, full: &str, name: &str, refname: &str, sha: &str) -> Value {
    json!({
        "ref": refname,
        "node_id": format!("REF_sandbox_{}", hex::encode(refname)),
        "url": format!("{base}/repos/{full}/git/{refname}"),
        "object": {"sha": sha, "type": "commit", "url": format!("{base}/repos/{full}/git/commits/{sha}")},
        "repo": name,
    })
}

fn edit_error(err: RefEditError) -> Reply {
    match err {
        RefEditError::AlreadyExists => Reply::unprocessable("Reference already exists"),
        RefEditError::Missing => Reply::unprocessable("Reference does not exist"),
        RefEditError::NoSuchObject => Reply::unprocessable("Object does not exist"),
        RefEditError::NotFastForward => Reply::unprocessable("Update is not a fast forward"),
        RefEditError::Other(why) => {
            Reply::error(axum::http::StatusCode::INTERNAL_SERVER_ERROR, &why)
        }
    }
}

/// Refuses a branch change the push policy would refuse, with its lines as the message.
fn judge(
    cx: &mut Cx,
    index: usize,
    refname: &str,
    old: Oid,
    new: Oid,
    kind: UpdateKind,
) -> Result<(), Reply> {
    let caller = cx.caller()?;
    let repo = &cx.state.repos[index];
    let rules = RepoRules::of(cx.state, repo, cx.base_url).for_ref(refname);
    let who = pusher(cx.state, repo, &caller.login, caller.id);
    let facts = PushFacts {
        adds_merge_commits: kind != UpdateKind::Delete
            && repo_git::adds_merge_commits(&cx.repo_path(repo), old, new),
    };
    let update = RefUpdate {
        refname: refname.to_owned(),
        old,
        new,
        kind,
    };
    // GitHub evaluates rulesets for API ref edits too, and keeps the suite.
    if let Some(outcome) = rule_suites::evaluate(&rules, &who, &update, facts) {
        let (owner, name) = (repo.owner.clone(), repo.name.clone());
        rule_suites::record(cx.state, &owner, &name, &who, &update, outcome, cx.now);
    }
    match policy::decide(&rules, &who, &update, facts) {
        Verdict::Allow { .. } => Ok(()),
        Verdict::Reject { remote_lines, .. } => {
            let lines: Vec<&str> = remote_lines
                .iter()
                .map(|l| l.strip_prefix("error: ").unwrap_or(l))
                .collect();
            Err(Reply::unprocessable(&lines.join("\n")))
        }
    }
}

/// Records an applied ref edit as repository activity, as a push would be.
fn record_applied(cx: &mut Cx, index: usize, refname: &str, old: Oid, new: Oid, kind: UpdateKind) {
    let Some(caller) = cx.req.caller.clone() else {
        return;
    };
    let repo = &cx.state.repos[index];
    let (owner, name) = (repo.owner.clone(), repo.name.clone());
    let update = RefUpdate {
        refname: refname.to_owned(),
        old,
        new,
        kind,
    };
    activity::record_push(cx.state, &owner, &name, &caller.login, &update, cx.now);
}

pub fn get(cx: &mut Cx, owner: &str, name: &str, reference: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let repo = &cx.state.repos[index];
    let refname = format!("refs/{reference}");
    let sha = repo_git::ref_target(&cx.repo_path(repo), &refname).ok_or_else(Reply::not_found)?;
    Ok(Reply::ok(ref_json(
        cx.base_url,
        &repo.full_name(),
        &repo.name,
        &refname,
        &sha,
    )))
}

pub fn matching(cx: &mut Cx, owner: &str, name: &str, prefix: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let repo = &cx.state.repos[index];
    let refs = repo_git::refs_with_prefix(&cx.repo_path(repo), &format!("refs/{prefix}"));
    let out: Vec<Value> = refs
        .iter()
        .map(|(r, sha)| ref_json(cx.base_url, &repo.full_name(), &repo.name, r, sha))
        .collect();
    Ok(Reply::ok(json!(out)))
}

pub fn create(cx: &mut Cx, owner: &str, name: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Write)?;
    let body = cx.body()?;
    let (Some(refname), Some(sha)) = (body["ref"].as_str(), body["sha"].as_str()) else {
        return Err(Reply::invalid("\"ref\" and \"sha\" are required."));
    };
    if !refname.starts_with("refs/") || refname.matches('/').count() < 2 {
        return Err(Reply::unprocessable(
            "Reference name must start with 'refs/' and have at least two slashes.",
        ));
    }
    let new = Oid::from_str(sha).map_err(|_| Reply::unprocessable("Object does not exist"))?;
    if repo_git::ref_target(&cx.repo_path(&cx.state.repos[index]), refname).is_some() {
        return Err(edit_error(RefEditError::AlreadyExists));
    }
    judge(cx, index, refname, Oid::ZERO_SHA1, new, UpdateKind::Create)?;
    let repo = &cx.state.repos[index];
    repo_git::create_ref(&cx.repo_path(repo), refname, sha).map_err(edit_error)?;
    cx.state.repos[index].pushed_at = Some(cx.now);
    record_applied(cx, index, refname, Oid::ZERO_SHA1, new, UpdateKind::Create);
    let repo = &cx.state.repos[index];
    Ok(Reply::created(ref_json(
        cx.base_url,
        &repo.full_name(),
        &repo.name,
        refname,
        sha,
    )))
}

pub fn update(cx: &mut Cx, owner: &str, name: &str, reference: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Write)?;
    let body = cx.body()?;
    let sha = body["sha"]
        .as_str()
        .ok_or_else(|| Reply::invalid("\"sha\" wasn't supplied."))?
        .to_owned();
    let force = body["force"].as_bool().unwrap_or(false);
    let refname = format!("refs/{reference}");
    let path = cx.repo_path(&cx.state.repos[index]);
    let old = repo_git::ref_target(&path, &refname)
        .and_then(|s| Oid::from_str(&s).ok())
        .ok_or_else(|| Reply::unprocessable("Reference does not exist"))?;
    let new = Oid::from_str(&sha).map_err(|_| Reply::unprocessable("Object does not exist"))?;
    let kind = if repo_git::is_fast_forward(&path, old, new) {
        UpdateKind::FastForward
    } else {
        UpdateKind::Force
    };
    if kind == UpdateKind::Force && !force {
        return Err(Reply::unprocessable("Update is not a fast forward"));
    }
    judge(cx, index, &refname, old, new, kind)?;
    repo_git::update_ref(&path, &refname, &sha, force).map_err(edit_error)?;
    cx.state.repos[index].pushed_at = Some(cx.now);
    record_applied(cx, index, &refname, old, new, kind);
    let repo = &cx.state.repos[index];
    Ok(Reply::ok(ref_json(
        cx.base_url,
        &repo.full_name(),
        &repo.name,
        &refname,
        &sha,
    )))
}

pub fn delete(cx: &mut Cx, owner: &str, name: &str, reference: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Write)?;
    let refname = format!("refs/{reference}");
    let path = cx.repo_path(&cx.state.repos[index]);
    let old = repo_git::ref_target(&path, &refname)
        .and_then(|s| Oid::from_str(&s).ok())
        .ok_or_else(|| Reply::unprocessable("Reference does not exist"))?;
    judge(cx, index, &refname, old, Oid::ZERO_SHA1, UpdateKind::Delete)?;
    repo_git::delete_ref(&path, &refname).map_err(edit_error)?;
    record_applied(cx, index, &refname, old, Oid::ZERO_SHA1, UpdateKind::Delete);
    Ok(Reply::no_content())
}
