//! Snapshot → plan → apply → restore → read-back against the sandbox forge, over
//! loopback, for many protection configurations (the generators of
//! tests/common/protection.rs, fitted to the sandbox's people and teams): the state after
//! apply is exactly what the planner expected, restore verifies without drift, the
//! read-back equals the snapshot, and a second restore finds nothing to do.

mod common;

use breakglass::forge::classic::ClassicProtection;
use breakglass::forge::github::GitHubClient;
use breakglass::forge::plan::expected_after;
use breakglass::forge::restore::RestoreDecision;
use breakglass::forge::ruleset::Ruleset;
use breakglass::forge::sandbox::SandboxHandle;
use breakglass::forge::{Forge, GitHubForgeOptions, RepoId};
use common::protection as generate;
use common::sandbox::{
    api, client_as, for_other_pusher, forge_as, forge_with, plan_for, pusher, set_rulesets, start,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// One generated configuration: an organization's repository (`acme/api`) or a personal
/// one (`commander/notes`), its classic protection GET body, its rulesets and who pushes.
#[derive(Debug, Clone)]
struct Case {
    org: bool,
    classic: Option<Value>,
    rulesets: Vec<Value>,
    pusher: &'static str,
    pushed_has_merges: bool,
}

fn case() -> impl Strategy<Value = Case> {
    // Writers' plans are the richer ones (sub-resources, push restrictions, full PUTs),
    // so organization repositories and the writer `dev` are drawn more often.
    prop::bool::weighted(0.7).prop_flat_map(|org| {
        let pushers = if org {
            vec!["commander", "dev", "dev"]
        } else {
            vec!["commander"]
        };
        (
            proptest::option::of(generate::classic_get(org)),
            proptest::collection::vec(generate::ruleset_get(1, false), 0..=2),
            prop::sample::select(pushers),
            any::<bool>(),
        )
            .prop_map(move |(classic, rulesets, pusher, pushed_has_merges)| {
                let people = if org {
                    vec!["commander", "dev", "reviewer"]
                } else {
                    vec!["commander"]
                };
                Case {
                    org,
                    classic: classic.map(|mut c| {
                        fit_people(&mut c, &people, org);
                        c
                    }),
                    rulesets: rulesets.into_iter().map(|r| fit_ruleset(r, org)).collect(),
                    pusher,
                    pushed_has_merges,
                }
            })
    })
}

/// The generators draw people, teams and apps from GitHub-like pools; the sandbox knows
/// only its seeded people, the team `sre` (organization repositories) and no apps.
fn fit_people(value: &mut Value, people: &[&str], org: bool) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                match (key.as_str(), inner) {
                    ("users", Value::Array(users)) => {
                        let logins: BTreeSet<&str> = users
                            .iter()
                            .map(|u| {
                                let login = u["login"].as_str().unwrap_or_default();
                                people[login.len() % people.len()]
                            })
                            .collect();
                        *users = logins.into_iter().map(|l| json!({"login": l})).collect();
                    }
                    ("teams", Value::Array(teams)) => {
                        let keep = org && !teams.is_empty();
                        *teams = if keep {
                            vec![json!({"slug": "sre"})]
                        } else {
                            vec![]
                        };
                    }
                    ("apps", Value::Array(apps)) => apps.clear(),
                    (_, inner) => fit_people(inner, people, org),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fit_people(i, people, org)),
        _ => {}
    }
}

/// Bypass actors the sandbox can resolve: the team `sre` (7001) on organization
/// repositories only, seeded user ids 1000–1003.
fn fit_ruleset(mut raw: Value, org: bool) -> Value {
    let actors = raw["bypass_actors"].as_array_mut().unwrap();
    actors.retain(|a| org || a["actor_type"] != "Team");
    for actor in actors.iter_mut() {
        match actor["actor_type"].as_str() {
            Some("Team") => actor["actor_id"] = json!(7001),
            Some("User") => {
                actor["actor_id"] = json!(1000 + actor["actor_id"].as_u64().unwrap() % 4)
            }
            _ => {}
        }
    }
    Ruleset::from_get(raw).unwrap().writable_body().unwrap()
}

/// The OpenAPI `branch-protection-update` example (tests/fixtures/github/) on `acme/api`.
fn github_update_example(pusher: &'static str) -> Case {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/github/openapi-examples.json"
    );
    let examples: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut classic = examples["branch-protection-update"].clone();
    fit_people(&mut classic, &["commander", "dev", "reviewer"], true);
    Case {
        org: true,
        classic: Some(classic),
        rulesets: Vec::new(),
        pusher,
        pushed_has_merges: false,
    }
}

fn repo_of(case: &Case) -> RepoId {
    if case.org {
        api()
    } else {
        RepoId::new("commander", "notes")
    }
}

/// Sets the case's protection through the REST API as the admin would in the web UI.
async fn arrange(sandbox: &SandboxHandle, admin: &GitHubClient, repo: &RepoId, case: &Case) {
    if admin.get_protection(repo, "main").await.unwrap().is_some() {
        admin.delete_protection(repo, "main").await.unwrap();
    }
    if let Some(get) = &case.classic {
        let protection = ClassicProtection::from_get(get).unwrap();
        admin
            .put_protection(repo, "main", &protection.to_put_body(case.org))
            .await
            .unwrap_or_else(|e| panic!("arranging {get}: {e}"));
        admin
            .set_required_signatures(repo, "main", protection.required_signatures)
            .await
            .unwrap();
        // Lists naming nobody have no REST body: set them as the web UI would.
        let reviews = &get["required_pull_request_reviews"];
        let nobody = |key: &str| {
            reviews.get(key).is_some_and(|a| {
                ["users", "teams", "apps"]
                    .iter()
                    .all(|k| a[*k].as_array().is_none_or(Vec::is_empty))
            })
        };
        let (dismissal, bypass) = (
            nobody("dismissal_restrictions"),
            nobody("bypass_pull_request_allowances"),
        );
        if dismissal || bypass {
            assert!(sandbox.list_nobody_in_reviews(repo, "main", dismissal, bypass));
        }
    }
    set_rulesets(admin, repo, &case.rulesets).await;
}

/// Cases refused for a state no REST body can write, and such cases restored exactly
/// through sub-resources: both must occur, or the property covers them vacuously.
static REFUSED: AtomicUsize = AtomicUsize::new(0);
static UNWRITABLE_RESTORED: AtomicUsize = AtomicUsize::new(0);

async fn run_case(sandbox: &SandboxHandle, case: Case) -> Result<(), TestCaseError> {
    let repo = repo_of(&case);
    arrange(sandbox, &client_as(sandbox, "commander"), &repo, &case).await;
    let (forge, _) = forge_as(sandbox, "commander");
    let taken = forge.snapshot(&repo, "main").await.unwrap();
    if let Some(get) = &case.classic {
        prop_assert_eq!(
            taken.classic.normalized(),
            ClassicProtection::from_get(get).unwrap().normalized(),
            "GET after PUT reads back what was set"
        );
    }
    let snapshot = if case.pusher == "commander" {
        taken.clone()
    } else {
        for_other_pusher(&taken)
    };
    let who = pusher(&forge, &repo, case.pusher).await;
    let plan = match plan_for(&snapshot, who, case.pushed_has_merges) {
        Ok(plan) => plan,
        Err(refusal) => {
            // Refused before the glass opens, only for a state a full PUT would change.
            let classic = snapshot
                .classic
                .protection()
                .expect("refusals here are classic");
            prop_assert!(
                !classic.unwritable_by_rest(case.org).is_empty(),
                "{refusal}"
            );
            REFUSED.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    };
    if snapshot
        .classic
        .protection()
        .is_some_and(|p| !p.unwritable_by_rest(case.org).is_empty())
    {
        UNWRITABLE_RESTORED.fetch_add(1, Ordering::Relaxed);
    }

    let applied = forge.apply(&plan).await.unwrap();
    prop_assert_eq!(applied.steps.len(), plan.steps.len());
    prop_assert_eq!(
        forge.read_state(&snapshot).await.unwrap(),
        expected_after(&snapshot, &plan),
        "the forge holds exactly what the plan meant to write"
    );

    let report = forge.restore(&snapshot, Some(&plan)).await;
    prop_assert!(report.verified, "{:?}", report);
    prop_assert!(report.drift.is_empty(), "{:?}", report.drift);
    prop_assert_eq!(report.failed_steps().count(), 0);
    prop_assert_eq!(forge.read_back_and_diff(&taken).await.unwrap(), vec![]);

    let again = forge.restore(&snapshot, Some(&plan)).await;
    prop_assert_eq!(&again.decision, &Some(RestoreDecision::AlreadyRestored));
    prop_assert!(again.steps.is_empty() && again.verified, "{:?}", again);
    Ok(())
}

#[test]
fn many_configurations_restore_exactly_what_was_snapshotted() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sandbox = runtime.block_on(start());
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    // GitHub's own example of review dismissal restricted to nobody: restored by the
    // admin's plan, refused for a maintainer of its locked branch.
    for pusher in ["commander", "dev"] {
        runtime
            .block_on(run_case(&sandbox, github_update_example(pusher)))
            .unwrap_or_else(|e| panic!("GitHub's example as {pusher}: {e}"));
    }
    let result = runner.run(&case(), |case| runtime.block_on(run_case(&sandbox, case)));
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(REFUSED.load(Ordering::Relaxed) > 0, "no case was refused");
    assert!(
        UNWRITABLE_RESTORED.load(Ordering::Relaxed) > 0,
        "no case restored a review list naming nobody"
    );
    runtime.block_on(sandbox.shutdown());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutations_are_spaced_as_configured() {
    let sandbox = start().await;
    let sleeper = std::sync::Arc::new(breakglass::forge::github::RecordingSleeper::new());
    let options = GitHubForgeOptions {
        mutation_spacing: Duration::from_millis(1500),
        sleeper: sleeper.clone(),
        ..GitHubForgeOptions::default()
    };
    let (forge, _) = forge_with(&sandbox, "commander", options);
    let snapshot = forge.snapshot(&api(), "main").await.unwrap();
    let plan = plan_for(&snapshot, pusher(&forge, &api(), "dev").await, false).unwrap();
    assert_eq!(plan.steps.len(), 2, "reviews and status checks: {plan:?}");
    forge.apply(&plan).await.unwrap();
    assert_eq!(
        sleeper.waits(),
        [Duration::from_millis(1500)],
        "one pause between two steps"
    );
    let report = forge.restore(&snapshot, Some(&plan)).await;
    assert!(report.verified, "{report:?}");
    // Restore's PUT and signatures request are two mutations: one more pause.
    assert_eq!(sleeper.waits().len(), 2);
    sandbox.shutdown().await;
}
