//! The retroactive review's sign-off on the sandbox forge over real HTTP: the commander's
//! own approval and a commit author's do not count, the status says what it waits for,
//! and a third person's approval plus the submitted form turns it green and records
//! `review_signed_off`; `status` lists the review while it is outstanding.

mod flow_support;

use breakglass::clock::SystemClock;
use breakglass::forge::github::{ClientOptions, GitHubClient, Request, repo_path};
use breakglass::paths::Paths;
use breakglass::review::ReviewForm;
use flow_support::{World, audit_records, text_of};
use serde_json::{Value, json};
use std::sync::Arc;

fn client(world: &World, login: &str) -> GitHubClient {
    GitHubClient::new(
        &world.sandbox.api_url(),
        world.sandbox.token(login),
        ClientOptions::default(),
    )
    .unwrap()
}

async fn approve(world: &World, login: &str, number: u64) {
    let path = repo_path(&world.repo, &["pulls", &number.to_string(), "reviews"]);
    client(world, login)
        .execute(&Request::post_idempotent(
            path,
            Some(json!({"event": "APPROVE"})),
        ))
        .await
        .unwrap_or_else(|e| panic!("{login} approves: {e}"));
}

/// The newest `breakglass/retro-review` status on `sha`, as the forge lists it.
async fn review_status(world: &World, sha: &str) -> Value {
    let statuses = client(world, "commander")
        .list_commit_statuses(&world.repo, sha)
        .await
        .unwrap();
    statuses
        .into_iter()
        .find(|s| s["context"] == "breakglass/retro-review")
        .expect("a review status")
}

async fn review_json(world: &World) -> Value {
    let out = world.bg(&["review", "--incident", "INC-1", "--json"]).await;
    assert!(out.status.success(), "{}", text_of(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_third_persons_approval_and_the_form_sign_the_review_off() {
    let world = World::start().await;
    // A second pushed commit, authored by dev.
    world.commit("EXTRA.md", "more of the fix\n").await;
    let activated = world.activate("INC-1", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    let dir = world.clone_dir();
    let pushed = world
        .bg(&["push", "--repo-dir", dir.to_str().unwrap(), "--json"])
        .await;
    assert!(pushed.status.success(), "{}", text_of(&pushed));
    let new_sha = serde_json::from_slice::<Value>(&pushed.stdout).unwrap()["new_sha"]
        .as_str()
        .unwrap()
        .to_owned();
    let restored = world.bg(&["restore", "--json"]).await;
    assert!(restored.status.success(), "{}", text_of(&restored));

    // The owner opens the review, so that the commander may approve it on the forge
    // (GitHub refuses an approval of one's own pull request).
    let owner = world.sandbox.token("owner");
    let opened = world
        .bg_env(
            &["review", "--incident", "INC-1", "--json"],
            &[("GH_TOKEN", owner.expose())],
        )
        .await;
    assert!(opened.status.success(), "{}", text_of(&opened));
    let number = serde_json::from_slice::<Value>(&opened.stdout).unwrap()["pr_number"]
        .as_u64()
        .unwrap();

    approve(&world, "commander", number).await;
    approve(&world, "dev", number).await;
    let review = review_json(&world).await;
    let wanted = "waiting for an approval by someone other than the commander commander and \
                  for the lessons-learned form";
    assert_eq!(
        review["sign_off"],
        json!({"state": "pending", "why": wanted}),
        "neither the commander's nor the author's approval counts"
    );
    let status = review_status(&world, &new_sha).await;
    assert_eq!(
        (&status["state"], &status["description"]),
        (&json!("pending"), &json!(wanted))
    );

    // The form is submitted; the approval is still missing, and status lists the review.
    let paths = Paths::under(world.home.path());
    let mut form = ReviewForm::new("INC-1");
    form.summary = "Checkout returned 500s; rolled the timeout back.".into();
    breakglass::tui::effects::submit(&paths, Arc::new(SystemClock), "commander", &form).unwrap();
    let listed = world.bg(&["status"]).await;
    assert_eq!(listed.status.code(), Some(0), "{}", text_of(&listed));
    let said = String::from_utf8_lossy(&listed.stdout);
    assert!(
        said.contains("REVIEW OUTSTANDING: INC-1 acme/api main, waiting "),
        "{said}"
    );
    let status = review_status(&world, &new_sha).await;
    assert_eq!(
        status["description"],
        "waiting for an approval by someone other than the commander commander"
    );

    // A reviewer who neither commanded nor wrote a commit approves: `status` signs off.
    approve(&world, "reviewer", number).await;
    let listed = world.bg(&["status", "--json"]).await;
    assert_eq!(listed.status.code(), Some(0), "{}", text_of(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["reviews_outstanding"], json!([]), "{listed}");
    let status = review_status(&world, &new_sha).await;
    assert_eq!(
        (&status["state"], &status["description"]),
        (&json!("success"), &json!("Signed off by reviewer"))
    );
    let records = audit_records(world.home.path());
    let last = records.last().unwrap();
    assert_eq!(
        (&last["kind"], &last["data"]),
        (
            &json!("review_signed_off"),
            &json!({"reviewer": "reviewer"})
        )
    );
    assert_eq!(
        review_json(&world).await["sign_off"],
        json!({"state": "signed_off", "reviewer": "reviewer"})
    );
    world.assert_chain_verifies().await;
    world.kill_watchdog("INC-1");
}
