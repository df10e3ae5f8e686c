//! The round trips of a break-glass, counted in the sandbox's request log: preflight asks
//! each thing once, a few requests deep; the window (activation intent → verified
//! restore) sends only the relaxation, one ref discovery and the pack, and the restore's
//! read, write and verifying read — with the real detached watchdog running meanwhile.
//! The window's report counts the same requests on the client's side, retries included.

mod support;

use breakglass::forge::sandbox::{Fault, RequestRecord};
use breakglass::incident::RestoreTrigger;
use std::collections::BTreeSet;
use std::time::Duration;
use support::{World, declaration, eventually};

fn lines(records: &[RequestRecord]) -> Vec<String> {
    records
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

/// The longest chain of requests each of which arrived after the previous one was
/// answered: how many round trips a client waited, at most. Records are in answer order.
fn depth(records: &[RequestRecord]) -> usize {
    let first = records.first().map_or(0, |r| r.answered_before);
    let mut depths: Vec<usize> = Vec::new();
    for record in records {
        let waited_for = record.answered_before.saturating_sub(first);
        let deepest_before = depths[..waited_for.min(depths.len())]
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
        depths.push(deepest_before + 1);
    }
    depths.into_iter().max().unwrap_or(0)
}

#[test]
fn depth_counts_waits_not_requests() {
    let record = |answered_before| RequestRecord {
        method: "GET".into(),
        path: "/x".into(),
        status: 200,
        duration_ms: 0,
        time: chrono::Utc::now(),
        user: None,
        fault: None,
        answered_before,
    };
    // Three in flight together, then one sent after the first answer, then one after all.
    let log = [record(5), record(5), record(5), record(6), record(9)];
    assert_eq!(depth(&log), 3);
    let sequential: Vec<_> = (0..4).map(record).collect();
    assert_eq!(depth(&sequential), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preflight_asks_each_thing_once_at_most_three_round_trips_deep() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    flow.declare(declaration("INC-P")).await.unwrap();
    // Every answer late, so that requests sent together are seen in flight together.
    world
        .sandbox
        .add_fault(Fault::parse("*:*=latency:200ms").unwrap());
    let before = world.sandbox.request_log().len();
    let report = flow
        .preflight("INC-P", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    assert_eq!(report.commits.len(), 1);
    let seen = world.sandbox.request_log().split_off(before);
    let said = lines(&seen);
    assert!(seen.len() <= 8, "{said:#?}");
    let distinct: BTreeSet<&String> = said.iter().collect();
    assert_eq!(distinct.len(), said.len(), "asked twice: {said:#?}");
    assert!(
        seen.iter().all(|r| r.status != 401),
        "git waited for a credential challenge: {said:#?}"
    );
    assert!(depth(&seen) <= 3, "{} deep: {said:#?}", depth(&seen));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_sends_six_requests_watchdog_included() {
    let world = World::start().await;
    let flow = world.flow("window test").watchdog().open().await;
    world.preflighted(&flow, declaration("INC-W")).await;
    let before = world.sandbox.request_log().len();
    flow.activate("INC-W").await.unwrap();
    let pid = world.watchdog_pid("INC-W").expect("a watchdog was started");
    flow.push("INC-W", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    let restored = flow
        .restore("INC-W", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(restored.verified, "{}", restored.summary());
    // The watchdog sees the closed glass and exits; whatever it asked is in the log then.
    let gone = eventually(Duration::from_secs(20), || has_exited(pid)).await;
    world.kill_watchdog("INC-W");
    assert!(gone, "the watchdog did not exit after the restore");
    let said = lines(&world.sandbox.request_log().split_off(before));
    assert_eq!(
        said,
        [
            "DELETE /repos/acme/api/branches/main/protection/enforce_admins 204",
            "GET /git/acme/api.git/info/refs?service=git-receive-pack 200",
            "POST /git/acme/api.git/git-receive-pack 200",
            "GET /repos/acme/api/branches/main/protection 200",
            "POST /repos/acme/api/branches/main/protection/enforce_admins 200",
            "GET /repos/acme/api/branches/main/protection 200",
        ]
    );
    assert_eq!(
        world.window_events("INC-W"),
        [
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored"
        ]
    );
    assert_eq!(world.head(), restored_head(&world));
}

/// Gone, or a zombie: the watchdog is this process's child, and nobody reaps it here.
fn has_exited(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
        Err(_) => true,
    }
}

fn restored_head(world: &World) -> String {
    let pushed = support::audit_records(world.home.path())
        .into_iter()
        .find(|r| r["kind"] == "pushed")
        .expect("a pushed event");
    pushed["data"]["new_sha"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clone_without_the_window_s_head_fetches_it_before_pushing() {
    use breakglass::flow::FlowError;
    use breakglass::git::GitError;
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    world.preflighted(&flow, declaration("INC-F")).await;
    flow.activate("INC-F").await.unwrap();
    // A second clone with a fix of its own, made before the first push: it lacks the head
    // that push moves the branch to.
    let other = world.work.path().join("other");
    let (url, token, dir) = (
        world.sandbox.clone_url(&world.repo),
        world.token.clone(),
        other.clone(),
    );
    tokio::task::spawn_blocking(move || breakglass::drill::clone_with_fix(&url, &dir, &token))
        .await
        .unwrap()
        .unwrap();
    flow.push("INC-F", Some(&world.clone_dir()), None)
        .await
        .unwrap();

    let before = world.sandbox.request_log().len();
    let error = flow.push("INC-F", Some(&other), None).await.unwrap_err();
    let said = lines(&world.sandbox.request_log().split_off(before));
    // Fetched, so the refusal is the actionable one (rebase), not "this clone lacks it".
    assert!(
        matches!(error, FlowError::Git(GitError::NotFastForward { .. })),
        "{error}"
    );
    assert!(
        said.first().is_some_and(
            |l| l.starts_with("GET /git/acme/api.git/info/refs?service=git-upload-pack")
        ),
        "{said:#?}"
    );
    assert!(
        !said.iter().any(|l| l.contains("receive-pack")),
        "{said:#?}"
    );
    flow.restore("INC-F", RestoreTrigger::Operator)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_confirmed_window_sends_six_requests_watchdog_included() {
    let world = World::start().await;
    let flow = world.flow("window test").watchdog().open().await;
    world.preflighted(&flow, declaration("INC-O")).await;
    let prepared = flow
        .prepare_window("INC-O", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    let before = world.sandbox.request_log().len();
    let report = flow.run_window(&prepared).await.unwrap();
    assert!(report.restore.verified, "{}", report.restore.summary());
    let pid = report
        .activation
        .watchdog_pid
        .expect("a watchdog was started");
    let gone = eventually(Duration::from_secs(20), || has_exited(pid as i32)).await;
    world.kill_watchdog("INC-O");
    assert!(gone, "the watchdog did not exit after the restore");
    let said = lines(&world.sandbox.request_log().split_off(before));
    assert_eq!(
        said,
        [
            "DELETE /repos/acme/api/branches/main/protection/enforce_admins 204",
            "GET /git/acme/api.git/info/refs?service=git-receive-pack 200",
            "POST /git/acme/api.git/git-receive-pack 200",
            "GET /repos/acme/api/branches/main/protection 200",
            "POST /repos/acme/api/branches/main/protection/enforce_admins 200",
            "GET /repos/acme/api/branches/main/protection 200",
        ]
    );
    // The report counts the same six, on our side of the wire, and names each kind.
    let counted = report.requests;
    assert_eq!(
        (counted.total, counted.api, counted.git),
        (6, 4, 2),
        "{counted:?}"
    );
    assert_eq!((counted.relax_writes, counted.restore_writes), (1, 1));
    assert_eq!(
        world.window_events("INC-O"),
        [
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_request_counts_again_as_the_forge_saw_it() {
    let world = World::start().await;
    let flow = world.flow("window test").open().await;
    world.preflighted(&flow, declaration("INC-R")).await;
    let prepared = flow
        .prepare_window("INC-R", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    // The restore's drift read fails once; the client asks again.
    world
        .sandbox
        .add_fault(Fault::parse("get:/repos/*/branches/*/protection=502x1").unwrap());
    let before = world.sandbox.request_log().len();
    let report = flow.run_window(&prepared).await.unwrap();
    assert!(report.restore.verified, "{}", report.restore.summary());
    let said = lines(&world.sandbox.request_log().split_off(before));
    assert!(
        said.contains(&"GET /repos/acme/api/branches/main/protection 502".to_owned()),
        "{said:#?}"
    );
    assert_eq!(report.requests.total, said.len(), "{said:#?}");
    assert_eq!((report.requests.api, report.requests.git), (5, 2));
}
