use super::*;
use crate::forge::github::{RuleEvaluation, RuleSource};
use crate::incident::fixtures::{at, sample, t};
use crate::incident::{Push, fold};

const FORGE: &str = "https://api.github.com";

fn activity(id: u64, kind: &str, before: &str, after: &str, secs: i64) -> ActivityEntry {
    ActivityEntry {
        id,
        before: before.into(),
        after: after.into(),
        refname: "refs/heads/main".into(),
        timestamp: t(secs),
        activity_type: kind.into(),
        actor: Some("commander".into()),
    }
}

fn bypass_suite(id: u64, before: &str, after: &str, secs: i64) -> RuleSuite {
    RuleSuite {
        id,
        actor_name: Some("dev".into()),
        before_sha: before.into(),
        after_sha: after.into(),
        refname: "refs/heads/main".into(),
        pushed_at: t(secs),
        result: "bypass".into(),
        rule_evaluations: vec![
            RuleEvaluation {
                rule_source: RuleSource {
                    kind: "ruleset".into(),
                    id: Some(101),
                    name: Some("main is reviewed".into()),
                },
                enforcement: Some("active".into()),
                result: "fail".into(),
                rule_type: "pull_request".into(),
                details: Some("Changes must be made through a pull request.".into()),
            },
            RuleEvaluation {
                rule_source: RuleSource {
                    kind: "ruleset".into(),
                    id: Some(101),
                    name: Some("main is reviewed".into()),
                },
                enforcement: Some("active".into()),
                result: "pass".into(),
                rule_type: "deletion".into(),
                details: None,
            },
        ],
    }
}

fn record(activity: Vec<ActivityEntry>, suites: Vec<RuleSuite>) -> ForgeRecord {
    ForgeRecord {
        repo: "acme/api".into(),
        branch: "main".into(),
        api_url: FORGE.into(),
        since: t(0),
        pull_request_required_by: vec!["pull request reviews (classic branch protection)".into()],
        activity: Ok(activity),
        rule_suites: Ok(suites),
    }
}

/// INC-42 on acme/api main, bound to `api_url`, with one push `old → new`.
fn incident_with_push(api_url: Option<&str>, old: &str, new: &str) -> Incident {
    let mut incident = fold(&[at(0, sample("declared"))]).unwrap();
    incident.api_url = api_url.map(str::to_owned);
    incident.pushes.push(Push {
        at: t(10),
        old_sha: old.into(),
        new_sha: new.into(),
        commits: vec![new.into()],
        remote_lines: vec![],
    });
    incident
}

#[test]
fn only_direct_pushes_where_reviews_are_required_are_bypasses() {
    let forge = record(
        vec![
            activity(1, "push", "a", "b", 10),
            activity(2, "pr_merge", "b", "c", 20),
            activity(3, "merge_queue_merge", "c", "d", 30),
            activity(4, "force_push", "d", "e", 40),
            activity(5, "branch_creation", "0", "f", 50),
            activity(6, "push", "e", "g", -10), // before `since`
        ],
        vec![],
    );
    let out = reconcile(&forge, &[]);
    let found: Vec<(&str, &str)> = out
        .bypasses
        .iter()
        .map(|b| (b.before.as_str(), b.after.as_str()))
        .collect();
    assert_eq!(found, [("a", "b"), ("d", "e")]);
    assert_eq!((out.accounted, out.unaccounted), (0, 2));

    let mut unprotected = forge.clone();
    unprotected.pull_request_required_by.clear();
    assert!(reconcile(&unprotected, &[]).bypasses.is_empty());
}

#[test]
fn a_push_an_incident_recorded_is_accounted_for_and_no_other() {
    let forge = record(
        vec![
            activity(1, "push", "a", "b", 10),
            activity(2, "push", "b", "c", 20),
        ],
        vec![],
    );
    let incidents = [incident_with_push(Some(FORGE), "a", "b")];
    let out = reconcile(&forge, &incidents);
    assert_eq!(out.bypasses[0].accounted_by.as_deref(), Some("INC-42"));
    assert_eq!(out.bypasses[1].accounted_by, None);
    assert_eq!(
        out.unaccounted_bypasses()
            .map(|b| b.after.as_str())
            .collect::<Vec<_>>(),
        ["c"]
    );

    // Same SHAs, the wrong half: `after` alone does not account for a push.
    let half = [incident_with_push(Some(FORGE), "x", "c")];
    assert_eq!(reconcile(&forge, &half).unaccounted, 2);
}

#[test]
fn pushes_of_one_second_keep_the_forges_order() {
    // Newest first, as the forge lists them; "z" was pushed before "a" in one second.
    let forge = record(
        vec![
            activity(9, "push", "z", "a", 10),
            activity(8, "push", "y", "z", 10),
        ],
        vec![],
    );
    let afters: Vec<String> = reconcile(&forge, &[])
        .bypasses
        .into_iter()
        .map(|b| b.after)
        .collect();
    assert_eq!(afters, ["z", "a"]);
}

#[test]
fn an_incident_bound_to_another_forge_accounts_for_nothing_here() {
    let forge = record(vec![activity(1, "push", "a", "b", 10)], vec![]);
    let elsewhere = [incident_with_push(Some("http://127.0.0.1:9"), "a", "b")];
    assert_eq!(reconcile(&forge, &elsewhere).unaccounted, 1);
    let unknown = [incident_with_push(None, "a", "b")];
    assert_eq!(reconcile(&forge, &unknown).unaccounted, 0);
}

#[test]
fn a_rule_suite_bypass_joins_its_push_or_stands_alone() {
    let forge = record(
        vec![activity(1, "push", "a", "b", 10)],
        vec![bypass_suite(7, "a", "b", 10), bypass_suite(8, "b", "c", 20)],
    );
    let out = reconcile(&forge, &[]);
    assert_eq!(out.bypasses.len(), 2, "{:?}", out.bypasses);
    let joined = &out.bypasses[0];
    assert_eq!(joined.rule_suite_id, Some(7));
    assert_eq!(joined.activity_type.as_deref(), Some("push"));
    assert_eq!(
        joined.rules,
        [
            "pull request reviews (classic branch protection)",
            "pull_request (ruleset \"main is reviewed\")"
        ]
    );
    let alone = &out.bypasses[1];
    assert_eq!(alone.rule_suite_id, Some(8));
    assert_eq!(alone.activity_type, None);
    assert_eq!(alone.actor.as_deref(), Some("dev"));
    assert_eq!(alone.rules, ["pull_request (ruleset \"main is reviewed\")"]);

    // Passing suites and other branches are not bypasses.
    let mut quiet = record(vec![], vec![bypass_suite(9, "c", "d", 30)]);
    if let Ok(suites) = &mut quiet.rule_suites {
        suites[0].result = "pass".into();
    }
    assert!(reconcile(&quiet, &[]).bypasses.is_empty());
}

#[test]
fn an_unavailable_endpoint_is_reported_and_the_other_still_checked() {
    let mut forge = record(vec![], vec![bypass_suite(7, "a", "b", 10)]);
    forge.activity = Err(Unavailable {
        endpoint: "GET /repos/acme/api/activity".into(),
        unchecked: "direct pushes".into(),
    });
    let out = reconcile(&forge, &[]);
    assert_eq!(out.unavailable.len(), 1);
    assert_eq!(out.unaccounted, 1);
    assert!(!out.checked_nothing());
}

#[test]
fn periods_reach_back_at_least_as_far_as_asked() {
    let table = [
        (Duration::hours(1), "day", "hour"),
        (Duration::hours(2), "day", "day"),
        (Duration::days(7), "week", "week"),
        (Duration::days(8), "month", "month"),
        (Duration::days(60), "quarter", "month"),
        (Duration::days(200), "year", "month"),
    ];
    for (since, activity, suites) in table {
        assert_eq!(activity_period(since), activity, "{since}");
        assert_eq!(rule_suite_period(since), suites, "{since}");
    }
}
