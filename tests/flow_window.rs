//! The window as one confirmed action, against the sandbox forge and a real clone: the
//! order of its events (the restore intent right after the push's answer, accepted or
//! rejected), a follow-up window on the same snapshot, and the lease cap over the
//! incident's total open time.

mod support;

use breakglass::clock::FakeClock;
use breakglass::flow::{Declaration, Flow, FlowError};
use breakglass::incident::RestoreTrigger;
use std::sync::Arc;
use support::{World, audit_records, declaration};

/// Incident `id` declared with a 30-minute lease, and preflighted.
async fn declared_and_preflighted(world: &World, flow: &Flow, id: &str) {
    let asked = Declaration {
        ttl: Some(chrono::Duration::minutes(30)),
        ..declaration(id)
    };
    world.preflighted(flow, asked).await;
}

/// Moves the sandbox's main one commit ahead, as another engineer's push would.
fn someone_else_pushes(world: &World) -> String {
    let repo = git2::Repository::open_bare(world.sandbox.repo_path(&world.repo)).unwrap();
    let head = repo.find_reference("refs/heads/main").unwrap();
    let parent = head.peel_to_commit().unwrap();
    let signature = git2::Signature::now("Other", "other@example.com").unwrap();
    let oid = repo
        .commit(
            Some("refs/heads/main"),
            &signature,
            &signature,
            "Someone else's change",
            &parent.tree().unwrap(),
            &[&parent],
        )
        .unwrap();
    oid.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_confirmation_opens_pushes_and_restores_with_nothing_in_between() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    declared_and_preflighted(&world, &flow, "INC-1").await;
    let before = world.protection();
    let prepared = flow
        .prepare_window("INC-1", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    // Preparing changes nothing: no event, no protection change.
    assert_eq!(world.events("INC-1").last().unwrap(), "preflighted");
    assert_eq!(world.protection(), before);
    assert_eq!(prepared.number, 1);
    assert_eq!(prepared.commits.len(), 1);
    assert!(
        prepared.trailers[0].starts_with("Break-Glass-Incident: INC-1"),
        "{:?}",
        prepared.trailers
    );
    assert!(
        prepared.plan_words.contains("main"),
        "{}",
        prepared.plan_words
    );
    let text = prepared.confirmation_lines().join("\n");
    assert!(text.contains("Break-Glass-Audit: "), "{text}");
    assert!(text.contains(&prepared.commits[0].summary), "{text}");

    let report = flow.run_window(&prepared).await.unwrap();
    assert!(report.push.accepted);
    assert!(report.restore.verified, "{}", report.restore.summary());
    assert!(!report.needs_attention());
    assert_eq!(report.requests.relax_writes, 1);
    assert_eq!(report.requests.restore_writes, 1);
    assert!(report.exposure_seconds.is_some());
    assert_eq!(
        world.window_events("INC-1"),
        [
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored"
        ]
    );
    // The pushed head is the prepared one, trailers and all, and the glass is closed.
    assert_eq!(world.head(), prepared.new_sha);
    assert_eq!(world.protection(), before);
    let incident = flow.incident("INC-1").unwrap();
    assert!(incident.can_reopen());
    assert_eq!(
        incident.pushes[0].commits,
        std::slice::from_ref(&prepared.new_sha)
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_push_is_followed_by_the_restore_intent_at_once() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    declared_and_preflighted(&world, &flow, "INC-2").await;
    let before = world.protection();
    let prepared = flow
        .prepare_window("INC-2", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    // After the confirmation was shown, the branch moved: the push must be refused.
    let theirs = someone_else_pushes(&world);
    let report = flow.run_window(&prepared).await.unwrap();
    assert!(!report.push.accepted, "{:?}", report.push);
    assert!(report.push.status.is_some());
    assert!(report.restore.verified, "{}", report.restore.summary());
    assert_eq!(
        world.window_events("INC-2"),
        [
            "activation_intended",
            "activated",
            "push_intended",
            "push_rejected",
            "restore_intended",
            "restored"
        ]
    );
    let records = audit_records(world.home.path());
    let intent = records
        .iter()
        .find(|r| r["incident"] == "INC-2" && r["kind"] == "restore_intended")
        .unwrap();
    assert_eq!(intent["data"]["trigger"], "failure");
    assert_eq!(world.head(), theirs, "their commit stays");
    assert_eq!(world.protection(), before);
    let next = report.next_steps("origin", "main").join("\n");
    assert!(
        next.contains("git fetch origin && git rebase origin/main"),
        "{next}"
    );
    assert!(next.contains("follow-up window"), "{next}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_follow_up_window_reuses_the_snapshot_after_one_more_confirmation() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    declared_and_preflighted(&world, &flow, "INC-3").await;
    let before = world.protection();
    let first = flow
        .prepare_window("INC-3", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.run_window(&first).await.unwrap();
    world
        .commit("second.txt", "the second half of the fix")
        .await;

    let second = flow
        .prepare_window("INC-3", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    assert_eq!(second.number, 2);
    assert_eq!(second.old_sha, first.new_sha);
    assert_eq!(second.commits.len(), 1);
    assert_eq!(second.plan, first.plan, "the same relax plan");
    let report = flow.run_window(&second).await.unwrap();
    assert!(report.push.accepted);
    assert!(report.restore.verified, "{}", report.restore.summary());
    assert_eq!(world.head(), second.new_sha);
    assert_eq!(
        world.protection(),
        before,
        "the preflight's snapshot is back"
    );

    let events = world.events("INC-3");
    assert_eq!(
        events.iter().filter(|e| *e == "preflighted").count(),
        1,
        "no new snapshot: {events:?}"
    );
    let incident = flow.incident("INC-3").unwrap();
    assert_eq!(incident.windows.len(), 2);
    assert_eq!(incident.pushes.len(), 2);
    assert!(report.open_seconds_total >= report.exposure_seconds.unwrap());
    // A prepared window that was overtaken by another is refused, not run twice.
    let stale = flow.run_window(&second).await.unwrap_err();
    assert!(matches!(stale, FlowError::WrongPhase { .. }), "{stale}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lease_cap_bounds_the_total_open_time_across_windows() {
    let world = World::start().await;
    let clock = Arc::new(FakeClock::default_start());
    let flow = world.flow("window test").clock(clock.clone()).open().await;
    // The first window, with separate steps, stays open 100 of the 120 minutes the cap allows.
    declared_and_preflighted(&world, &flow, "INC-4").await;
    flow.activate("INC-4").await.unwrap();
    clock.advance(chrono::Duration::minutes(100));
    let restored = flow
        .restore("INC-4", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(restored.verified, "{}", restored.summary());

    let follow_up = flow
        .prepare_window("INC-4", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    assert_eq!(follow_up.number, 2);
    assert_eq!(follow_up.open_before, chrono::Duration::minutes(100));
    assert_eq!(
        follow_up.lease,
        chrono::Duration::minutes(20),
        "the 30 min asked for, cut to what the cap leaves"
    );
    let report = flow.run_window(&follow_up).await.unwrap();
    assert!(report.restore.verified, "{}", report.restore.summary());
    let deadline = report.activation.deadline;
    let lease = flow.incident("INC-4").unwrap().lease.unwrap();
    assert_eq!(deadline - lease.activated_at, chrono::Duration::minutes(20));

    // Another incident uses its whole cap in one window: no follow-up can open.
    declared_and_preflighted(&world, &flow, "INC-5").await;
    flow.activate("INC-5").await.unwrap();
    clock.advance(chrono::Duration::minutes(120));
    flow.restore("INC-5", RestoreTrigger::Operator)
        .await
        .unwrap();
    let refused = flow
        .prepare_window("INC-5", Some(&world.clone_dir()), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            refused,
            FlowError::CapReached {
                open_seconds: 7200,
                ..
            }
        ),
        "{refused}"
    );
    assert!(refused.to_string().contains("declare a new incident"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_needs_a_preflight_and_refuses_an_open_glass() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    flow.declare(Declaration {
        ttl: None,
        ..declaration("INC-6")
    })
    .await
    .unwrap();
    let early = flow
        .prepare_window("INC-6", Some(&world.clone_dir()), None)
        .await
        .unwrap_err();
    assert!(early.to_string().contains("run preflight first"), "{early}");
    flow.preflight("INC-6", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.activate("INC-6").await.unwrap();
    let open = flow
        .prepare_window("INC-6", Some(&world.clone_dir()), None)
        .await
        .unwrap_err();
    assert!(
        open.to_string().contains("the glass is open already"),
        "{open}"
    );
    flow.restore("INC-6", RestoreTrigger::Operator)
        .await
        .unwrap();
}

mod one_shot_cli {
    use super::*;
    use breakglass::flow::LedgerView;
    use breakglass::review::ReviewFacts;
    use breakglass::runbook::Runbook;
    use serde_json::Value;
    use std::process::Output;
    use support::{REASON, text_of};

    async fn one_shot(world: &World, id: &str, extra: &[&str]) -> std::process::Output {
        let dir = world.clone_dir();
        let mut args = vec![
            "push",
            "--repo",
            "acme/api",
            "--incident",
            id,
            "--reason",
            REASON,
            "--repo-dir",
            dir.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        // No terminal: the test's stdin is not one.
        world.bg(&args).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn push_declares_preflights_and_runs_the_window_in_one_go_with_yes() {
        let world = World::start().await;
        let before = world.protection();
        let out = one_shot(&world, "INC-7", &["--yes", "--json"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["incident"], "INC-7");
        assert_eq!(report["window"], 1);
        assert!(
            report["exposure_seconds"].as_f64().unwrap() > 0.0,
            "{report}"
        );
        // Every round trip of the window, as our client counted it: the relax write, git's
        // ref discovery and pack, and the restore's drift read, write and verifying read.
        let requests = &report["requests"];
        assert_eq!(requests["total"], 6, "{requests}");
        assert_eq!(requests["api"], 4, "{requests}");
        assert_eq!(requests["git"], 2, "{requests}");
        assert_eq!(requests["relax_writes"], 1, "{requests}");
        assert_eq!(requests["restore_writes"], 1, "{requests}");
        assert_eq!(report["commits"].as_array().unwrap().len(), 1);
        assert_eq!(report["push"]["accepted"], true);
        assert_eq!(report["restore"]["verified"], true);
        let pushed = report["push"]["new_sha"].as_str().unwrap();
        assert_eq!(world.head(), pushed);
        // The plan and the commits were shown (on stderr, since stdout holds the JSON).
        let shown = String::from_utf8_lossy(&out.stderr);
        assert!(shown.contains("relax plan"), "{shown}");
        assert!(shown.contains("Break-Glass-Incident: INC-7"), "{shown}");
        assert_eq!(
            world.events("INC-7"),
            [
                "declared",
                "preflighted",
                "activation_intended",
                "activated",
                "push_intended",
                "pushed",
                "restore_intended",
                "restored"
            ]
        );
        assert_eq!(world.protection(), before);
        world.kill_watchdog("INC-7");

        // A follow-up fix: same incident, one more confirmation, the same snapshot.
        world.commit("more.txt", "the rest of the fix").await;
        let dir = world.clone_dir();
        let out = world
            .bg(&[
                "push",
                "--incident",
                "INC-7",
                "--repo-dir",
                dir.to_str().unwrap(),
                "--yes",
            ])
            .await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains("incident INC-7: window 2 — the glass was open"),
            "{said}"
        );
        assert!(said.contains(", 6 forge request(s): 4 API"), "{said}");
        assert!(said.contains("protections restored and verified"), "{said}");
        let events = world.events("INC-7");
        assert_eq!(events.iter().filter(|e| *e == "preflighted").count(), 1);
        assert_eq!(events.iter().filter(|e| *e == "restored").count(), 2);
        assert_eq!(world.protection(), before);
        world.kill_watchdog("INC-7");
        world.assert_chain_verifies().await;
    }

    /// `breakglass push --incident ID --reason R --yes` in the clone: a follow-up window.
    async fn follow_up(world: &World, id: &str, reason: &str, env: &[(&str, &str)]) -> Output {
        let dir = world.clone_dir();
        let args = [
            "push",
            "--incident",
            id,
            "--reason",
            reason,
            "--repo-dir",
            dir.to_str().unwrap(),
            "--yes",
        ];
        world.bg_env(&args, env).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_follow_up_window_records_its_reason_for_the_review_and_status() {
        let world = World::start().await;
        let out = one_shot(&world, "INC-11", &["--yes"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        world.kill_watchdog("INC-11");
        world.commit("more.txt", "the rest of the fix").await;
        let second = "the rest of the fix — https://tickets.example.com/INC-1#2";
        let out = follow_up(&world, "INC-11", second, &[]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        world.kill_watchdog("INC-11");
        assert!(
            String::from_utf8_lossy(&out.stdout)
                .contains(&format!("reason for this window: {second}")),
            "shown before the confirmation: {}",
            text_of(&out)
        );

        // The first window's reason is the declaration's; the follow-up's is its own.
        let intents: Vec<Value> = audit_records(world.home.path())
            .into_iter()
            .filter(|r| r["incident"] == "INC-11" && r["kind"] == "activation_intended")
            .map(|r| r["data"].clone())
            .collect();
        assert_eq!(intents.len(), 2);
        assert!(intents[0].get("reason").is_none(), "{}", intents[0]);
        assert_eq!(intents[1]["reason"], second);
        let ledger = LedgerView::read(&world.home.path().join("data/audit.jsonl"));
        let incident = ledger.incidents.iter().find(|i| i.id == "INC-11").unwrap();
        let facts = ReviewFacts::of(incident, &Runbook::default_github(), chrono::Utc::now());
        let md = facts.to_markdown();
        assert_eq!(md.matches("— reason: ").count(), 1, "{md}");
        assert!(md.contains(&format!("— reason: {second}")), "{md}");

        // A third window dies with the glass open: status says why it was opened.
        world.commit("last.txt", "the last bit").await;
        let third = "one more config line — https://tickets.example.com/INC-1#3";
        let crashed = [("BREAKGLASS_FAILPOINT", "after:activated")];
        let out = follow_up(&world, "INC-11", third, &crashed).await;
        assert_eq!(out.status.code(), None, "killed: {}", text_of(&out));
        let out = world.bg(&["status"]).await;
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.contains(&format!("INC-11: window 3 — {third}")),
            "{said}"
        );
        let out = world.bg(&["status", "--json"]).await;
        let status: Value = serde_json::from_slice(&out.stdout).unwrap();
        let windows = &status["open"][0]["windows"];
        assert_eq!(windows[1]["reason"], second, "{status}");
        assert_eq!(windows[2]["reason"], third, "{status}");
        let out = world.bg(&["restore", "--incident", "INC-11"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        world.kill_watchdog("INC-11");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_yes_and_without_a_terminal_push_refuses_and_changes_nothing() {
        let world = World::start().await;
        let before = (world.protection(), world.head());
        let out = one_shot(&world, "INC-8", &[]).await;
        assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("no terminal to confirm on"), "{said}");
        assert!(said.contains("--yes"), "{said}");
        // The plan and the commits were shown before the refusal.
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(shown.contains("commits to push onto main"), "{shown}");
        assert_eq!(world.events("INC-8"), ["declared", "preflighted"]);
        assert_eq!((world.protection(), world.head()), before);

        // The same command with --yes picks the declared incident up.
        let out = one_shot(&world, "INC-8", &["--yes"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        world.kill_watchdog("INC-8");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_new_incident_needs_repo_and_reason_to_be_declared() {
        let world = World::start().await;
        let out = world.bg(&["push", "--incident", "INC-9", "--yes"]).await;
        assert_eq!(out.status.code(), Some(1), "{}", text_of(&out));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("pass --repo OWNER/NAME and --reason"),
            "{said}"
        );
        assert!(world.events("INC-9").is_empty());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn with_the_glass_already_open_push_only_pushes_and_says_how_long_it_is_open() {
        let world = World::start().await;
        let out = world.activate("INC-10", "20m", &[]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        let dir = world.clone_dir();
        let out = world
            .bg(&[
                "push",
                "--incident",
                "INC-10",
                "--repo-dir",
                dir.to_str().unwrap(),
            ])
            .await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("the glass has been OPEN for"), "{said}");
        assert!(
            said.contains("next: breakglass restore --incident INC-10"),
            "{said}"
        );
        assert_eq!(world.events("INC-10").last().unwrap(), "pushed");
        let out = world.bg(&["restore", "--incident", "INC-10"]).await;
        assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
        world.kill_watchdog("INC-10");
    }
}
