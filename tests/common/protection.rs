//! Test support for branch protection: proptest generators of GitHub GET shapes (classic
//! protection, rulesets, whole snapshots) and a small in-memory model of what GitHub
//! answers to the protection requests breakglass sends (built from forge-api §1–2, not
//! from our code). Used by the planner's property tests and, later, the sandbox
//! integration proptest. Test support only: never linked into the binary.
#![allow(dead_code)]

use breakglass::forge::classic::ClassicProtection;
use breakglass::forge::request::{ApiCall, HttpMethod};
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot, RulesetSnapshot};
use breakglass::forge::{Permission, RepoId};
use chrono::{TimeZone, Utc};
use proptest::collection::{btree_set, vec};
use proptest::option;
use proptest::prelude::*;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

pub const LOGINS: [&str; 5] = ["commander", "dev", "reviewer", "ops", "Mallory-2"];
const TEAMS: [&str; 3] = ["sre", "backend", "release-managers"];
const APPS: [&str; 2] = ["deploy-bot", "renovate"];
const CONTEXTS: [&str; 4] = ["ci", "lint", "build / test (ubuntu)", "security"];

fn user(login: &str) -> Value {
    json!({"login": login, "id": login.len() as u64 * 7, "type": "User",
           "url": format!("https://api.github.com/users/{login}")})
}

fn team(slug: &str) -> Value {
    json!({"slug": slug, "name": slug.to_uppercase(), "id": slug.len(), "url": "https://x"})
}

fn app(slug: &str) -> Value {
    json!({"slug": slug, "id": slug.len() * 11, "name": slug, "owner": {"login": "acme"}})
}

fn names<const N: usize>(pool: [&'static str; N]) -> impl Strategy<Value = Vec<&'static str>> {
    btree_set(prop::sample::select(pool.to_vec()), 0..=N).prop_map(|s| s.into_iter().collect())
}

/// GitHub's GET shape of a users/teams/apps list.
fn actors_get() -> impl Strategy<Value = Value> {
    (names(LOGINS), names(TEAMS), names(APPS)).prop_map(|(u, t, a)| {
        json!({
            "url": "https://x", "users_url": "https://x", "teams_url": "https://x",
            "users": u.into_iter().map(user).collect::<Vec<_>>(),
            "teams": t.into_iter().map(team).collect::<Vec<_>>(),
            "apps": a.into_iter().map(app).collect::<Vec<_>>(),
        })
    })
}

fn status_checks_get() -> impl Strategy<Value = Value> {
    (
        any::<bool>(),
        btree_set(prop::sample::select(CONTEXTS.to_vec()), 0..=4),
        vec(option::of(prop_oneof![Just(15368i64), 1..1000i64]), 4),
    )
        .prop_map(|(strict, contexts, app_ids)| {
            let checks: Vec<Value> = contexts
                .iter()
                .zip(app_ids)
                .map(|(c, id)| json!({"context": c, "app_id": id}))
                .collect();
            json!({"url": "https://x", "enforcement_level": "non_admins", "strict": strict,
                   "contexts": contexts, "contexts_url": "https://x", "checks": checks})
        })
}

/// A review actor list as GitHub reports it: absent, naming some, or present naming
/// nobody (GitHub's `branch-protection-update` example: dismissal restricted to admins).
fn review_actors_get() -> impl Strategy<Value = Option<Value>> {
    prop_oneof![
        2 => option::of(actors_get()),
        1 => Just(Some(json!({"url": "https://x", "users": [], "teams": [], "apps": []}))),
    ]
}

fn reviews_get(owner_is_org: bool) -> impl Strategy<Value = Value> {
    (
        review_actors_get(),
        review_actors_get(),
        any::<(bool, bool, bool)>(),
        0u8..=6,
    )
        .prop_map(
            move |(dismissal, bypass, (stale, owners, last_push), count)| {
                let mut r = json!({"url": "https://x", "dismiss_stale_reviews": stale,
                "require_code_owner_reviews": owners, "required_approving_review_count": count,
                "require_last_push_approval": last_push});
                if let (Some(d), true) = (dismissal, owner_is_org) {
                    r["dismissal_restrictions"] = d;
                }
                if let Some(b) = bypass {
                    r["bypass_pull_request_allowances"] = b;
                }
                r
            },
        )
}

pub const TOGGLES: [&str; 7] = [
    "required_linear_history",
    "allow_force_pushes",
    "allow_deletions",
    "block_creations",
    "required_conversation_resolution",
    "lock_branch",
    "allow_fork_syncing",
];

/// A `GET …/protection` body as GitHub returns it, for an org- or user-owned repository.
pub fn classic_get(owner_is_org: bool) -> impl Strategy<Value = Value> {
    (
        option::of(status_checks_get()),
        any::<bool>(),
        option::of(reviews_get(owner_is_org)),
        option::of(actors_get()),
        any::<bool>(),
        vec(option::of(any::<bool>()), 7),
        any::<bool>(),
    )
        .prop_map(
            move |(rsc, admins, reviews, restrictions, signatures, toggles, extra)| {
                let mut g = json!({
                    "url": "https://api.github.com/repos/acme/api/branches/main/protection",
                    "enforce_admins": {"url": "https://x", "enabled": admins},
                    "required_signatures": {"url": "https://x", "enabled": signatures},
                });
                if let Some(rsc) = rsc {
                    g["required_status_checks"] = rsc;
                }
                if let Some(reviews) = reviews {
                    g["required_pull_request_reviews"] = reviews;
                }
                if let (Some(r), true) = (restrictions, owner_is_org) {
                    g["restrictions"] = r;
                }
                for (key, value) in TOGGLES.iter().zip(toggles) {
                    // `None`: the key is absent, as older servers send it.
                    if let Some(enabled) = value {
                        g[*key] = json!({"enabled": enabled});
                    }
                }
                if extra {
                    g["a_field_from_the_future"] = json!({"enabled": true});
                }
                g
            },
        )
}

pub const RULE_TYPES: [&str; 12] = [
    "pull_request",
    "required_status_checks",
    "required_signatures",
    "non_fast_forward",
    "deletion",
    "creation",
    "update",
    "required_linear_history",
    "commit_message_pattern",
    "code_scanning",
    "copilot_code_review",
    "rule_type_from_2027",
];

fn bypass_actor() -> impl Strategy<Value = Value> {
    prop_oneof![
        (
            1u64..50,
            prop::sample::select(vec!["always", "pull_request"])
        )
            .prop_map(
                |(id, mode)| json!({"actor_type": "Team", "actor_id": id, "bypass_mode": mode})
            ),
        (1000u64..1005)
            .prop_map(|id| json!({"actor_type": "User", "actor_id": id, "bypass_mode": "always"})),
        Just(json!({"actor_type": "OrganizationAdmin", "actor_id": null, "bypass_mode": "always"})),
        Just(json!({"actor_type": "RepositoryRole", "actor_id": 5, "bypass_mode": "always"})),
        Just(json!({"actor_type": "Integration", "actor_id": 77, "bypass_mode": "exempt"})),
    ]
}

/// A `GET …/rulesets/{id}` body; `org` makes it an organization's ruleset.
pub fn ruleset_get(id: u64, org: bool) -> impl Strategy<Value = Value> {
    (
        btree_set(prop::sample::select(RULE_TYPES.to_vec()), 0..=5),
        vec(bypass_actor(), 0..3),
        prop::sample::select(vec!["active", "active", "evaluate", "disabled"]),
        prop::sample::select(vec!["never", "never", "pull_requests_only", "always"]),
    )
        .prop_map(move |(rules, actors, enforcement, can_bypass)| {
            let mut conditions = json!({"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}});
            if org {
                // An organization's ruleset always names its repositories too.
                conditions["repository_name"] = json!({"include": ["~ALL"], "exclude": []});
            }
            let rules: Vec<Value> = rules
                .into_iter()
                .map(|t| match t {
                    "pull_request" => json!({"type": t, "parameters": {"required_approving_review_count": 1,
                        "dismiss_stale_reviews_on_push": false, "require_code_owner_review": false,
                        "require_last_push_approval": false, "required_review_thread_resolution": false}}),
                    "commit_message_pattern" => json!({"type": t, "parameters": {"operator": "starts_with", "pattern": "fix:"}}),
                    _ => json!({"type": t}),
                })
                .collect();
            json!({
                "id": id, "name": format!("ruleset {id}"), "target": "branch",
                "source_type": if org { "Organization" } else { "Repository" },
                "source": if org { "acme" } else { "acme/api" },
                "enforcement": enforcement, "node_id": format!("RRS_{id}"),
                "_links": {"self": {"href": "https://x"}},
                "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z",
                "current_user_can_bypass": can_bypass,
                "conditions": conditions,
                "bypass_actors": actors, "rules": rules
            })
        })
}

/// A whole snapshot: classic protection or none, and up to three rulesets.
pub fn snapshot() -> impl Strategy<Value = ProtectionSnapshot> {
    any::<bool>()
        .prop_flat_map(|owner_is_org| {
            (
                Just(owner_is_org),
                option::of(classic_get(owner_is_org)),
                vec(any::<bool>(), 0..=3).prop_flat_map(move |shape| {
                    shape
                        .into_iter()
                        .enumerate()
                        .map(|(i, org)| ruleset_get(100 + i as u64, org && owner_is_org))
                        .collect::<Vec<_>>()
                }),
            )
        })
        .prop_map(|(owner_is_org, classic, rulesets)| ProtectionSnapshot {
            repo: RepoId::new(if owner_is_org { "acme" } else { "alice" }, "api"),
            branch: "main".into(),
            owner_is_org,
            taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
            classic: ClassicState::from_get(classic).unwrap(),
            rulesets: rulesets
                .into_iter()
                .map(|r| RulesetSnapshot::from_get(r).unwrap())
                .collect(),
            pre_sha: None,
        })
}

pub fn permission() -> impl Strategy<Value = Permission> {
    prop::sample::select(vec![
        Permission::Admin,
        Permission::Maintain,
        Permission::Write,
        Permission::Triage,
        Permission::Read,
        Permission::None,
    ])
}

/// What GitHub's GET returns after a PUT of `body` (forge-api §1.2–1.3): toggles become
/// `{enabled}`, logins/slugs become objects, `app_id: -1` reads back as `null`, a
/// contexts-only policy reads back as checks with any app, and `required_signatures` is
/// whatever it was (PUT does not carry it).
pub fn github_get_after_put(body: &Value, signatures: bool) -> Value {
    let mut g = json!({"url": "https://x",
        "enforce_admins": {"url": "https://x", "enabled": body["enforce_admins"].as_bool().unwrap_or(false)},
        "required_signatures": {"url": "https://x", "enabled": signatures}});
    let rsc = &body["required_status_checks"];
    if !rsc.is_null() {
        let checks: Vec<Value> = match rsc.get("checks") {
            Some(Value::Array(checks)) => checks
                .iter()
                .map(|c| {
                    let app = c["app_id"].as_i64().filter(|id| *id != -1);
                    json!({"context": c["context"], "app_id": app})
                })
                .collect(),
            _ => rsc["contexts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| json!({"context": c, "app_id": null}))
                .collect(),
        };
        let contexts: Vec<Value> = checks.iter().map(|c| c["context"].clone()).collect();
        g["required_status_checks"] = json!({"url": "https://x", "enforcement_level": "non_admins",
            "strict": rsc["strict"], "contexts": contexts, "checks": checks});
    }
    let reviews = &body["required_pull_request_reviews"];
    if !reviews.is_null() {
        let mut r = json!({"url": "https://x"});
        for key in [
            "dismiss_stale_reviews",
            "require_code_owner_reviews",
            "required_approving_review_count",
            "require_last_push_approval",
        ] {
            if let Some(v) = reviews.get(key) {
                r[key] = v.clone();
            }
        }
        for key in ["dismissal_restrictions", "bypass_pull_request_allowances"] {
            // An empty object turns the setting off: "Pass an empty
            // `dismissal_restrictions` object to disable" (forge-api §1.2).
            if let Some(a) = reviews.get(key).filter(|a| !names_nobody(a)) {
                r[key] = actors_to_get(a);
            }
        }
        g["required_pull_request_reviews"] = r;
    }
    if !body["restrictions"].is_null() {
        g["restrictions"] = actors_to_get(&body["restrictions"]);
    }
    for key in TOGGLES {
        g[key] = json!({"enabled": body[key].as_bool().expect("all seven toggles are sent")});
    }
    g
}

fn names_nobody(a: &Value) -> bool {
    ["users", "teams", "apps"].iter().all(|k| {
        a.get(*k)
            .and_then(Value::as_array)
            .is_none_or(Vec::is_empty)
    })
}

fn actors_to_get(a: &Value) -> Value {
    let list = |key: &str, f: fn(&str) -> Value| -> Vec<Value> {
        a.get(key)
            .and_then(Value::as_array)
            .map(|v| v.iter().map(|s| f(s.as_str().unwrap())).collect())
            .unwrap_or_default()
    };
    json!({"url": "https://x", "users": list("users", user), "teams": list("teams", team), "apps": list("apps", app)})
}

/// GitHub's protection state for one branch, changed by the requests breakglass sends.
#[derive(Debug, Clone)]
pub struct FakeBranch {
    pub owner_is_org: bool,
    /// The GET body, `None` when not protected.
    pub classic: Option<Value>,
    /// Raw ruleset GET bodies by id.
    pub rulesets: BTreeMap<u64, Value>,
}

impl FakeBranch {
    pub fn from_snapshot(s: &ProtectionSnapshot) -> Self {
        let classic = match &s.classic {
            ClassicState::NotProtected => None,
            ClassicState::Protected { raw, .. } => Some(raw.clone()),
        };
        FakeBranch {
            owner_is_org: s.owner_is_org,
            classic,
            rulesets: s
                .rulesets
                .iter()
                .map(|r| (r.ruleset.id(), r.ruleset.raw().clone()))
                .collect(),
        }
    }

    /// Applies one request; `Err(status)` for what GitHub would refuse.
    pub fn apply(&mut self, call: &ApiCall) -> Result<(), u16> {
        if let Some(at) = call.path.find("/rulesets/") {
            let id: u64 = call.path[at + 10..].parse().map_err(|_| 404u16)?;
            let raw = self.rulesets.get_mut(&id).ok_or(404u16)?;
            assert_eq!(call.method, HttpMethod::Put);
            let body = call.body.as_ref().expect("ruleset PUT has a body");
            let actors = body
                .get("bypass_actors")
                .expect("bypass_actors always sent");
            assert!(actors.is_array(), "bypass_actors is never null");
            for (k, v) in body.as_object().unwrap() {
                raw[k] = v.clone();
            }
            return Ok(());
        }
        let suffix = call
            .path
            .split("/protection")
            .nth(1)
            .expect("a protection path");
        let body = call.body.clone().unwrap_or(Value::Null);
        if (call.method, suffix) == (HttpMethod::Put, "") {
            if body
                .get("required_status_checks")
                .is_some_and(|r| r.get("checks").is_some() && r.get("contexts").is_some())
            {
                return Err(422);
            }
            if !self.owner_is_org && !body["restrictions"].is_null() {
                return Err(422);
            }
            let signatures = self.signatures();
            self.classic = Some(github_get_after_put(&body, signatures));
            return Ok(());
        }
        if (call.method, suffix) == (HttpMethod::Delete, "") {
            return self.classic.take().map(|_| ()).ok_or(404);
        }
        let g = self.classic.as_mut().ok_or(404u16)?;
        let obj: &mut Map<String, Value> = g.as_object_mut().unwrap();
        match (call.method, suffix) {
            (HttpMethod::Delete, "/enforce_admins") => {
                obj.insert("enforce_admins".into(), json!({"enabled": false}))
            }
            (HttpMethod::Post, "/enforce_admins") => {
                obj.insert("enforce_admins".into(), json!({"enabled": true}))
            }
            (HttpMethod::Delete, "/required_signatures") => {
                obj.insert("required_signatures".into(), json!({"enabled": false}))
            }
            (HttpMethod::Post, "/required_signatures") => {
                obj.insert("required_signatures".into(), json!({"enabled": true}))
            }
            (HttpMethod::Delete, "/required_pull_request_reviews") => obj
                .remove("required_pull_request_reviews")
                .map(Some)
                .ok_or(404u16)?,
            (HttpMethod::Delete, "/required_status_checks") => obj
                .remove("required_status_checks")
                .map(Some)
                .ok_or(404u16)?,
            (method @ (HttpMethod::Post | HttpMethod::Delete), "/restrictions/users") => {
                let users = obj.get_mut("restrictions").ok_or(404u16)?["users"]
                    .as_array_mut()
                    .unwrap();
                for login in body["users"].as_array().unwrap() {
                    let login = login.as_str().unwrap();
                    users.retain(|u| u["login"] != login);
                    if method == HttpMethod::Post {
                        users.push(user(login));
                    }
                }
                None
            }
            (
                HttpMethod::Put,
                kind @ ("/restrictions/users" | "/restrictions/teams" | "/restrictions/apps"),
            ) => {
                let kind = &kind["/restrictions/".len()..];
                let make: fn(&str) -> Value = match kind {
                    "users" => user,
                    "teams" => team,
                    _ => app,
                };
                let listed: Vec<Value> = body[kind]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| make(n.as_str().unwrap()))
                    .collect();
                obj.get_mut("restrictions").ok_or(404u16)?[kind] = json!(listed);
                None
            }
            (HttpMethod::Delete, "/restrictions") => {
                obj.remove("restrictions").map(Some).ok_or(404u16)?
            }
            other => panic!("the fake does not know {other:?}"),
        };
        Ok(())
    }

    fn signatures(&self) -> bool {
        self.classic
            .as_ref()
            .is_some_and(|g| g["required_signatures"]["enabled"] == json!(true))
    }

    /// What a fresh snapshot would read now, normalised.
    pub fn normalized(&self, like: &ProtectionSnapshot) -> Value {
        let mut now = like.clone();
        now.classic = ClassicState::from_get(self.classic.clone()).unwrap();
        for entry in &mut now.rulesets {
            *entry = RulesetSnapshot::from_get(self.rulesets[&entry.ruleset.id()].clone()).unwrap();
        }
        now.normalized()
    }

    pub fn protection(&self) -> Option<ClassicProtection> {
        self.classic
            .as_ref()
            .map(|g| ClassicProtection::from_get(g).unwrap())
    }
}
