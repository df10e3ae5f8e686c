//! Unit tests for the classic protection model: GET parsing, each §1.4 conversion rule,
//! and normalisation.

use super::*;
use serde_json::json;

/// Parses `body` with the members GitHub reports on every protected branch added when
/// the test leaves them out, so each test spells only what it is about.
fn parse(mut body: Value) -> Result<ClassicProtection, ClassicParseError> {
    for key in ["enforce_admins", "required_signatures"] {
        if body.get(key).is_none() {
            body[key] = json!({"url": "x", "enabled": false});
        }
    }
    ClassicProtection::from_get(&body)
}

/// A GET body as GitHub returns it, with URLs and full user/team/app objects.
fn full_get() -> Value {
    json!({
        "url": "https://api.github.com/repos/acme/api/branches/main/protection",
        "required_status_checks": {
            "url": "https://api.github.com/…/required_status_checks",
            "enforcement_level": "non_admins",
            "strict": true,
            "contexts": ["ci", "lint"],
            "contexts_url": "https://api.github.com/…/contexts",
            "checks": [{"context": "lint", "app_id": 15368}, {"context": "ci", "app_id": null}]
        },
        "enforce_admins": {"url": "https://api.github.com/…/enforce_admins", "enabled": true},
        "required_pull_request_reviews": {
            "url": "https://api.github.com/…/required_pull_request_reviews",
            "dismissal_restrictions": {
                "url": "x", "users_url": "x", "teams_url": "x",
                "users": [{"login": "reviewer", "id": 3, "type": "User"}],
                "teams": [{"slug": "sre", "name": "SRE", "id": 9}],
                "apps": []
            },
            "dismiss_stale_reviews": true,
            "require_code_owner_reviews": false,
            "required_approving_review_count": 2,
            "require_last_push_approval": true
        },
        "restrictions": {
            "url": "x", "users_url": "x", "teams_url": "x", "apps_url": "x",
            "users": [{"login": "dev", "id": 2}],
            "teams": [],
            "apps": [{"slug": "deploy-bot", "id": 77, "name": "Deploy"}]
        },
        "required_signatures": {"url": "x", "enabled": true},
        "required_linear_history": {"enabled": true},
        "allow_force_pushes": {"enabled": false},
        "allow_deletions": {"enabled": false},
        "block_creations": {"enabled": false},
        "required_conversation_resolution": {"enabled": true},
        "lock_branch": {"enabled": false},
        "allow_fork_syncing": {"enabled": false},
        "some_future_field": {"enabled": true}
    })
}

#[test]
fn a_body_with_only_the_reported_members_is_protection_with_everything_off() {
    let p = parse(json!({"url": "x", "enabled": true})).unwrap();
    assert_eq!(p.required_status_checks, None);
    assert!(!p.enforce_admins && !p.required_signatures && !p.lock_branch);
    assert_eq!(
        p.to_put_body(true),
        json!({
            "required_status_checks": null, "enforce_admins": false,
            "required_pull_request_reviews": null, "restrictions": null,
            "required_linear_history": false, "allow_force_pushes": false,
            "allow_deletions": false, "block_creations": false,
            "required_conversation_resolution": false, "lock_branch": false,
            "allow_fork_syncing": false
        })
    );
}

#[test]
fn a_member_github_always_reports_is_refused_when_missing_not_read_as_off() {
    // The OpenAPI `branch-protection` example has neither `strict` nor
    // `required_signatures`: off would relax the one and make restore DELETE the other.
    let error = ClassicProtection::from_get(&json!({
        "enforce_admins": {"enabled": true},
        "required_status_checks": {"contexts": ["ci"]}
    }))
    .unwrap_err();
    assert_eq!(
        error.detail,
        "required_status_checks.strict, required_signatures missing; \
         breakglass does not guess a setting the forge did not report"
    );
    let error = ClassicProtection::from_get(&json!({"required_signatures": {"enabled": true}}))
        .unwrap_err();
    assert!(
        error.detail.starts_with("enforce_admins missing"),
        "{error}"
    );
}

#[test]
fn a_toggle_that_is_not_a_bool_is_refused_not_read_as_off() {
    for (body, named) in [
        (
            json!({"lock_branch": {"enabled": "yes"}}),
            "lock_branch.enabled",
        ),
        (json!({"allow_deletions": 1}), "allow_deletions"),
        (
            json!({"required_pull_request_reviews": {"dismiss_stale_reviews": null}}),
            "required_pull_request_reviews.dismiss_stale_reviews",
        ),
        (
            json!({"required_status_checks": {"strict": "true", "contexts": []}}),
            "required_status_checks.strict",
        ),
    ] {
        let error = parse(body).unwrap_err();
        assert!(error.detail.starts_with(named), "{error}");
    }
}

#[test]
fn a_full_get_converts_to_the_exact_put_body() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    assert_eq!(
        p.to_put_body(true),
        json!({
            "required_status_checks": {"strict": true, "checks": [
                {"context": "lint", "app_id": 15368}, {"context": "ci", "app_id": -1}]},
            "enforce_admins": true,
            "required_pull_request_reviews": {
                "dismissal_restrictions": {"users": ["reviewer"], "teams": ["sre"], "apps": []},
                "dismiss_stale_reviews": true, "require_code_owner_reviews": false,
                "required_approving_review_count": 2, "require_last_push_approval": true
            },
            "restrictions": {"users": ["dev"], "teams": [], "apps": ["deploy-bot"]},
            "required_linear_history": true, "allow_force_pushes": false,
            "allow_deletions": false, "block_creations": false,
            "required_conversation_resolution": true, "lock_branch": false,
            "allow_fork_syncing": false
        })
    );
}

#[test]
fn app_id_null_becomes_minus_one_never_omitted() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    let body = p.to_put_body(true);
    let checks = body["required_status_checks"]["checks"].as_array().unwrap();
    assert!(
        checks
            .iter()
            .all(|c| c.get("app_id").is_some_and(Value::is_i64))
    );
    assert_eq!(checks[1]["app_id"], json!(ANY_APP));
}

#[test]
fn contexts_and_checks_are_never_sent_together() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    let body = p.to_put_body(true);
    assert!(body["required_status_checks"].get("contexts").is_none());

    let legacy =
        parse(json!({"required_status_checks": {"strict": false, "contexts": ["ci"]}})).unwrap();
    let body = legacy.to_put_body(true);
    assert_eq!(
        body["required_status_checks"],
        json!({"strict": false, "contexts": ["ci"]})
    );
}

#[test]
fn empty_checks_and_contexts_send_strict_with_empty_contexts() {
    let p =
        parse(json!({"required_status_checks": {"strict": true, "contexts": [], "checks": []}}))
            .unwrap();
    assert_eq!(
        p.to_put_body(true)["required_status_checks"],
        json!({"strict": true, "contexts": []})
    );
}

#[test]
fn personal_repositories_get_null_restrictions_and_no_dismissal_restrictions() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    let body = p.to_put_body(false);
    assert_eq!(body["restrictions"], Value::Null);
    assert!(body.as_object().unwrap().contains_key("restrictions"));
    assert!(
        body["required_pull_request_reviews"]
            .get("dismissal_restrictions")
            .is_none()
    );
}

#[test]
fn dismissal_and_bypass_lists_are_sent_only_when_present() {
    let p = parse(json!({
        "required_pull_request_reviews": {"required_approving_review_count": 1,
            "bypass_pull_request_allowances": {"users": [{"login": "commander"}], "teams": [], "apps": []}}
    }))
    .unwrap();
    let reviews = p.to_put_body(true)["required_pull_request_reviews"].clone();
    assert!(reviews.get("dismissal_restrictions").is_none());
    assert_eq!(
        reviews["bypass_pull_request_allowances"],
        json!({"users": ["commander"], "teams": [], "apps": []})
    );
    assert_eq!(reviews["require_last_push_approval"], json!(false));
}

#[test]
fn restrictions_always_send_users_and_teams() {
    let p = parse(json!({"restrictions": {"apps": [{"slug": "bot"}]}})).unwrap();
    assert_eq!(
        p.to_put_body(true)["restrictions"],
        json!({"users": [], "teams": [], "apps": ["bot"]})
    );
}

#[test]
fn all_seven_booleans_are_explicit_and_signatures_are_not_in_the_body() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    let body = p.to_put_body(true);
    for key in [
        "required_linear_history",
        "allow_force_pushes",
        "allow_deletions",
        "block_creations",
        "required_conversation_resolution",
        "lock_branch",
        "allow_fork_syncing",
    ] {
        assert!(body[key].is_boolean(), "{key} must be an explicit bool");
    }
    assert!(body.get("required_signatures").is_none());
    assert!(p.signatures_follow_up());
}

#[test]
fn entries_without_a_login_or_slug_are_an_error_not_dropped() {
    let e = parse(json!({"restrictions": {"users": [{"id": 4}]}})).unwrap_err();
    assert!(e.detail.contains("users"), "{e}");
    assert!(ClassicProtection::from_get(&json!([1])).is_err());
}

#[test]
fn normalisation_drops_urls_sorts_and_maps_app_id_null_to_minus_one() {
    let p = ClassicProtection::from_get(&full_get()).unwrap();
    let n = p.normalized();
    assert_eq!(
        n["required_status_checks"],
        json!({"strict": true, "checks": [
            {"context": "ci", "app_id": -1}, {"context": "lint", "app_id": 15368}]})
    );
    assert!(!n.to_string().contains("url"));
    assert_eq!(n["restrictions"]["apps"], json!(["deploy-bot"]));
}

#[test]
fn absent_toggles_normalise_like_disabled_ones() {
    let absent = parse(json!({})).unwrap();
    let disabled = parse(json!({
        "enforce_admins": {"enabled": false}, "lock_branch": {"enabled": false},
        "required_signatures": {"enabled": false}
    }))
    .unwrap();
    assert_eq!(absent.normalized(), disabled.normalized());
}

#[test]
fn user_order_does_not_matter_after_normalisation() {
    let a =
        parse(json!({"restrictions": {"users": [{"login": "b"}, {"login": "a"}], "teams": []}}))
            .unwrap();
    let b =
        parse(json!({"restrictions": {"users": [{"login": "a"}, {"login": "b"}], "teams": []}}))
            .unwrap();
    assert_ne!(a, b);
    assert_eq!(a.normalized(), b.normalized());
}

fn with_reviews(extra: Value) -> ClassicProtection {
    let mut body = json!({"required_pull_request_reviews": {"required_approving_review_count": 1}});
    body["required_pull_request_reviews"]
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    parse(body).unwrap()
}

#[test]
fn a_review_actor_list_naming_nobody_is_not_the_same_as_none() {
    // GitHub's `branch-protection-update` example: dismissal is restricted and nobody is
    // listed (only admins may dismiss). Reading it as "no restriction" would let a restore
    // widen who may dismiss reviews and verify it as exact.
    let empty = json!({"users": [], "teams": [], "apps": []});
    let absent = with_reviews(json!({})).normalized();
    for key in ["dismissal_restrictions", "bypass_pull_request_allowances"] {
        let nobody = with_reviews(json!({key: empty.clone()})).normalized();
        assert_ne!(nobody, absent, "{key}");
        assert_eq!(nobody["required_pull_request_reviews"][key], empty, "{key}");
    }
}

#[test]
fn settings_naming_nobody_are_the_ones_rest_cannot_write() {
    let empty = json!({"users": [], "teams": [], "apps": []});
    let someone = json!({"users": [{"login": "dev"}], "teams": [], "apps": []});
    assert_eq!(
        with_reviews(json!({})).unwritable_by_rest(true),
        Vec::<String>::new()
    );
    assert!(
        with_reviews(json!({"dismissal_restrictions": someone.clone(),
        "bypass_pull_request_allowances": someone.clone()}))
        .unwritable_by_rest(true)
        .is_empty()
    );
    assert_eq!(
        with_reviews(json!({"dismissal_restrictions": empty.clone(),
            "bypass_pull_request_allowances": empty}))
        .unwritable_by_rest(true),
        vec![
            "required_pull_request_reviews.dismissal_restrictions (restricted, nobody listed)",
            "required_pull_request_reviews.bypass_pull_request_allowances (present, nobody listed)",
        ]
    );
    // A personal repository's PUT must leave dismissal restrictions out altogether.
    assert_eq!(
        with_reviews(json!({"dismissal_restrictions": someone})).unwritable_by_rest(false),
        vec!["required_pull_request_reviews.dismissal_restrictions on a personal repository"]
    );
    // Push restrictions naming nobody are expressible: `{"users": [], "teams": []}`.
    assert!(
        parse(json!({"restrictions": {"users": [], "teams": [], "apps": []}}))
            .unwrap()
            .unwritable_by_rest(true)
            .is_empty()
    );
}
