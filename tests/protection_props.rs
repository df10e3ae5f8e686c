//! Property tests of the protection model against an in-memory model of GitHub's
//! answers: GET → PUT → GET round trips, and plan → apply → restore → read-back.

mod common;

use breakglass::forge::Permission;
use breakglass::forge::classic::ClassicProtection;
use breakglass::forge::plan::{PlanInput, PlanRefusal, Pusher, RelaxPlan, expected_after, plan};
use breakglass::forge::restore::{
    RestoreDecision, RestoreStep, classify_before_restore, full_restore, restore_plan, verify,
};
use breakglass::forge::ruleset::{RuleEffect, rule_effect};
use breakglass::forge::snapshot::{ClassicState, ProtectionSnapshot};
use common::protection::{self as generate, FakeBranch, LOGINS};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicUsize, Ordering};

fn pusher() -> impl Strategy<Value = Pusher> {
    pusher_with(generate::permission())
}

fn pusher_with(permission: impl Strategy<Value = Permission>) -> impl Strategy<Value = Pusher> {
    (
        prop::sample::select(LOGINS.to_vec()),
        1000u64..1005,
        permission,
        any::<bool>(),
    )
        .prop_map(|(login, id, permission, is_org_admin)| Pusher {
            login: login.to_owned(),
            id,
            permission,
            is_org_admin,
        })
}

fn apply_restore(fake: &mut FakeBranch, steps: &[RestoreStep]) {
    for step in steps {
        match fake.apply(&step.call) {
            Ok(()) => {}
            Err(404) if step.ignore_not_found => {}
            Err(status) => panic!("restore step {} answered {status}", step.call),
        }
    }
}

/// Whether the pusher could push fast-forward into this state (the rules of forge-api
/// §1.6 for classic protection; for rulesets, any blocking rule without a bypass).
fn push_blocked(
    fake: &FakeBranch,
    snapshot: &ProtectionSnapshot,
    pusher: &Pusher,
    merges: bool,
) -> bool {
    let classic_blocks = fake.protection().is_some_and(|p: ClassicProtection| {
        if pusher.permission == Permission::Admin {
            return p.enforce_admins;
        }
        p.required_pull_request_reviews.as_ref().is_some_and(|r| {
            !r.bypass_pull_request_allowances
                .as_ref()
                .is_some_and(|a| a.has_user(&pusher.login))
        }) || p.required_status_checks.is_some()
            || p.required_signatures
            || p.lock_branch
            || (p.required_linear_history && merges)
            || (snapshot.owner_is_org
                && p.restrictions
                    .as_ref()
                    .is_some_and(|r| !r.has_user(&pusher.login)))
    });
    let ruleset_blocks = fake.rulesets.values().any(|raw| {
        let blocking = raw["rules"].as_array().unwrap().iter().any(|r| {
            match rule_effect(r["type"].as_str().unwrap()) {
                RuleEffect::BlocksPush => true,
                RuleEffect::BlocksMergeCommits => merges,
                _ => false,
            }
        });
        let bypass = matches!(
            raw["current_user_can_bypass"].as_str(),
            Some("always" | "exempt")
        ) || raw["bypass_actors"].as_array().unwrap().iter().any(|a| {
            a["bypass_mode"] != "pull_request"
                && ((a["actor_type"] == "User" && a["actor_id"] == json!(pusher.id))
                    || (a["actor_type"] == "OrganizationAdmin" && pusher.is_org_admin))
        });
        raw["enforcement"] == "active" && blocking && !bypass
    });
    classic_blocks || ruleset_blocks
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn classic_get_put_get_round_trips(
        (org, get) in any::<bool>().prop_flat_map(|org| (Just(org), generate::classic_get(org))),
    ) {
        let p = ClassicProtection::from_get(&get).unwrap();
        let body = p.to_put_body(org);
        let rsc = &body["required_status_checks"];
        prop_assert!(!(rsc.get("checks").is_some() && rsc.get("contexts").is_some()));
        prop_assert!(body.get("required_signatures").is_none());
        if !org {
            prop_assert_eq!(&body["restrictions"], &Value::Null);
        }
        let read_back = generate::github_get_after_put(&body, p.signatures_follow_up());
        let read_back = ClassicProtection::from_get(&read_back).unwrap().normalized();
        if p.unwritable_by_rest(org).is_empty() {
            prop_assert_eq!(read_back, p.normalized());
        } else {
            // Why the planner refuses a full PUT here: it would not read back the same.
            prop_assert_ne!(read_back, p.normalized());
        }
    }
}

/// How many generated cases reached the property and how many of those planned.
#[derive(Default)]
struct PlanCount {
    generated: AtomicUsize,
    planned: AtomicUsize,
}

/// Runs a property over plans on `CASES` generated inputs that plan (`prop_assume!` skips
/// a refused one), then fails if planning refused more than a third of all inputs: a
/// property over plans must not hold only because few plans were made.
fn check_planned<S: Strategy>(
    strategy: S,
    property: impl Fn(S::Value, &PlanCount) -> Result<(), TestCaseError>,
) {
    const CASES: u32 = 256;
    let count = PlanCount::default();
    let mut runner = TestRunner::new(ProptestConfig {
        cases: CASES,
        source_file: Some(file!()),
        ..ProptestConfig::default()
    });
    if let Err(failure) = runner.run(&strategy, |value| {
        count.generated.fetch_add(1, Ordering::Relaxed);
        property(value, &count)
    }) {
        panic!("{failure}");
    }
    let (generated, planned) = (
        count.generated.load(Ordering::Relaxed),
        count.planned.load(Ordering::Relaxed),
    );
    assert!(
        planned >= CASES as usize && planned * 3 >= generated * 2,
        "only {planned} of {generated} generated cases planned"
    );
}

/// The plan for `input`, or a rejected case when planning refuses (a refusal for lack of
/// push permission is checked first).
fn planned_case(input: &PlanInput, count: &PlanCount) -> Result<RelaxPlan, TestCaseError> {
    let planned = plan(input);
    if let Err(PlanRefusal::NoPushPermission { .. }) = &planned {
        prop_assert!(!input.pusher.permission.can_push());
    }
    prop_assume!(
        planned.is_ok(),
        "planning refused: {:?}",
        planned.as_ref().err()
    );
    count.planned.fetch_add(1, Ordering::Relaxed);
    let plan = planned.unwrap();
    prop_assert!(input.pusher.permission.can_push());
    Ok(plan)
}

/// Pushers for the plan properties: mostly ones who may push, so that most cases plan; the
/// others check that a pusher without write is refused.
fn plan_pusher() -> impl Strategy<Value = Pusher> {
    let permission = prop_oneof![
        9 => prop::sample::select(vec![Permission::Admin, Permission::Maintain, Permission::Write]),
        1 => prop::sample::select(vec![Permission::Triage, Permission::Read, Permission::None]),
    ];
    pusher_with(permission)
}

#[test]
fn plan_apply_restore_returns_to_the_snapshot() {
    let cases = (
        generate::snapshot(),
        plan_pusher(),
        any::<bool>(),
        prop::bool::weighted(0.9),
    );
    check_planned(
        cases,
        |(snapshot, pusher, merges, administer_all), count| {
            let input = PlanInput {
                snapshot: &snapshot,
                pusher: pusher.clone(),
                administrable_rulesets: if administer_all {
                    snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect()
                } else {
                    Default::default()
                },
                pushed_has_merges: merges,
                settings_lost_by_put: Vec::new(),
            };
            let plan = planned_case(&input, count)?;
            let mut fake = FakeBranch::from_snapshot(&snapshot);
            for step in &plan.steps {
                prop_assert_eq!(fake.apply(&step.call), Ok(()), "{}", step.call);
            }
            let ours = expected_after(&snapshot, &plan);
            prop_assert_eq!(fake.normalized(&snapshot), ours.clone());
            prop_assert!(
                !push_blocked(&fake, &snapshot, &pusher, merges),
                "still blocked after {:?}",
                plan.steps
            );

            // Force pushes and deletions stay as they were; no rule is removed.
            let before = snapshot.normalized();
            for key in ["allow_force_pushes", "allow_deletions"] {
                prop_assert_eq!(&ours["classic"][key], &before["classic"][key]);
            }
            for (key, ruleset) in before["rulesets"].as_object().unwrap() {
                prop_assert_eq!(&ours["rulesets"][key]["rules"], &ruleset["rules"]);
            }
            for step in &plan.steps {
                let text = step
                    .call
                    .body
                    .as_ref()
                    .map(Value::to_string)
                    .unwrap_or_default();
                prop_assert!(
                    !text.contains("\"allow_force_pushes\":true")
                        || before["classic"]["allow_force_pushes"] == json!(true)
                );
            }

            prop_assert_eq!(
                classify_before_restore(&snapshot, &ours, &fake.normalized(&snapshot)),
                if plan.is_empty() {
                    RestoreDecision::AlreadyRestored
                } else {
                    RestoreDecision::Restore
                }
            );
            let mut restored = fake.clone();
            apply_restore(&mut restored, &restore_plan(&snapshot, &plan));
            prop_assert_eq!(verify(&snapshot, &restored.normalized(&snapshot)), Ok(()));

            // The whole-snapshot restore (used on drift) also gets there, and repeating it is harmless.
            apply_restore(&mut fake, &full_restore(&snapshot));
            apply_restore(&mut fake, &full_restore(&snapshot));
            prop_assert_eq!(verify(&snapshot, &fake.normalized(&snapshot)), Ok(()));
            Ok(())
        },
    );
}

#[test]
fn any_change_by_someone_else_is_drift() {
    let protected = generate::snapshot().prop_filter("classic protection to drift", |s| {
        s.classic != ClassicState::NotProtected
    });
    let cases = (protected, plan_pusher(), 0usize..7);
    check_planned(cases, |(snapshot, pusher, toggle), count| {
        let input = PlanInput {
            snapshot: &snapshot,
            pusher,
            administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
            pushed_has_merges: false,
            settings_lost_by_put: Vec::new(),
        };
        let plan = planned_case(&input, count)?;
        let ours = expected_after(&snapshot, &plan);
        prop_assert!(
            !ours["classic"].is_null(),
            "a plan never removes classic protection"
        );
        let mut theirs = ours.clone();
        let key = generate::TOGGLES[toggle];
        theirs["classic"][key] = json!(!ours["classic"][key].as_bool().unwrap());
        let decision = classify_before_restore(&snapshot, &ours, &theirs);
        if theirs == snapshot.normalized() {
            // Someone else already undid our only change.
            prop_assert_eq!(decision, RestoreDecision::AlreadyRestored);
            return Ok(());
        }
        let RestoreDecision::Drift { differences } = decision else {
            return Err(TestCaseError::fail(format!("{decision:?}")));
        };
        prop_assert_eq!(differences.len(), 1);
        prop_assert_eq!(&differences[0].path, &format!("classic.{key}"));
        Ok(())
    });
}

/// Guards the generators: a few hundred samples must reach every planner strategy and
/// refusal, or the properties above would hold vacuously.
#[test]
fn the_generators_reach_every_strategy() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    use std::collections::BTreeSet;

    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    for _ in 0..2000 {
        let snapshot = generate::snapshot()
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let pusher = pusher().new_tree(&mut runner).unwrap().current();
        let input = PlanInput {
            snapshot: &snapshot,
            pusher,
            administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
            pushed_has_merges: true,
            settings_lost_by_put: Vec::new(),
        };
        match plan(&input) {
            Ok(plan) => {
                for step in &plan.steps {
                    seen.insert(step.call.operation_id.clone());
                }
                if plan.is_empty() {
                    seen.insert("nothing to do".into());
                }
            }
            Err(refusal) => {
                let name = format!("{refusal:?}");
                seen.insert(name.split([' ', '{']).next().unwrap().to_owned());
            }
        }
    }
    for expected in [
        "repos/delete-admin-branch-protection",
        "repos/delete-pull-request-review-protection",
        "repos/remove-status-check-protection",
        "repos/delete-commit-signature-protection",
        "repos/add-user-access-restrictions",
        "repos/update-branch-protection",
        "repos/update-repo-ruleset",
        "repos/update-org-ruleset",
        "nothing to do",
        "NoPushPermission",
        "OrgRulesetNeedsOrgAdmin",
        "FullPutWouldLoseSettings",
    ] {
        assert!(
            seen.contains(expected),
            "never generated {expected}: {seen:?}"
        );
    }
}
