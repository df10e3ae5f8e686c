//! Pull requests: create, list, get, request reviewers (422 for non-collaborators and
//! for the author, as GitHub answers), and reviews (see `reviews`).
//!
//! Heads and bases are read live from the bare repository; merging is not offered.

use super::page::page;
use super::{Cx, comments, repo_shape};
use crate::forge::Permission;
use crate::forge::sandbox::model::PullRecord;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::repo_git;
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// GitHub's `pull-request-simple` (what lists hold), or with `full` its `pull-request`
/// (counts of commits, changed lines and files from the bare repository).
fn pull_json(cx: &Cx, index: usize, p: &PullRecord, full: bool) -> Value {
    let repo = &cx.state.repos[index];
    let name = repo.full_name();
    let path = cx.repo_path(repo);
    let repo_json = Value::Object(repo_shape::repository(cx, repo, None));
    let owner = repo_shape::owner_json(cx, repo);
    let side = |branch: &str| {
        json!({"ref": branch, "sha": repo_git::branch_sha(&path, branch),
               "label": format!("{}:{branch}", repo.owner),
               "user": owner, "repo": repo_json})
    };
    let b = cx.base_url;
    let n = p.number;
    let api = format!("{b}/repos/{name}");
    let html = format!("{b}/{name}/pull/{n}");
    let link = |href: String| json!({"href": href});
    let updated = p
        .reviews
        .iter()
        .filter_map(|r| r.submitted_at)
        .max()
        .unwrap_or(p.created_at)
        .max(p.created_at);
    let mut out = json!({
        "id": p.id, "node_id": format!("PR_sandbox{}", p.id), "number": n,
        "url": format!("{api}/pulls/{n}"), "html_url": html,
        "diff_url": format!("{html}.diff"), "patch_url": format!("{html}.patch"),
        "issue_url": format!("{api}/issues/{n}"),
        "commits_url": format!("{api}/pulls/{n}/commits"),
        "review_comments_url": format!("{api}/pulls/{n}/comments"),
        "review_comment_url": format!("{api}/pulls/comments{{/number}}"),
        "comments_url": format!("{api}/issues/{n}/comments"),
        "statuses_url": format!("{api}/statuses/{}",
            repo_git::branch_sha(&path, &p.head).unwrap_or_default()),
        "state": p.state, "locked": false, "title": p.title, "body": p.body, "draft": p.draft,
        "user": cx.user_json(&p.author),
        "labels": [], "milestone": null, "active_lock_reason": null,
        "assignee": null, "assignees": [],
        "head": side(&p.head), "base": side(&p.base),
        "_links": {
            "self": link(format!("{api}/pulls/{n}")), "html": link(html.clone()),
            "issue": link(format!("{api}/issues/{n}")),
            "comments": link(format!("{api}/issues/{n}/comments")),
            "review_comments": link(format!("{api}/pulls/{n}/comments")),
            "review_comment": link(format!("{api}/pulls/comments{{/number}}")),
            "commits": link(format!("{api}/pulls/{n}/commits")),
            "statuses": link(format!("{api}/statuses/{}",
                repo_git::branch_sha(&path, &p.head).unwrap_or_default())),
        },
        "author_association": super::reviews::author_association(cx, index, &p.author),
        "auto_merge": null,
        "requested_reviewers": p.requested_reviewers.iter().map(|r| cx.user_json(r)).collect::<Vec<_>>(),
        "requested_teams": [],
        "merged_at": null, "merge_commit_sha": null, "closed_at": null,
        "created_at": comments::time(p.created_at), "updated_at": comments::time(updated),
    });
    if full {
        let heads = (
            repo_git::resolve_commit(&path, &p.base),
            repo_git::resolve_commit(&path, &p.head),
        );
        let cmp = match heads {
            (Some(base), Some(head)) => repo_git::compare(&path, base, head),
            _ => None,
        };
        let (commits, additions, deletions, files) = cmp
            .map(|c| {
                (
                    c.commits.len(),
                    c.files.iter().map(|f| f.additions).sum::<usize>(),
                    c.files.iter().map(|f| f.deletions).sum::<usize>(),
                    c.files.len(),
                )
            })
            .unwrap_or_default();
        let conversation = repo.comments.iter().filter(|c| c.issue_number == n).count();
        for (key, value) in [
            ("merged", json!(false)),
            ("mergeable", Value::Null),
            ("rebaseable", Value::Null),
            ("mergeable_state", json!("unknown")),
            ("merged_by", Value::Null),
            ("comments", json!(conversation)),
            ("review_comments", json!(0)),
            ("maintainer_can_modify", json!(false)),
            ("commits", json!(commits)),
            ("additions", json!(additions)),
            ("deletions", json!(deletions)),
            ("changed_files", json!(files)),
        ] {
            out[key] = value;
        }
    }
    out
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
                .map(|p| pull_json(cx, index, p, false))
                .collect();
            Ok(page(cx, out))
        }
        ("GET", [n]) => {
            let at = find(cx, index, n)?;
            let p = cx.state.repos[index].pulls[at].clone();
            Ok(Reply::ok(pull_json(cx, index, &p, true)))
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
    Ok(Reply::created(pull_json(cx, index, &pull, true)))
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
    Ok(Reply::created(pull_json(cx, index, &pull, true)))
}
