//! Unit tests for the push policy: every rule, every bypass, both protection kinds.

use super::*;
use crate::forge::sandbox::model::{Actors, BypassActor, RequiredCheck, Reviews, StatusChecks};
use chrono::Utc;
use serde_json::json;

fn hardened() -> ClassicProtection {
    ClassicProtection {
        required_status_checks: Some(StatusChecks {
            strict: true,
            checks: vec![RequiredCheck {
                context: "ci".into(),
                app_id: None,
            }],
        }),
        enforce_admins: true,
        required_pull_request_reviews: Some(Reviews {
            required_approving_review_count: 1,
            ..Reviews::default()
        }),
        ..ClassicProtection::default()
    }
}

fn pusher(login: &str, id: u64, permission: Permission) -> Pusher {
    Pusher {
        login: login.into(),
        id,
        permission,
        org_admin: false,
        team_ids: vec![],
        team_slugs: vec![],
    }
}

fn admin() -> Pusher {
    pusher("commander", 1001, Permission::Admin)
}

fn writer() -> Pusher {
    pusher("dev", 1002, Permission::Write)
}

fn update(kind: UpdateKind) -> RefUpdate {
    let a = git2::Oid::from_str("1111111111111111111111111111111111111111").unwrap();
    let b = git2::Oid::from_str("2222222222222222222222222222222222222222").unwrap();
    RefUpdate {
        refname: "refs/heads/main".into(),
        old: if kind == UpdateKind::Create {
            git2::Oid::ZERO_SHA1
        } else {
            a
        },
        new: if kind == UpdateKind::Delete {
            git2::Oid::ZERO_SHA1
        } else {
            b
        },
        kind,
    }
}

fn classic(p: ClassicProtection) -> BranchRules {
    BranchRules {
        classic: Some(p),
        rulesets: vec![],
        rules_url: "http://127.0.0.1:1/acme/api/rules?ref=refs%2Fheads%2Fmain".into(),
    }
}

fn ruleset(rules: serde_json::Value, actors: Vec<BypassActor>) -> Ruleset {
    Ruleset {
        id: 7,
        name: "main".into(),
        target: "branch".into(),
        enforcement: "active".into(),
        bypass_actors: actors,
        conditions: json!({"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}}),
        rules: rules.as_array().unwrap().clone(),
        source_type: "Repository".into(),
        source: "acme/web".into(),
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

fn web_rules() -> serde_json::Value {
    json!([
        {"type": "pull_request", "parameters": {"required_approving_review_count": 1}},
        {"type": "required_status_checks", "parameters": {"strict_required_status_checks_policy": true,
            "required_status_checks": [{"context": "ci"}]}},
        {"type": "non_fast_forward"},
        {"type": "deletion"}
    ])
}

fn with_rulesets(rulesets: Vec<Ruleset>) -> BranchRules {
    BranchRules {
        classic: None,
        rulesets,
        rules_url: "http://127.0.0.1:1/acme/web/rules?ref=refs%2Fheads%2Fmain".into(),
    }
}

fn actor(actor_type: &str, id: Option<i64>, mode: &str) -> BypassActor {
    BypassActor {
        actor_id: id,
        actor_type: actor_type.into(),
        bypass_mode: mode.into(),
    }
}

fn rejected(v: Verdict) -> (String, Vec<String>) {
    match v {
        Verdict::Reject {
            status,
            remote_lines,
        } => (status, remote_lines),
        Verdict::Allow { remote_lines } => panic!("allowed: {remote_lines:?}"),
    }
}

fn allowed(v: Verdict) -> Vec<String> {
    match v {
        Verdict::Allow { remote_lines } => remote_lines,
        Verdict::Reject { remote_lines, .. } => panic!("rejected: {remote_lines:?}"),
    }
}

const NO_FACTS: PushFacts = PushFacts {
    adds_merge_commits: false,
};

#[test]
fn hardened_classic_refuses_everyone_with_gh006_lines() {
    for who in [admin(), writer()] {
        let (status, lines) = rejected(decide(
            &classic(hardened()),
            &who,
            &update(UpdateKind::FastForward),
            NO_FACTS,
        ));
        assert_eq!(status, "protected branch hook declined");
        assert_eq!(
            lines,
            vec![
                "error: GH006: Protected branch update failed for refs/heads/main.",
                "error: Changes must be made through a pull request.",
                "error: At least 1 approving review is required by reviewers with write access.",
                "error: Required status check \"ci\" is expected.",
            ]
        );
    }
}

#[test]
fn admin_bypasses_classic_when_enforce_admins_is_off_but_writer_does_not() {
    let rules = classic(ClassicProtection {
        enforce_admins: false,
        ..hardened()
    });
    let lines = allowed(decide(
        &rules,
        &admin(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(lines[0], "Bypassed rule violations for refs/heads/main:");
    assert!(lines.contains(&"- Changes must be made through a pull request.".to_owned()));
    assert!(lines.contains(&"- Required status check \"ci\" is expected.".to_owned()));
    let (status, _) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(status, CLASSIC_DECLINED);
}

#[test]
fn maintainers_are_not_admins_for_classic_bypass() {
    let rules = classic(ClassicProtection {
        enforce_admins: false,
        ..hardened()
    });
    let maintainer = pusher("m", 9, Permission::Maintain);
    rejected(decide(
        &rules,
        &maintainer,
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
}

#[test]
fn force_push_and_deletion_stay_refused_for_a_bypassing_admin() {
    let rules = classic(ClassicProtection {
        enforce_admins: false,
        ..hardened()
    });
    let (_, lines) = rejected(decide(
        &rules,
        &admin(),
        &update(UpdateKind::Force),
        NO_FACTS,
    ));
    assert_eq!(
        lines[1..],
        ["error: Cannot force-push to this branch".to_owned()]
    );
    let (_, lines) = rejected(decide(
        &rules,
        &admin(),
        &update(UpdateKind::Delete),
        NO_FACTS,
    ));
    assert_eq!(lines[1..], ["error: Cannot delete this branch".to_owned()]);
}

#[test]
fn allowed_force_pushes_and_deletions_only_lift_their_own_rule() {
    let bare = ClassicProtection {
        allow_force_pushes: true,
        allow_deletions: true,
        ..ClassicProtection::default()
    };
    allowed(decide(
        &classic(bare.clone()),
        &writer(),
        &update(UpdateKind::Force),
        NO_FACTS,
    ));
    allowed(decide(
        &classic(bare),
        &writer(),
        &update(UpdateKind::Delete),
        NO_FACTS,
    ));
    let reviewed = ClassicProtection {
        allow_force_pushes: true,
        ..hardened()
    };
    let (_, lines) = rejected(decide(
        &classic(reviewed),
        &writer(),
        &update(UpdateKind::Force),
        NO_FACTS,
    ));
    assert!(!lines.iter().any(|l| l.contains("force-push")));
    assert!(lines.iter().any(|l| l.contains("pull request")));
}

#[test]
fn deletion_is_not_judged_by_review_or_status_rules() {
    let (_, lines) = rejected(decide(
        &classic(hardened()),
        &writer(),
        &update(UpdateKind::Delete),
        NO_FACTS,
    ));
    assert_eq!(lines.len(), 2);
}

#[test]
fn each_classic_rule_names_itself() {
    let cases: Vec<(ClassicProtection, PushFacts, &str)> = vec![
        (
            ClassicProtection {
                lock_branch: true,
                ..Default::default()
            },
            NO_FACTS,
            "Cannot change this locked branch",
        ),
        (
            ClassicProtection {
                required_signatures: true,
                ..Default::default()
            },
            NO_FACTS,
            "Commits must have verified signatures.",
        ),
        (
            ClassicProtection {
                required_linear_history: true,
                ..Default::default()
            },
            PushFacts {
                adds_merge_commits: true,
            },
            "This branch must not contain merge commits.",
        ),
        (
            ClassicProtection {
                restrictions: Some(Actors::default()),
                ..Default::default()
            },
            NO_FACTS,
            "You're not authorized to push to this branch.",
        ),
        (
            ClassicProtection {
                required_status_checks: Some(StatusChecks {
                    strict: false,
                    checks: vec![
                        RequiredCheck {
                            context: "ci".into(),
                            app_id: None,
                        },
                        RequiredCheck {
                            context: "lint".into(),
                            app_id: Some(1),
                        },
                    ],
                }),
                ..Default::default()
            },
            NO_FACTS,
            "2 of 2 required status checks are expected.",
        ),
        (
            ClassicProtection {
                required_pull_request_reviews: Some(Reviews {
                    required_approving_review_count: 2,
                    ..Default::default()
                }),
                ..Default::default()
            },
            NO_FACTS,
            "At least 2 approving reviews are required by reviewers with write access.",
        ),
    ];
    for (protection, facts, expected) in cases {
        let (_, lines) = rejected(decide(
            &classic(protection),
            &writer(),
            &update(UpdateKind::FastForward),
            facts,
        ));
        assert!(
            lines.iter().any(|l| l.contains(expected)),
            "{expected}: {lines:?}"
        );
    }
}

#[test]
fn linear_history_passes_without_merge_commits_and_empty_protection_allows() {
    let linear = ClassicProtection {
        required_linear_history: true,
        ..Default::default()
    };
    assert!(
        allowed(decide(
            &classic(linear),
            &writer(),
            &update(UpdateKind::FastForward),
            NO_FACTS
        ))
        .is_empty()
    );
    assert!(
        allowed(decide(
            &BranchRules::default(),
            &writer(),
            &update(UpdateKind::Force),
            NO_FACTS
        ))
        .is_empty()
    );
}

#[test]
fn push_restrictions_let_listed_users_and_teams_through() {
    let restricted = |users: Vec<&str>, teams: Vec<&str>| {
        classic(ClassicProtection {
            restrictions: Some(Actors {
                users: users.into_iter().map(String::from).collect(),
                teams: teams.into_iter().map(String::from).collect(),
                apps: vec![],
            }),
            ..Default::default()
        })
    };
    allowed(decide(
        &restricted(vec!["dev"], vec![]),
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    let mut on_team = writer();
    on_team.team_slugs = vec!["sre".into()];
    allowed(decide(
        &restricted(vec![], vec!["sre"]),
        &on_team,
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    rejected(decide(
        &restricted(vec!["reviewer"], vec![]),
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
}

#[test]
fn pull_request_allowances_waive_only_the_pull_request_rule() {
    let mut p = hardened();
    p.required_pull_request_reviews
        .as_mut()
        .unwrap()
        .bypass_pull_request_allowances = Some(Actors {
        users: vec!["dev".into()],
        ..Default::default()
    });
    let (_, lines) = rejected(decide(
        &classic(p),
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(
        lines[1..],
        ["error: Required status check \"ci\" is expected.".to_owned()]
    );
}

#[test]
fn rulesets_refuse_with_gh013_and_list_every_rule() {
    let rules = with_rulesets(vec![ruleset(web_rules(), vec![])]);
    let (status, lines) = rejected(decide(
        &rules,
        &admin(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(status, "push declined due to repository rule violations");
    assert_eq!(
        lines[0],
        "error: GH013: Repository rule violations found for refs/heads/main."
    );
    assert!(
        lines[1].starts_with("Review all repository rules at http://127.0.0.1:1/acme/web/rules")
    );
    assert_eq!(
        lines[2..],
        [
            "- Changes must be made through a pull request.".to_owned(),
            "- Required status check \"ci\" is expected.".to_owned(),
        ]
    );
    let (_, lines) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::Force),
        NO_FACTS,
    ));
    assert!(lines.contains(&"- Cannot force-push to this branch".to_owned()));
    let (_, lines) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::Delete),
        NO_FACTS,
    ));
    assert_eq!(lines[2..], ["- Cannot delete this branch".to_owned()]);
}

#[test]
fn ruleset_bypass_actors_of_every_kind() {
    let mut org_owner = pusher("owner", 1000, Permission::Admin);
    org_owner.org_admin = true;
    let mut on_team = writer();
    on_team.team_ids = vec![42];
    let cases: Vec<(BypassActor, Pusher, bool)> = vec![
        (actor("User", Some(1002), "always"), writer(), true),
        (actor("User", Some(1001), "always"), writer(), false),
        (actor("RepositoryRole", Some(5), "always"), admin(), true),
        (actor("RepositoryRole", Some(5), "always"), writer(), false),
        (actor("RepositoryRole", Some(4), "always"), writer(), true),
        (actor("RepositoryRole", Some(2), "always"), writer(), false),
        (
            actor("RepositoryRole", Some(2), "always"),
            pusher("m", 5, Permission::Maintain),
            true,
        ),
        (actor("OrganizationAdmin", None, "always"), org_owner, true),
        (
            actor("OrganizationAdmin", Some(0), "always"),
            admin(),
            false,
        ),
        (actor("Team", Some(42), "always"), on_team, true),
        (actor("Integration", Some(1002), "always"), writer(), false),
        (actor("User", Some(1002), "pull_request"), writer(), false),
    ];
    for (a, who, passes) in cases {
        let label = format!(
            "{} {:?} {} for {}",
            a.actor_type, a.actor_id, a.bypass_mode, who.login
        );
        let rules = with_rulesets(vec![ruleset(web_rules(), vec![a])]);
        let verdict = decide(&rules, &who, &update(UpdateKind::FastForward), NO_FACTS);
        assert_eq!(matches!(verdict, Verdict::Allow { .. }), passes, "{label}");
        if passes {
            let lines = allowed(verdict);
            assert_eq!(
                lines[0], "Bypassed rule violations for refs/heads/main:",
                "{label}"
            );
        }
    }
}

#[test]
fn exempt_actors_pass_silently_and_bypass_covers_force_pushes_in_rulesets() {
    let rules = with_rulesets(vec![ruleset(
        web_rules(),
        vec![actor("User", Some(1002), "exempt")],
    )]);
    assert!(
        allowed(decide(
            &rules,
            &writer(),
            &update(UpdateKind::Force),
            NO_FACTS
        ))
        .is_empty()
    );
    let rules = with_rulesets(vec![ruleset(
        web_rules(),
        vec![actor("User", Some(1002), "always")],
    )]);
    let lines = allowed(decide(
        &rules,
        &writer(),
        &update(UpdateKind::Force),
        NO_FACTS,
    ));
    assert!(lines.contains(&"- Cannot force-push to this branch".to_owned()));
}

#[test]
fn bypass_is_per_ruleset_and_classic_still_applies_on_top() {
    let bypassable = ruleset(web_rules(), vec![actor("User", Some(1002), "always")]);
    let strict = ruleset(json!([{"type": "pull_request", "parameters": {}}]), vec![]);
    let rules = with_rulesets(vec![bypassable.clone(), strict]);
    rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));

    let mut stacked = with_rulesets(vec![bypassable]);
    stacked.classic = Some(hardened());
    let (status, _) = rejected(decide(
        &stacked,
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(status, CLASSIC_DECLINED);
}

#[test]
fn ruleset_creation_update_signature_and_linear_rules() {
    let rules = with_rulesets(vec![ruleset(
        json!([{"type": "creation"}, {"type": "update"}, {"type": "required_signatures"},
               {"type": "required_linear_history"}]),
        vec![],
    )]);
    let (_, lines) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::Create),
        NO_FACTS,
    ));
    assert!(lines.contains(&"- Cannot create ref due to creations being restricted.".to_owned()));
    let (_, lines) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::FastForward),
        PushFacts {
            adds_merge_commits: true,
        },
    ));
    assert!(lines.contains(&"- Cannot update this protected ref.".to_owned()));
    assert!(lines.contains(&"- Commits must have verified signatures.".to_owned()));
    assert!(lines.contains(&"- This branch must not contain merge commits.".to_owned()));
}

#[test]
fn status_checks_can_be_waived_on_creation() {
    let rules = with_rulesets(vec![ruleset(
        json!([{"type": "required_status_checks", "parameters": {"do_not_enforce_on_create": true,
            "required_status_checks": [{"context": "ci"}, {"context": "lint"}]}}]),
        vec![],
    )]);
    allowed(decide(
        &rules,
        &writer(),
        &update(UpdateKind::Create),
        NO_FACTS,
    ));
    let (_, lines) = rejected(decide(
        &rules,
        &writer(),
        &update(UpdateKind::FastForward),
        NO_FACTS,
    ));
    assert_eq!(lines[2], "- 2 of 2 required status checks are expected.");
}
