//! The git smart HTTP routes under `/git/OWNER/NAME.git/`: ref advertisement, fetch and
//! push, with HTTP Basic authentication and the push policy applied to every ref update.
//!
//! The wire protocol itself is `smart_http`'s; the rules are `policy`'s.

use super::enforce::{RepoRules, pusher};
use super::policy::{self, PushFacts};
use super::reply::Reply;
use super::rest::{Caller, activity, rule_suites};
use super::server::git_challenge;
use super::smart_http::{self, Service, SmartHttpError, UpdateKind};
use super::{Shared, repo_git};
use crate::forge::Permission;
use axum::body::Bytes;
use axum::http::{Method, StatusCode};
use std::sync::Arc;

fn failure(err: SmartHttpError) -> Reply {
    match err {
        SmartHttpError::MalformedRequest(_) => {
            Reply::error(StatusCode::BAD_REQUEST, &err.to_string())
        }
        other => Reply::error(StatusCode::INTERNAL_SERVER_ERROR, &other.to_string()),
    }
}

pub async fn serve(
    shared: &Arc<Shared>,
    method: &Method,
    segs: &[String],
    query: Option<&str>,
    body: Bytes,
    caller: Option<&Caller>,
) -> Reply {
    let [_, owner, name, rest @ ..] = segs else {
        return Reply::not_found();
    };
    let name = name.strip_suffix(".git").unwrap_or(name);
    let Some(caller) = caller else {
        return git_challenge();
    };
    let (permission, rules, who) = {
        let state = shared.state.lock().expect("sandbox state lock");
        let Some(index) = state.repo_index(owner, name) else {
            return Reply::error(StatusCode::NOT_FOUND, "Repository not found.");
        };
        let repo = &state.repos[index];
        (
            state.permission(&caller.login, repo),
            RepoRules::of(&state, repo, &shared.base_url),
            pusher(&state, repo, &caller.login, caller.id),
        )
    };
    if permission < Permission::Read {
        return Reply::error(StatusCode::NOT_FOUND, "Repository not found.");
    }
    let denied = || {
        Reply::error(
            StatusCode::FORBIDDEN,
            &format!(
                "Permission to {owner}/{name}.git denied to {}.",
                caller.login
            ),
        )
    };
    let path = shared.repo_path(owner, name);
    let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
    match (method.as_str(), rest.as_slice()) {
        ("GET", ["info", "refs"]) => {
            let service = query
                .unwrap_or("")
                .split('&')
                .find_map(|p| p.strip_prefix("service="))
                .and_then(Service::from_name);
            let Some(service) = service else {
                return Reply::error(
                    StatusCode::FORBIDDEN,
                    "The sandbox serves smart HTTP only: ask for ?service=git-upload-pack or git-receive-pack",
                );
            };
            if service == Service::ReceivePack && !permission.can_push() {
                return denied();
            }
            // git2 and a `git upload-pack` child: blocking work, kept off the async workers.
            let advertised = {
                let path = path.clone();
                crate::caught::blocking(move || smart_http::advertise(&path, service)).await
            };
            match advertised {
                Ok(bytes) => Reply::raw(
                    StatusCode::OK,
                    bytes,
                    smart_http::content_type(service, true),
                )
                .with_header("cache-control", "no-cache"),
                Err(err) => failure(err),
            }
        }
        ("POST", ["git-upload-pack"]) => match smart_http::upload_pack(&path, body).await {
            Ok(bytes) => Reply::raw(
                StatusCode::OK,
                bytes,
                smart_http::content_type(Service::UploadPack, false),
            ),
            Err(err) => failure(err),
        },
        ("POST", ["git-receive-pack"]) => {
            if !permission.can_push() {
                return denied();
            }
            let repo_dir = path.clone();
            let (recorder, owner, name) = (shared.clone(), owner.clone(), name.to_owned());
            let outcome = crate::caught::blocking(move || {
                let record = PushRecorder {
                    shared: &recorder,
                    owner: &owner,
                    name: &name,
                    who: &who,
                };
                let mut judge = |update: &smart_http::RefUpdate| {
                    let facts = PushFacts {
                        adds_merge_commits: update.kind != UpdateKind::Delete
                            && repo_git::adds_merge_commits(&repo_dir, update.old, update.new),
                    };
                    let branch_rules = rules.for_ref(&update.refname);
                    record.evaluated(&branch_rules, update, facts);
                    policy::decide(&branch_rules, &who, update, facts)
                };
                let mut applied = |update: &smart_http::RefUpdate| record.applied(update);
                let outcome =
                    smart_http::receive_pack_reporting(&repo_dir, &body, &mut judge, &mut applied);
                recorder.persist();
                outcome
            })
            .await;
            match outcome {
                Ok(bytes) => Reply::raw(
                    StatusCode::OK,
                    bytes,
                    smart_http::content_type(Service::ReceivePack, false),
                ),
                Err(err) => failure(err),
            }
        }
        _ => Reply::not_found(),
    }
}

/// Writes what the forge itself keeps about a push into its state: the ruleset
/// evaluation of every ref update (rule suites) and every applied one (activity).
struct PushRecorder<'a> {
    shared: &'a Shared,
    owner: &'a str,
    name: &'a str,
    who: &'a policy::Pusher,
}

impl PushRecorder<'_> {
    fn evaluated(
        &self,
        rules: &policy::BranchRules,
        update: &smart_http::RefUpdate,
        facts: PushFacts,
    ) {
        if let Some(outcome) = rule_suites::evaluate(rules, self.who, update, facts) {
            let now = self.shared.clock.now();
            let mut state = self.shared.state.lock().expect("sandbox state lock");
            rule_suites::record(
                &mut state, self.owner, self.name, self.who, update, outcome, now,
            );
        }
    }

    /// Also stamps the repository's `pushed_at`.
    fn applied(&self, update: &smart_http::RefUpdate) {
        let now = self.shared.clock.now();
        let mut state = self.shared.state.lock().expect("sandbox state lock");
        if let Some(index) = state.repo_index(self.owner, self.name) {
            state.repos[index].pushed_at = Some(now);
        }
        activity::record_push(
            &mut state,
            self.owner,
            self.name,
            &self.who.login,
            update,
            now,
        );
    }
}
