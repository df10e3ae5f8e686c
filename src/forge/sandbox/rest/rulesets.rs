//! Rulesets: repository rulesets (`/repos/{o}/{r}/rulesets…`), the active rules for a
//! branch (`/rules/branches/{b}`) and organisation rulesets (`/orgs/{org}/rulesets…`).
//!
//! `bypass_actors` is shown only to those who may edit the ruleset; a PUT replaces the
//! fields it names and refuses `bypass_actors: null`, as GitHub does.

use super::Cx;
use crate::forge::Permission;
use crate::forge::sandbox::enforce::pusher;
use crate::forge::sandbox::model::{BypassActor, Ruleset};
use crate::forge::sandbox::policy;
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::scope::{covers_branch, is_enforced};
use serde_json::{Map, Value, json};

type Answer = Result<Reply, Reply>;

fn ruleset_url(base: &str, r: &Ruleset) -> String {
    match r.source_type.as_str() {
        "Organization" => format!("{base}/orgs/{}/rulesets/{}", r.source, r.id),
        _ => format!("{base}/repos/{}/rulesets/{}", r.source, r.id),
    }
}

fn summary_map(base: &str, r: &Ruleset) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    m.insert("name".into(), json!(r.name));
    m.insert("target".into(), json!(r.target));
    m.insert("source_type".into(), json!(r.source_type));
    m.insert("source".into(), json!(r.source));
    m.insert("enforcement".into(), json!(r.enforcement));
    m.insert("node_id".into(), json!(format!("RRS_sandbox{}", r.id)));
    m.insert(
        "_links".into(),
        json!({"self": {"href": ruleset_url(base, r)},
               "html": {"href": format!("{base}/{}/rules/{}", r.source, r.id)}}),
    );
    m.insert("created_at".into(), json!(r.created_at.to_rfc3339()));
    m.insert("updated_at".into(), json!(r.updated_at.to_rfc3339()));
    m
}

/// The single-ruleset body; `bypass_actors` only for those who may edit it.
pub fn render_full(base: &str, r: &Ruleset, show_bypass: bool, can_bypass: Option<&str>) -> Value {
    let mut m = summary_map(base, r);
    if show_bypass {
        m.insert("bypass_actors".into(), json!(r.bypass_actors));
    }
    if let Some(c) = can_bypass {
        m.insert("current_user_can_bypass".into(), json!(c));
    }
    m.insert("conditions".into(), r.conditions.clone());
    m.insert("rules".into(), json!(r.rules));
    Value::Object(m)
}

fn invalid_property(name: &str, why: &str) -> Reply {
    Reply::unprocessable(&format!("Invalid property /{name}: {why}"))
}

fn one_of(value: &Value, name: &str, allowed: &[&str]) -> Result<String, Reply> {
    match value.as_str() {
        Some(s) if allowed.contains(&s) => Ok(s.to_owned()),
        Some(s) => Err(invalid_property(
            name,
            &format!(
                "`{}` is not a possible value. Must be one of: {}.",
                crate::text::sanitize_line(s),
                allowed.join(", ")
            ),
        )),
        None if value.is_null() => Err(invalid_property(name, "data cannot be null.")),
        None => Err(invalid_property(name, "data must be a string.")),
    }
}

fn parse_actors(cx: &Cx, value: &Value) -> Result<Vec<BypassActor>, Reply> {
    let items = match value {
        Value::Null => return Err(invalid_property("bypass_actors", "data cannot be null.")),
        Value::Array(a) => a,
        _ => return Err(invalid_property("bypass_actors", "data must be an array.")),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("bypass_actors/{i}");
            let actor_type = one_of(
                item.get("actor_type").unwrap_or(&Value::Null),
                &format!("{at}/actor_type"),
                &[
                    "Integration",
                    "OrganizationAdmin",
                    "RepositoryRole",
                    "Team",
                    "DeployKey",
                    "User",
                ],
            )?;
            let actor_id = item.get("actor_id").and_then(Value::as_i64);
            let known = match (actor_type.as_str(), actor_id) {
                ("User", Some(id)) => cx.state.users.iter().any(|u| u.id as i64 == id),
                ("Team", Some(id)) => cx
                    .state
                    .orgs
                    .iter()
                    .flat_map(|o| &o.teams)
                    .any(|t| t.id as i64 == id),
                ("RepositoryRole", Some(id)) => (1..=5).contains(&id),
                ("Integration", Some(_)) => true,
                ("OrganizationAdmin" | "DeployKey", _) => true,
                _ => false,
            };
            if !known {
                return Err(invalid_property(
                    &format!("{at}/actor_id"),
                    "actor not found.",
                ));
            }
            let bypass_mode = match item.get("bypass_mode") {
                None => "always".to_owned(),
                Some(v) => one_of(
                    v,
                    &format!("{at}/bypass_mode"),
                    &["always", "pull_request", "exempt"],
                )?,
            };
            Ok(BypassActor {
                actor_id,
                actor_type,
                bypass_mode,
            })
        })
        .collect()
}

fn parse_rules(value: &Value) -> Result<Vec<Value>, Reply> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid_property("rules", "data must be an array."))?;
    for (i, rule) in items.iter().enumerate() {
        if rule.get("type").and_then(Value::as_str).is_none() {
            return Err(invalid_property(
                &format!("rules/{i}/type"),
                "data must be a string.",
            ));
        }
    }
    Ok(items.clone())
}

/// Applies a POST/PUT body over `r`; `creating` requires `name` and `enforcement`.
fn apply_body(
    cx: &Cx,
    r: &mut Ruleset,
    body: &Value,
    creating: bool,
    org: bool,
) -> Result<(), Reply> {
    let body = body
        .as_object()
        .ok_or_else(|| Reply::invalid("The request body must be a JSON object."))?;
    if creating {
        for key in ["name", "enforcement"] {
            if !body.contains_key(key) {
                return Err(invalid_property(key, "data is required."));
            }
        }
    }
    if let Some(v) = body.get("name") {
        r.name = match v.as_str() {
            Some(s) if !s.is_empty() => crate::text::sanitize_line(s),
            _ => return Err(invalid_property("name", "data must be a non-empty string.")),
        };
    }
    if let Some(v) = body.get("enforcement") {
        r.enforcement = one_of(v, "enforcement", &["disabled", "active", "evaluate"])?;
    }
    if let Some(v) = body.get("target") {
        let targets: &[&str] = if org {
            &["branch", "tag", "push", "repository"]
        } else {
            &["branch", "tag", "push"]
        };
        r.target = one_of(v, "target", targets)?;
    }
    if let Some(v) = body.get("bypass_actors") {
        r.bypass_actors = parse_actors(cx, v)?;
    }
    if let Some(v) = body.get("conditions") {
        if !(v.is_object() || v.is_null()) {
            return Err(invalid_property("conditions", "data must be an object."));
        }
        r.conditions = v.clone();
    }
    if let Some(v) = body.get("rules") {
        r.rules = parse_rules(v)?;
    }
    r.updated_at = cx.now;
    Ok(())
}

fn blank(cx: &mut Cx, source_type: &str, source: String) -> Ruleset {
    Ruleset {
        id: cx.state.fresh_id(),
        name: String::new(),
        target: "branch".into(),
        enforcement: "disabled".into(),
        bypass_actors: Vec::new(),
        conditions: json!({}),
        rules: Vec::new(),
        source_type: source_type.into(),
        source,
        created_at: cx.now,
        updated_at: cx.now,
    }
}

fn can_bypass_word(mode: Option<&str>) -> &'static str {
    match mode {
        Some("always") => "always",
        Some("pull_request") => "pull_requests_only",
        Some("exempt") => "exempt",
        _ => "never",
    }
}

fn parse_id(id: &str) -> Result<u64, Reply> {
    id.parse().map_err(|_| Reply::not_found())
}

pub fn repo_route(cx: &mut Cx, method: &str, owner: &str, name: &str, rest: &[&str]) -> Answer {
    let needed = if method == "GET" {
        Permission::Read
    } else {
        Permission::Admin
    };
    let (index, role) = cx.repo(owner, name, needed)?;
    let repo = cx.state.repos[index].clone();
    let base = cx.base_url;
    match (method, rest) {
        ("GET", []) => {
            let mut all = repo.rulesets.clone();
            if cx.req.query("includes_parents") != Some("false") {
                all.extend(cx.state.org_rulesets_for(&repo));
            }
            Ok(Reply::ok(json!(
                all.iter()
                    .map(|r| Value::Object(summary_map(base, r)))
                    .collect::<Vec<_>>()
            )))
        }
        ("POST", []) => {
            let body = cx.body()?;
            let mut r = blank(cx, "Repository", repo.full_name());
            apply_body(cx, &mut r, &body, true, false)?;
            let out = render_full(base, &r, true, Some("never"));
            cx.state.repos[index].rulesets.push(r);
            Ok(Reply::created(out))
        }
        ("GET", [id]) => {
            let id = parse_id(id)?;
            let found = repo
                .rulesets
                .iter()
                .cloned()
                .chain(cx.state.org_rulesets_for(&repo))
                .find(|r| r.id == id)
                .ok_or_else(Reply::not_found)?;
            let caller = cx.caller()?.clone();
            let who = pusher(cx.state, &repo, &caller.login, caller.id);
            let show = match found.source_type.as_str() {
                "Organization" => who.org_admin,
                _ => role >= Permission::Admin,
            };
            let mode = policy::bypass_mode(&found, &who);
            Ok(Reply::ok(render_full(
                base,
                &found,
                show,
                Some(can_bypass_word(mode)),
            )))
        }
        ("PUT", [id]) => {
            let id = parse_id(id)?;
            let position = repo
                .rulesets
                .iter()
                .position(|r| r.id == id)
                .ok_or_else(Reply::not_found)?;
            let body = cx.body()?;
            let mut r = repo.rulesets[position].clone();
            apply_body(cx, &mut r, &body, false, false)?;
            let out = render_full(base, &r, true, None);
            cx.state.repos[index].rulesets[position] = r;
            Ok(Reply::ok(out))
        }
        ("DELETE", [id]) => {
            let id = parse_id(id)?;
            let position = repo
                .rulesets
                .iter()
                .position(|r| r.id == id)
                .ok_or_else(Reply::not_found)?;
            cx.state.repos[index].rulesets.remove(position);
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}

pub fn rules_for_branch(cx: &mut Cx, owner: &str, name: &str, branch: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Read)?;
    let repo = cx.state.repos[index].clone();
    let mut all = repo.rulesets.clone();
    all.extend(cx.state.org_rulesets_for(&repo));
    let mut out = Vec::new();
    for r in all
        .iter()
        .filter(|r| is_enforced(r) && covers_branch(r, branch, &repo.default_branch))
    {
        for rule in &r.rules {
            let mut item = rule.clone();
            item["ruleset_source_type"] = json!(r.source_type);
            item["ruleset_source"] = json!(r.source);
            item["ruleset_id"] = json!(r.id);
            out.push(item);
        }
    }
    Ok(Reply::ok(json!(out)))
}

pub fn org_route(cx: &mut Cx, method: &str, org: &str, rest: &[&str]) -> Answer {
    let caller = cx.caller()?.clone();
    if cx.state.org(org).is_none() || !cx.state.is_org_owner(&caller.login, org) {
        return Err(Reply::not_found());
    }
    let base = cx.base_url;
    let rulesets = cx
        .state
        .org(org)
        .map(|o| o.rulesets.clone())
        .unwrap_or_default();
    let position = |id: &str| -> Result<usize, Reply> {
        let id = parse_id(id)?;
        rulesets
            .iter()
            .position(|r| r.id == id)
            .ok_or_else(Reply::not_found)
    };
    match (method, rest) {
        ("GET", []) => Ok(Reply::ok(json!(
            rulesets
                .iter()
                .map(|r| Value::Object(summary_map(base, r)))
                .collect::<Vec<_>>()
        ))),
        ("POST", []) => {
            let body = cx.body()?;
            let login = cx
                .state
                .org(org)
                .map(|o| o.login.clone())
                .unwrap_or_default();
            let mut r = blank(cx, "Organization", login);
            apply_body(cx, &mut r, &body, true, true)?;
            let out = render_full(base, &r, true, None);
            cx.state
                .org_mut(org)
                .expect("org checked above")
                .rulesets
                .push(r);
            Ok(Reply::created(out))
        }
        ("GET", [id]) => Ok(Reply::ok(render_full(
            base,
            &rulesets[position(id)?],
            true,
            None,
        ))),
        ("PUT", [id]) => {
            let at = position(id)?;
            let body = cx.body()?;
            let mut r = rulesets[at].clone();
            apply_body(cx, &mut r, &body, false, true)?;
            let out = render_full(base, &r, true, None);
            cx.state.org_mut(org).expect("org checked above").rulesets[at] = r;
            Ok(Reply::ok(out))
        }
        ("DELETE", [id]) => {
            let at = position(id)?;
            cx.state
                .org_mut(org)
                .expect("org checked above")
                .rulesets
                .remove(at);
            Ok(Reply::no_content())
        }
        _ => Err(Reply::not_found()),
    }
}
