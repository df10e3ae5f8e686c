//! Pull requests: create, list, get, request reviewers (422 for non-collaborators and
//! for the author, as GitHub answers), and reviews (see `reviews`).
//!
//! Heads and bases are read live from the bare repository; merging is not offered.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::model::PullRecord;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

fn pull_json(cx: &Cx, index: usize, p: &PullRecord) -> Value {
    let repo = &cx.state.repos[index];
    let full = repo.full_name();
    let path = cx.repo_path(repo);
    let side = |branch: &str| {
        json!({"ref": branch, "sha": repo_git::branch_sha(&path, branch),
               "label": format!("{}:{branch}", repo.owner),
               "repo": {"id": repo.id, "name": repo.name, "full_name": full}})
    };
    let b = cx.base_url;
    json!({
        "id": p.id, "node_id": format!("PR_sandbox{}", p.id), "number": p.number,
        "url": format!("{b}/repos/{full}/pulls/{}", p.number),
        "html_url": format!("{b}/{full}/pull/{}", p.number),
        "state": p.state, "title": p.title, "body": p.body, "draft": p.draft,
        "user": cx.user_json(&p.author),
        "head": side(&p.head), "base": side(&p.base),
        "requested_reviewers": p.requested_reviewers.iter().map(|r| cx.user_json(r)).collect::<Vec<_>>(),
        "requested_teams": [],
        "merged": false, "mergeable": null,
        "created_at": p.created_at.to_rfc3339(), "updated_at": p.created_at.to_rfc3339(),
    })
}

fn find(cx: &Cx, index: usize, number: &str) -> Result<usize, Reply> {
    let n: u64 = number.parse().map_err(|_| Reply::not_found())?;
    cx.state.repos[index]
        .pulls
        .iter()
        .position(|p| p.number == n)
        .ok_or_else(Reply::not_found)
}

pub fn route(cx: &mut Cx, method: &str, owner: &str, name: &str, rest: &[&str]) -> Answer {
    // Anyone who can read a repository may review its pull requests, as on GitHub.
    let needed = if method == "GET" || matches!(rest, [_, "reviews"]) {
        Permission::Read
    } else {
        Permission::Write
    };
    let (index, _) = cx.repo(owner, name, needed)?;
    match (method, rest) {
        ("POST", []) => create(cx, index),
        ("GET", []) => {
            let wanted = cx.req.query("state").unwrap_or("open").to_owned();
            let pulls = cx.state.repos[index].pulls.clone();
            let out: Vec<Value> = pulls
                .iter()
                .rev()
                .filter(|p| wanted == "all" || p.state == wanted)
                .map(|p| pull_json(cx, index, p))
                .collect();
            Ok(Reply::ok(json!(out)))
        }
        ("GET", [n]) => {
            let at = find(cx, index, n)?;
            let p = cx.state.repos[index].pulls[at].clone();
            Ok(Reply::ok(pull_json(cx, index, &p)))
        }
        ("POST", [n, "requested_reviewers"]) => request_reviewers(cx, index, n),
        ("POST", [n, "reviews"]) => {
            let at = find(cx, index, n)?;
            super::reviews::create(cx, index, at)
        }
        ("GET", [n, "reviews"]) => {
            let at = find(cx, index, n)?;
            super::reviews::list(cx, index, at)
        }
        _ => Err(Reply::not_found()),
    }
}

fn create(cx: &mut Cx, index: usize) -> Answer {
    let body = cx.body()?;
    let text = |key: &str| body[key].as_str().map(str::to_owned);
    let (Some(head), Some(base)) = (text("head"), text("base")) else {
        return Err(Reply::validation_failed(
            "PullRequest",
            "head",
            "head and base are required",
        ));
    };
    let title = text("title")
        .ok_or_else(|| Reply::validation_failed("PullRequest", "title", "missing_field"))?;
    // `owner:branch` names a fork's branch; the sandbox has no forks, so the owner is ours.
    let head = head
        .rsplit_once(':')
        .map(|(_, b)| b.to_owned())
        .unwrap_or(head);
    let path = cx.repo_path(&cx.state.repos[index]);
    let (Some(head_sha), Some(base_sha)) = (
        repo_git::branch_sha(&path, &head),
        repo_git::branch_sha(&path, &base),
    ) else {
        return Err(Reply::validation_failed(
            "PullRequest",
            "head",
            "head or base branch does not exist",
        ));
    };
    if head_sha == base_sha {
        return Err(Reply::validation_failed(
            "PullRequest",
            "base",
            &format!("No commits between {base} and {head}"),
        ));
    }
    let author = cx.caller()?.login.clone();
    let id = cx.state.fresh_id();
    let repo = &mut cx.state.repos[index];
    let number = repo.next_number;
    repo.next_number += 1;
    let pull = PullRecord {
        number,
        id,
        title: crate::text::sanitize_line(&title),
        body: text("body").map(|b| crate::text::sanitize(&b)),
        head,
        base,
        author,
        state: "open".into(),
        draft: body["draft"].as_bool().unwrap_or(false),
        requested_reviewers: Vec::new(),
        created_at: cx.now,
        reviews: Vec::new(),
    };
    repo.pulls.push(pull.clone());
    Ok(Reply::created(pull_json(cx, index, &pull)))
}

fn request_reviewers(cx: &mut Cx, index: usize, number: &str) -> Answer {
    let at = find(cx, index, number)?;
    let body = cx.body()?;
    let reviewers: Vec<String> = body["reviewers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let teams = body["team_reviewers"]
        .as_array()
        .map(|a| !a.is_empty())
        .unwrap_or(false);
    let repo = &cx.state.repos[index];
    let author = repo.pulls[at].author.clone();
    if reviewers.iter().any(|r| r.eq_ignore_ascii_case(&author)) {
        return Err(Reply::unprocessable(
            "Review cannot be requested from pull request author.",
        ));
    }
    let collaborators_only = reviewers.iter().all(|r| {
        cx.state
            .user(r)
            .is_some_and(|u| cx.state.permission(&u.login, repo) >= Permission::Read)
    });
    if !collaborators_only || teams {
        return Err(Reply::unprocessable(&format!(
            "Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the {} repository.",
            repo.full_name()
        )));
    }
    let pull = &mut cx.state.repos[index].pulls[at];
    for r in reviewers {
        if !pull.requested_reviewers.contains(&r) {
            pull.requested_reviewers.push(r);
        }
    }
    let pull = pull.clone();
    Ok(Reply::created(pull_json(cx, index, &pull)))
}
