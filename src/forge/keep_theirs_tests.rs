//! Unit tests for keeping the other person's change: the expected state, the requests,
//! and the refusals.

use super::*;
use crate::forge::plan::{PlanInput, Pusher, plan};
use crate::forge::request::HttpMethod;
use crate::forge::snapshot::{ClassicState, RulesetSnapshot};
use crate::forge::{Permission, RepoId};
use chrono::{TimeZone, Utc};

fn snapshot_with(rulesets: Vec<Value>) -> ProtectionSnapshot {
    ProtectionSnapshot {
        repo: RepoId::new("acme", "api"),
        branch: "main".into(),
        owner_is_org: true,
        taken_at: Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap(),
        classic: ClassicState::from_get(Some(json!({
            "required_status_checks": {"strict": true, "contexts": ["ci"], "checks": [{"context": "ci", "app_id": null}]},
            "enforce_admins": {"enabled": true},
            "required_signatures": {"enabled": false},
            "required_pull_request_reviews": {"required_approving_review_count": 1}
        })))
        .unwrap(),
        rulesets: rulesets
            .into_iter()
            .map(|r| RulesetSnapshot::from_get(r).unwrap())
            .collect(),
        pre_sha: None,
    }
}

fn ruleset(id: u64) -> Value {
    json!({
        "id": id, "name": "protect main", "target": "branch", "enforcement": "active",
        "source_type": "Repository", "source": "acme/api", "current_user_can_bypass": "never",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "bypass_actors": [{"actor_type": "Team", "actor_id": 9, "bypass_mode": "always"}],
        "rules": [{"type": "pull_request", "parameters": {"required_approving_review_count": 1}}]
    })
}

fn plan_for(snapshot: &ProtectionSnapshot, permission: Permission) -> RelaxPlan {
    plan(&PlanInput {
        snapshot,
        pusher: Pusher {
            login: "commander".into(),
            id: 1001,
            permission,
            is_org_admin: false,
        },
        administrable_rulesets: snapshot.rulesets.iter().map(|r| r.ruleset.id()).collect(),
        pushed_has_merges: false,
        settings_lost_by_put: Vec::new(),
    })
    .unwrap()
}

const COUNT: &str = "/classic/required_pull_request_reviews/required_approving_review_count";

#[test]
fn their_review_count_is_kept_and_only_enforce_admins_goes_back() {
    let snap = snapshot_with(vec![]);
    let plan = plan_for(&snap, Permission::Admin);
    let mut theirs = expected_after(&snap, &plan);
    *theirs.pointer_mut(COUNT).unwrap() = json!(2);

    let keep = keep_theirs(&snap, &plan, &theirs).unwrap();

    let mut wanted = snap.normalized();
    *wanted.pointer_mut(COUNT).unwrap() = json!(2);
    assert_eq!(keep.expected, wanted);
    assert_eq!(keep.expected["classic"]["enforce_admins"], json!(true));
    let calls: Vec<_> = keep
        .classic_steps
        .iter()
        .map(|s| (s.call.method, s.call.path.as_str()))
        .collect();
    assert_eq!(
        calls,
        [(
            HttpMethod::Post,
            "/repos/acme/api/branches/main/protection/enforce_admins"
        )]
    );
    assert_eq!(keep.drift.len(), 1);
    assert_eq!(keep.drift[0].theirs, Some(json!(2)));
    assert!(keep.rulesets.is_empty());
}

#[test]
fn a_change_to_the_setting_we_relaxed_is_refused() {
    let snap = snapshot_with(vec![]);
    let plan = plan_for(&snap, Permission::Admin);
    let mut theirs = expected_after(&snap, &plan);
    theirs["classic"]["enforce_admins"] = json!(true);
    *theirs.pointer_mut(COUNT).unwrap() = json!(2);

    let refusal = keep_theirs(&snap, &plan, &theirs).unwrap_err();

    assert_eq!(
        refusal,
        KeepTheirsRefusal::SameSetting {
            settings: "classic.enforce_admins".into()
        }
    );
    let text = refusal.to_string();
    assert!(
        text.contains("restore the snapshot") && text.contains("by hand"),
        "{text}"
    );
}

#[test]
fn a_change_inside_a_section_we_removed_is_the_same_setting() {
    // A writer's plan removes the reviews and the status checks; raising the review count
    // brings the reviews section back, which our removal also touched.
    let snap = snapshot_with(vec![]);
    let plan = plan_for(&snap, Permission::Write);
    let mut theirs = expected_after(&snap, &plan);
    theirs["classic"]["required_pull_request_reviews"] =
        json!({"required_approving_review_count": 2});

    let refusal = keep_theirs(&snap, &plan, &theirs).unwrap_err();

    assert!(
        matches!(&refusal, KeepTheirsRefusal::SameSetting { settings }
            if settings.contains("classic.required_pull_request_reviews")),
        "{refusal:?}"
    );
}

#[test]
fn a_full_put_undo_is_refused_when_they_changed_classic_elsewhere() {
    let snap = snapshot_with(vec![]);
    let plan = plan_for(&snap, Permission::Write);
    let mut theirs = expected_after(&snap, &plan);
    theirs["classic"]["enforce_admins"] = json!(false);

    let refusal = keep_theirs(&snap, &plan, &theirs).unwrap_err();

    assert_eq!(
        refusal,
        KeepTheirsRefusal::NeedsFullPut {
            settings: "classic.enforce_admins".into()
        }
    );
}

#[test]
fn nothing_to_keep_without_drift() {
    let snap = snapshot_with(vec![]);
    let plan = plan_for(&snap, Permission::Admin);
    let ours = expected_after(&snap, &plan);
    assert_eq!(
        keep_theirs(&snap, &plan, &ours).unwrap_err(),
        KeepTheirsRefusal::NoDrift
    );
}

#[test]
fn our_bypass_actor_is_removed_and_their_ruleset_edit_kept() {
    let snap = snapshot_with(vec![ruleset(12)]);
    let plan = plan_for(&snap, Permission::Admin);
    assert_eq!(plan.rulesets.len(), 1, "{plan:?}");
    let mut theirs = expected_after(&snap, &plan);
    theirs["rulesets"]["12"]["rules"][0]["parameters"]["required_approving_review_count"] =
        json!(3);

    let keep = keep_theirs(&snap, &plan, &theirs).unwrap();

    let mut wanted = snap.normalized();
    wanted["rulesets"]["12"]["rules"][0]["parameters"]["required_approving_review_count"] =
        json!(3);
    assert_eq!(keep.expected, wanted);
    assert_eq!(
        keep.rulesets,
        [RulesetToRevert {
            source: crate::forge::ruleset::RulesetSource::Repository,
            id: 12,
            pusher_id: 1001
        }]
    );

    // The request body is built from the ruleset as read now.
    let mut current = ruleset(12);
    current["rules"][0]["parameters"]["required_approving_review_count"] = json!(3);
    current["bypass_actors"]
        .as_array_mut()
        .unwrap()
        .push(json!({"actor_type": "User", "actor_id": 1001}));
    let body = without_our_bypass(&Ruleset::from_get(current).unwrap(), 1001).unwrap();
    assert_eq!(
        body["bypass_actors"],
        json!([{"actor_type": "Team", "actor_id": 9, "bypass_mode": "always"}])
    );
    assert_eq!(
        body["rules"][0]["parameters"]["required_approving_review_count"],
        json!(3)
    );
    assert!(body.get("id").is_none(), "only the writable object is sent");
}

#[test]
fn a_ruleset_they_deleted_needs_no_request() {
    let snap = snapshot_with(vec![ruleset(12)]);
    let plan = plan_for(&snap, Permission::Admin);
    let mut theirs = expected_after(&snap, &plan);
    theirs["rulesets"].as_object_mut().unwrap().remove("12");

    let keep = keep_theirs(&snap, &plan, &theirs).unwrap();

    assert!(keep.rulesets.is_empty());
    assert!(keep.expected["rulesets"].get("12").is_none());
    assert_eq!(keep.expected["classic"]["enforce_admins"], json!(true));
}
