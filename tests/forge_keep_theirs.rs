//! Keeping a colleague's change against the sandbox forge, at the `Forge` level: the
//! restore decision reads without writing, and for a ruleset we added a bypass actor to,
//! keep-theirs puts the ruleset back as the colleague left it minus only our actor, while
//! classic protection (untouched by them) goes back to the snapshot; the read-back is
//! verified against that kept state.

mod common;

use breakglass::forge::Forge;
use breakglass::forge::github::Request;
use breakglass::forge::keep_theirs::keep_theirs;
use breakglass::forge::restore::RestoreDecision;
use breakglass::forge::ruleset::Ruleset;
use common::sandbox::{
    api, client_as, for_other_pusher, forge_as, plan_for, pusher, set_rulesets, start,
};
use serde_json::json;

fn protect_main() -> serde_json::Value {
    json!({
        "name": "protect main", "target": "branch", "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "bypass_actors": [],
        "rules": [{"type": "pull_request", "parameters": {
            "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": false,
            "require_code_owner_review": false, "require_last_push_approval": false,
            "required_review_thread_resolution": false}}]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_ruleset_edit_is_kept_and_only_our_bypass_removed() {
    let sandbox = start().await;
    let admin = client_as(&sandbox, "commander");
    set_rulesets(&admin, &api(), &[protect_main()]).await;
    let (forge, _) = forge_as(&sandbox, "commander");
    let snapshot = for_other_pusher(&forge.snapshot(&api(), "main").await.unwrap());
    let plan = plan_for(&snapshot, pusher(&forge, &api(), "dev").await, false).unwrap();
    assert_eq!(plan.rulesets.len(), 1, "{plan:?}");
    forge.apply(&plan).await.unwrap();

    // The colleague raises the ruleset's review count, keeping the bypass list as is.
    let path = format!("/repos/acme/api/rulesets/{}", plan.rulesets[0].id);
    let current = admin
        .execute(&Request::get(path.clone()))
        .await
        .unwrap()
        .json;
    let mut body = Ruleset::from_get(current).unwrap().writable_body().unwrap();
    body["rules"][0]["parameters"]["required_approving_review_count"] = json!(3);
    admin.execute(&Request::put(path, body)).await.unwrap();

    sandbox.clear_request_log();
    let decision = forge
        .restore_decision(&snapshot, Some(&plan))
        .await
        .unwrap();
    let RestoreDecision::Drift { differences } = decision else {
        panic!("expected drift, got {decision:?}")
    };
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(
        sandbox.request_log().iter().all(|r| r.method == "GET"),
        "the decision only reads: {:?}",
        sandbox.request_log()
    );

    let theirs = forge.read_state(&snapshot).await.unwrap();
    let keep = keep_theirs(&snapshot, &plan, &theirs).unwrap();
    let report = forge.restore_keeping_theirs(&snapshot, &keep).await;

    assert!(report.verified, "{report:?}");
    let ruleset = sandbox
        .rulesets(&api())
        .into_iter()
        .find(|r| r["id"] == plan.rulesets[0].id)
        .unwrap();
    assert_eq!(ruleset["bypass_actors"], json!([]), "our bypass is gone");
    assert_eq!(
        ruleset["rules"][0]["parameters"]["required_approving_review_count"], 3,
        "their edit is kept"
    );
    assert_eq!(
        forge.read_state(&snapshot).await.unwrap()["classic"],
        snapshot.normalized()["classic"],
        "classic protection, which they left alone, is the snapshot's again"
    );
    sandbox.shutdown().await;
}
