//! The whole break-glass flow through the real binary against a sandbox forge over
//! loopback and a real clone: refused before, landed during, refused after, restored
//! exactly, audited, and reviewed with a PR whose diff is exactly what was pushed.

mod support;

use breakglass::forge::github::{ClientOptions, GitHubClient, Request, repo_path};
use serde_json::Value;
use support::{World, text_of};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_glass_opens_for_the_tagged_fix_and_closes_exactly_as_it_was() {
    let world = World::start().await;
    let snapshot = world.protection().expect("acme/api main is protected");
    let pre_sha = world.head();

    // Before activation the forge refuses the push with GitHub's words.
    let refused = world.raw_git_push().await;
    assert!(!refused.status.success(), "{}", text_of(&refused));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("protected branch hook declined"), "{said}");
    assert!(said.contains("GH006"), "{said}");

    let activated = world.activate("INC-1", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    let words = String::from_utf8_lossy(&activated.stdout);
    assert!(words.contains("deadline:"), "{words}");
    assert_ne!(world.protection().unwrap(), snapshot, "the glass is open");

    // --incident may be omitted: exactly one incident is open.
    let dir = world.clone_dir();
    let pushed = world
        .bg(&["push", "--repo-dir", dir.to_str().unwrap(), "--json"])
        .await;
    assert!(pushed.status.success(), "{}", text_of(&pushed));
    let report: Value = serde_json::from_slice(&pushed.stdout).unwrap();
    let new_sha = report["new_sha"].as_str().unwrap().to_owned();
    assert_eq!(world.head(), new_sha, "the fix landed on main");
    let message = commit_message(&world, &new_sha);
    assert!(message.contains("Break-Glass-Incident: INC-1"), "{message}");
    assert!(message.contains("Break-Glass-Audit: "), "{message}");

    let restored = world.bg(&["restore", "--json"]).await;
    assert!(restored.status.success(), "{}", text_of(&restored));
    assert_eq!(
        world.protection().unwrap(),
        snapshot,
        "read back equals the snapshot"
    );

    // After restore the forge refuses pushes again.
    world.commit("AFTER.md", "after the window\n").await;
    let refused_again = world.raw_git_push().await;
    assert!(
        !refused_again.status.success(),
        "{}",
        text_of(&refused_again)
    );
    assert!(
        String::from_utf8_lossy(&refused_again.stderr).contains("protected branch hook declined")
    );

    let reviewed = world
        .bg(&[
            "review",
            "--incident",
            "INC-1",
            "--json",
            "--reviewer",
            "reviewer",
        ])
        .await;
    assert!(reviewed.status.success(), "{}", text_of(&reviewed));
    let review: Value = serde_json::from_slice(&reviewed.stdout).unwrap();
    let number = review["pr_number"].as_u64().unwrap();
    let client = GitHubClient::new(
        &world.sandbox.api_url(),
        world.token.clone(),
        ClientOptions::default(),
    )
    .unwrap();
    let pull = client
        .execute(&Request::get(repo_path(
            &world.repo,
            &["pulls", &number.to_string()],
        )))
        .await
        .unwrap()
        .json;
    assert_eq!(pull["head"]["ref"], "breakglass/INC-1/after");
    assert_eq!(pull["base"]["ref"], "breakglass/INC-1/before");
    assert_eq!(pull["head"]["sha"], new_sha.as_str());
    assert_eq!(pull["base"]["sha"], pre_sha.as_str());
    let compare = client
        .execute(&Request::get(repo_path(
            &world.repo,
            &[
                "compare",
                "breakglass/INC-1/before...breakglass/INC-1/after",
            ],
        )))
        .await
        .unwrap()
        .json;
    let compared: Vec<&str> = compare["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha"].as_str().unwrap())
        .collect();
    let pushed_commits: Vec<&str> = report["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        compared, pushed_commits,
        "the review shows exactly what was pushed"
    );
    assert_eq!(compare["status"], "ahead");

    // A second review is the same review.
    let again = world.bg(&["review", "--incident", "INC-1", "--json"]).await;
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["pr_number"].as_u64(), Some(number));

    world.assert_chain_verifies().await;
    assert_eq!(
        world.events("INC-1"),
        [
            "declared",
            "preflighted",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
            "review_opened"
        ]
    );
    world.kill_watchdog("INC-1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_is_told_who_holds_the_incident() {
    let world = World::start().await;
    let activated = world.activate("INC-7", "10m", &[]).await;
    assert!(activated.status.success(), "{}", text_of(&activated));
    // Hold the incident's lock the way a running `breakglass push` would.
    let state = world.home.path().join("state");
    let held = breakglass::flow::IncidentLock::acquire(&state, "INC-7", "breakglass push").unwrap();
    let second = world.bg(&["restore", "--incident", "INC-7"]).await;
    assert_eq!(second.status.code(), Some(1), "{}", text_of(&second));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(
        said.contains(&format!(
            "incident INC-7 is being handled by PID {} (breakglass push) — wait for it or stop it",
            std::process::id()
        )),
        "{said}"
    );
    drop(held);
    let restored = world.bg(&["restore", "--incident", "INC-7"]).await;
    assert!(restored.status.success(), "{}", text_of(&restored));
    world.kill_watchdog("INC-7");
}

fn commit_message(world: &World, sha: &str) -> String {
    let bare = git2::Repository::open_bare(world.sandbox.repo_path(&world.repo)).unwrap();
    let commit = bare.find_commit(git2::Oid::from_str(sha).unwrap()).unwrap();
    commit.message().unwrap().to_owned()
}
