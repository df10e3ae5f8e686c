//! Rule suites: each push evaluated against the rulesets covering its ref, kept as GitHub
//! keeps "rule insights" (`pass`, `fail`, or `bypass` when a ruleset refused the push but
//! the pusher may bypass it), and `GET /repos/{o}/{r}/rulesets/rule-suites[/{id}]` for
//! repository administrators.
//!
//! The per-rule verdicts are `policy`'s; this module only tallies and serves them.

use super::Cx;
use super::page::page;
use crate::forge::Permission;
use crate::forge::sandbox::model::{ForgeState, RuleEvaluationRecord, RuleSuiteRecord, Ruleset};
use crate::forge::sandbox::policy::{
    BranchRules, PushFacts, Pusher, bypass_mode, ruleset_violations,
};
use crate::forge::sandbox::reply::Reply;
use crate::forge::sandbox::smart_http::RefUpdate;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

type Answer = Result<Reply, Reply>;

/// A push's suite before it is stored: its result and each rule's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteOutcome {
    pub result: &'static str,
    pub evaluations: Vec<RuleEvaluationRecord>,
}

/// Evaluates every rule of every enforced ruleset in `rules` for one ref update; `None`
/// when no ruleset covers the ref (GitHub records suites only where rulesets apply).
pub fn evaluate(
    rules: &BranchRules,
    pusher: &Pusher,
    update: &RefUpdate,
    facts: PushFacts,
) -> Option<SuiteOutcome> {
    if rules.rulesets.is_empty() {
        return None;
    }
    let (mut failed, mut bypassed) = (false, false);
    let mut evaluations = Vec::new();
    for ruleset in &rules.rulesets {
        let mode = bypass_mode(ruleset, pusher);
        for rule in &ruleset.rules {
            let alone = Ruleset {
                rules: vec![rule.clone()],
                ..ruleset.clone()
            };
            let violations = ruleset_violations(&alone, update.kind, facts);
            if !violations.is_empty() {
                match mode {
                    Some("always") => bypassed = true,
                    Some("exempt") => {}
                    _ => failed = true,
                }
            }
            evaluations.push(RuleEvaluationRecord {
                ruleset_id: ruleset.id,
                ruleset_name: ruleset.name.clone(),
                enforcement: ruleset.enforcement.clone(),
                rule_type: rule
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                result: if violations.is_empty() {
                    "pass"
                } else {
                    "fail"
                }
                .to_owned(),
                details: (!violations.is_empty()).then(|| violations.join(" ")),
            });
        }
    }
    let result = if failed {
        "fail"
    } else if bypassed {
        "bypass"
    } else {
        "pass"
    };
    Some(SuiteOutcome {
        result,
        evaluations,
    })
}

/// Stores the suite of one push to `owner/name` by `pusher`.
pub fn record(
    state: &mut ForgeState,
    owner: &str,
    name: &str,
    pusher: &Pusher,
    update: &RefUpdate,
    outcome: SuiteOutcome,
    now: DateTime<Utc>,
) {
    let Some(index) = state.repo_index(owner, name) else {
        return;
    };
    let id = state.fresh_id();
    state.repos[index].rule_suites.push(RuleSuiteRecord {
        id,
        actor_id: pusher.id,
        actor_name: pusher.login.clone(),
        before_sha: update.old.to_string(),
        after_sha: update.new.to_string(),
        refname: update.refname.clone(),
        pushed_at: now,
        result: outcome.result.to_owned(),
        rule_evaluations: outcome.evaluations,
    });
}

/// GitHub's `rule-suites` list item.
fn suite_json(repo_id: u64, repo_name: &str, s: &RuleSuiteRecord) -> Value {
    json!({
        "id": s.id, "actor_id": s.actor_id, "actor_name": s.actor_name,
        "before_sha": s.before_sha, "after_sha": s.after_sha, "ref": s.refname,
        "repository_id": repo_id, "repository_name": repo_name,
        "pushed_at": s.pushed_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        // Only active rulesets are evaluated, so both results are the same.
        "result": s.result, "evaluation_result": s.result,
    })
}

fn period(name: &str) -> Option<Duration> {
    match name {
        "hour" => Some(Duration::hours(1)),
        "day" => Some(Duration::hours(24)),
        "week" => Some(Duration::days(7)),
        "month" => Some(Duration::days(30)),
        _ => None,
    }
}

fn invalid(param: &str, value: &str) -> Reply {
    Reply::validation_failed(
        "RuleSuite",
        param,
        &format!(
            "{} is not a valid value for {param}",
            crate::text::sanitize_line(value)
        ),
    )
}

/// `GET …/rulesets/rule-suites` and `GET …/rulesets/rule-suites/{id}`: administrators only
/// (others get 404, as on GitHub).
pub fn route(cx: &mut Cx, method: &str, owner: &str, name: &str, rest: &[&str]) -> Answer {
    match (method, rest) {
        ("GET", []) => list(cx, owner, name),
        ("GET", [id]) => detail(cx, owner, name, id),
        _ => Err(Reply::not_found()),
    }
}

fn list(cx: &mut Cx, owner: &str, name: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Admin)?;
    let window = cx.req.query("time_period").unwrap_or("day");
    let since = cx.now - period(window).ok_or_else(|| invalid("time_period", window))?;
    let result = cx.req.query("rule_suite_result").unwrap_or("all");
    if !matches!(result, "pass" | "fail" | "bypass" | "all") {
        return Err(invalid("rule_suite_result", result));
    }
    // `refs/heads/x` names one ref; a bare `x` any ref of that name.
    let wanted = cx.req.query("ref");
    let ref_matches = |refname: &str| match wanted {
        None => true,
        Some(w) if w.starts_with("refs/") => refname == w,
        Some(w) => {
            refname
                .rsplit_once('/')
                .is_some_and(|(_, short)| short == w)
                || refname == w
        }
    };
    let actor = cx.req.query("actor_name");
    let repo = &cx.state.repos[index];
    let items: Vec<Value> = repo
        .rule_suites
        .iter()
        .rev()
        .filter(|s| s.pushed_at >= since)
        .filter(|s| result == "all" || s.result == result)
        .filter(|s| ref_matches(&s.refname))
        .filter(|s| actor.is_none_or(|a| s.actor_name.eq_ignore_ascii_case(a)))
        .map(|s| suite_json(repo.id, &repo.name, s))
        .collect();
    Ok(page(cx, items))
}

fn detail(cx: &mut Cx, owner: &str, name: &str, id: &str) -> Answer {
    let (index, _) = cx.repo(owner, name, Permission::Admin)?;
    let repo = &cx.state.repos[index];
    let suite = id
        .parse::<u64>()
        .ok()
        .and_then(|id| repo.rule_suites.iter().find(|s| s.id == id))
        .ok_or_else(Reply::not_found)?;
    let mut out = suite_json(repo.id, &repo.name, suite);
    out["rule_evaluations"] = suite
        .rule_evaluations
        .iter()
        .map(|e| {
            json!({
                "rule_source": {"type": "ruleset", "id": e.ruleset_id, "name": e.ruleset_name},
                "enforcement": e.enforcement, "result": e.result,
                "rule_type": e.rule_type, "details": e.details,
            })
        })
        .collect();
    Ok(Reply::ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::sandbox::model::BypassActor;
    use crate::forge::sandbox::smart_http::UpdateKind;
    use git2::Oid;

    fn ruleset(bypass: Vec<BypassActor>) -> Ruleset {
        Ruleset {
            id: 7,
            name: "main is reviewed".into(),
            target: "branch".into(),
            enforcement: "active".into(),
            bypass_actors: bypass,
            conditions: json!({}),
            rules: vec![json!({"type": "pull_request"}), json!({"type": "deletion"})],
            source_type: "Repository".into(),
            source: "acme/web".into(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn pusher() -> Pusher {
        Pusher {
            login: "commander".into(),
            id: 1001,
            permission: Permission::Admin,
            org_admin: false,
            team_ids: vec![],
            team_slugs: vec![],
        }
    }

    fn fast_forward() -> RefUpdate {
        RefUpdate {
            refname: "refs/heads/main".into(),
            old: Oid::from_str(&"1".repeat(40)).unwrap(),
            new: Oid::from_str(&"2".repeat(40)).unwrap(),
            kind: UpdateKind::FastForward,
        }
    }

    fn result_with(bypass: Vec<BypassActor>) -> Option<SuiteOutcome> {
        let rules = BranchRules {
            rulesets: vec![ruleset(bypass)],
            ..BranchRules::default()
        };
        evaluate(&rules, &pusher(), &fast_forward(), PushFacts::default())
    }

    #[test]
    fn a_refused_rule_fails_the_suite_unless_the_pusher_may_bypass_it() {
        let refused = result_with(vec![]).unwrap();
        assert_eq!(refused.result, "fail");
        let verdicts: Vec<(&str, &str)> = refused
            .evaluations
            .iter()
            .map(|e| (e.rule_type.as_str(), e.result.as_str()))
            .collect();
        assert_eq!(verdicts, [("pull_request", "fail"), ("deletion", "pass")]);
        assert!(refused.evaluations[0].details.is_some());
        assert!(refused.evaluations[1].details.is_none());

        let admins_bypass = vec![BypassActor {
            actor_id: Some(5),
            actor_type: "RepositoryRole".into(),
            bypass_mode: "always".into(),
        }];
        assert_eq!(result_with(admins_bypass).unwrap().result, "bypass");
    }

    #[test]
    fn no_suite_where_no_ruleset_applies() {
        let none = BranchRules::default();
        assert_eq!(
            evaluate(&none, &pusher(), &fast_forward(), PushFacts::default()),
            None
        );
    }
}
