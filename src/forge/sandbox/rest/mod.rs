//! The REST API: GitHub's paths routed to one module per area, with the access rules they
//! share (401 without a token, 404 for repositories and admin endpoints the caller may not
//! see, 403 for writes without push access) and GitHub's JSON for users, teams and repos.
//!
//! Handlers take the locked state and return a `Reply`; they never touch the network.

pub mod activity;
pub mod comments;
pub mod compare;
pub mod issues;
pub mod labels;
pub mod org_repos;
pub mod page;
pub mod protection;
mod protection_put;
pub mod protection_shape;
pub mod pulls;
pub mod refs;
pub mod repo_shape;
pub mod reviews;
pub mod rule_suites;
pub mod rulesets;
pub mod statuses;
pub mod users;

use super::Shared;
use super::model::{ForgeState, RepoRecord, TeamRecord, UserRecord};
use super::reply::{Reply, parse_json};
use crate::forge::Permission;
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::path::PathBuf;

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub login: String,
    pub id: u64,
}

/// A REST request, its path already split into percent-decoded segments.
#[derive(Debug)]
pub struct RestRequest {
    pub method: Method,
    pub segments: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Bytes,
    pub caller: Option<Caller>,
}

impl RestRequest {
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a handler works with: the locked state and the request.
pub struct Cx<'a> {
    pub state: &'a mut ForgeState,
    pub base_url: &'a str,
    pub repos_root: PathBuf,
    pub now: DateTime<Utc>,
    pub req: &'a RestRequest,
}

impl Cx<'_> {
    pub fn caller(&self) -> Result<&Caller, Reply> {
        self.req
            .caller
            .as_ref()
            .ok_or_else(|| Reply::unauthorized("Requires authentication"))
    }

    pub fn body(&self) -> Result<Value, Reply> {
        parse_json(&self.req.body)
    }

    /// The repository and the caller's role on it, if the caller holds at least `needed`.
    /// Like GitHub: unseen repositories and admin-only resources answer 404, writes by
    /// readers 403.
    pub fn repo(
        &self,
        owner: &str,
        name: &str,
        needed: Permission,
    ) -> Result<(usize, Permission), Reply> {
        let caller = self.caller()?;
        let index = self
            .state
            .repo_index(owner, name)
            .ok_or_else(Reply::not_found)?;
        let role = self
            .state
            .permission(&caller.login, &self.state.repos[index]);
        if role < Permission::Read || (needed >= Permission::Admin && role < needed) {
            return Err(Reply::not_found());
        }
        if role < needed {
            return Err(Reply::error(
                StatusCode::FORBIDDEN,
                "Must have push access to this repository.",
            ));
        }
        Ok((index, role))
    }

    /// The caller's role on repository `index`, refused with GitHub's 403 below `needed`
    /// (the caller can already read it: `repo` said so).
    pub fn repo_role_at_least(
        &self,
        index: usize,
        needed: Permission,
    ) -> Result<Permission, Reply> {
        let caller = self.caller()?;
        let role = self
            .state
            .permission(&caller.login, &self.state.repos[index]);
        if role < needed {
            return Err(Reply::error(
                StatusCode::FORBIDDEN,
                &format!(
                    "Must have {} access to this repository.",
                    match needed {
                        Permission::Triage => "triage",
                        Permission::Write => "push",
                        Permission::Maintain => "maintain",
                        _ => "admin",
                    }
                ),
            ));
        }
        Ok(role)
    }

    pub fn repo_path(&self, repo: &RepoRecord) -> PathBuf {
        super::repo_git::repo_path(&self.repos_root, &repo.owner, &repo.name)
    }

    pub fn user_json(&self, login: &str) -> Value {
        match self.state.user(login) {
            Some(u) => user_json(self.base_url, u),
            None => json!({"login": login}),
        }
    }
}

/// GitHub's `simple-user`, every URL field filled (typed clients such as octocrab parse
/// them as URLs and reject empty ones).
pub fn user_json(base: &str, u: &UserRecord) -> Value {
    account_json(base, &u.login, u.id, "User")
}

/// A user or an organisation as GitHub embeds them (`owner`, `user`, `creator`).
pub fn account_json(base: &str, login: &str, id: u64, kind: &str) -> Value {
    let api = format!("{base}/users/{login}");
    json!({
        "login": login, "id": id, "node_id": format!("{}_sandbox{id}", &kind[..1]),
        "avatar_url": format!("{base}/avatars/{login}"), "gravatar_id": "",
        "url": api, "html_url": format!("{base}/{login}"),
        "followers_url": format!("{api}/followers"),
        "following_url": format!("{api}/following{{/other_user}}"),
        "gists_url": format!("{api}/gists{{/gist_id}}"),
        "starred_url": format!("{api}/starred{{/owner}}{{/repo}}"),
        "subscriptions_url": format!("{api}/subscriptions"),
        "organizations_url": format!("{api}/orgs"),
        "repos_url": format!("{api}/repos"),
        "events_url": format!("{api}/events{{/privacy}}"),
        "received_events_url": format!("{api}/received_events"),
        "type": kind, "site_admin": false,
    })
}

/// GitHub's `team`: sandbox teams are top-level organisation teams.
pub fn team_json(base: &str, org: &str, t: &TeamRecord) -> Value {
    let api = format!("{base}/organizations/{org}/team/{}", t.id);
    json!({
        "id": t.id, "node_id": format!("T_sandbox{}", t.id), "slug": t.slug, "name": t.name,
        "description": null, "type": "organization",
        "url": format!("{base}/orgs/{org}/teams/{}", t.slug),
        "html_url": format!("{base}/orgs/{org}/teams/{}", t.slug),
        "members_url": format!("{api}/members{{/member}}"),
        "repositories_url": format!("{api}/repos"),
        "permission": "push", "privacy": "closed", "parent": null,
    })
}

/// Routes one request; the caller holds no lock.
pub fn dispatch(shared: &Shared, req: &RestRequest) -> Reply {
    let mut state = shared.state.lock().expect("sandbox state lock");
    let mut cx = Cx {
        state: &mut state,
        base_url: &shared.base_url,
        repos_root: shared.repos_root.clone(),
        now: shared.clock.now(),
        req,
    };
    let segs: Vec<&str> = req.segments.iter().map(String::as_str).collect();
    let result = route(&mut cx, req.method.as_str(), &segs);
    result.unwrap_or_else(|reply| reply)
}

fn route(cx: &mut Cx, method: &str, segs: &[&str]) -> Result<Reply, Reply> {
    match (method, segs) {
        ("GET", ["user"]) => users::me(cx),
        ("GET", ["users", login]) => users::user(cx, login),
        ("GET", ["rate_limit"]) => users::rate_limit(cx),
        ("GET", ["repos", o, r]) => users::repo(cx, o, r),
        ("GET", ["repos", o, r, "collaborators", u, "permission"]) => {
            users::collaborator_permission(cx, o, r, u)
        }
        (_, ["repos", o, r, "collaborators", u]) => users::collaborator(cx, method, o, r, u),
        (_, ["repos", o, r, "branches", rest @ ..]) => branches(cx, method, o, r, rest),
        ("GET", ["repos", o, r, "activity"]) => activity::list(cx, o, r),
        (_, ["repos", o, r, "rulesets", "rule-suites", rest @ ..]) => {
            rule_suites::route(cx, method, o, r, rest)
        }
        (_, ["repos", o, r, "rulesets", rest @ ..]) => rulesets::repo_route(cx, method, o, r, rest),
        ("GET", ["repos", o, r, "rules", "branches", branch @ ..]) => {
            rulesets::rules_for_branch(cx, o, r, &branch.join("/"))
        }
        (_, ["orgs", org, "rulesets", rest @ ..]) => rulesets::org_route(cx, method, org, rest),
        ("GET", ["orgs", org, "repos"]) => org_repos::list(cx, org),
        ("GET", ["repos", o, r, "git", "ref", rest @ ..]) => refs::get(cx, o, r, &rest.join("/")),
        ("GET", ["repos", o, r, "git", "matching-refs", rest @ ..]) => {
            refs::matching(cx, o, r, &rest.join("/"))
        }
        ("POST", ["repos", o, r, "git", "refs"]) => refs::create(cx, o, r),
        ("PATCH", ["repos", o, r, "git", "refs", rest @ ..]) => {
            refs::update(cx, o, r, &rest.join("/"))
        }
        ("DELETE", ["repos", o, r, "git", "refs", rest @ ..]) => {
            refs::delete(cx, o, r, &rest.join("/"))
        }
        ("GET", ["repos", o, r, "compare", rest @ ..]) => {
            compare::compare(cx, o, r, &rest.join("/"))
        }
        ("GET", ["repos", o, r, "commits", rest @ .., "status"]) => {
            statuses::combined(cx, o, r, &rest.join("/"))
        }
        ("GET", ["repos", o, r, "commits", rest @ .., "statuses"])
        | ("GET", ["repos", o, r, "statuses", rest @ ..]) => {
            statuses::list(cx, o, r, &rest.join("/"))
        }
        ("POST", ["repos", o, r, "statuses", sha]) => statuses::create(cx, o, r, sha),
        (_, ["repos", o, r, "pulls", rest @ ..]) => pulls::route(cx, method, o, r, rest),
        (_, ["repos", o, r, "issues", rest @ ..]) => issues::route(cx, method, o, r, rest),
        (_, ["repos", o, r, "labels", rest @ ..]) => {
            let (index, _) = cx.repo(o, r, Permission::Read)?;
            labels::on_repo(cx, index, method, rest)
        }
        _ => Err(Reply::not_found()),
    }
}

/// `/branches/{b}` and `/branches/{b}/protection…`. GitHub asks for `%2F` in branch names
/// but also accepts raw slashes (octocrab's typed handlers send them), so the branch is
/// everything before the first `protection` segment.
fn branches(
    cx: &mut Cx,
    method: &str,
    owner: &str,
    name: &str,
    rest: &[&str],
) -> Result<Reply, Reply> {
    match rest.iter().position(|s| *s == "protection") {
        Some(at) if at > 0 => protection::route(
            cx,
            method,
            owner,
            name,
            &rest[..at].join("/"),
            &rest[at + 1..],
        ),
        _ if method == "GET" && !rest.is_empty() => users::branch(cx, owner, name, &rest.join("/")),
        _ => Err(Reply::not_found()),
    }
}
