//! The mirror following a real break-glass against the sandbox forge over loopback: the
//! issue's title, labels and live body, one line per audit event in order with the right
//! chain heads, the snapshot once; catching up after the forge answered 503 for a while
//! (nothing lost, nothing twice); `audit verify --against-forge` passing, then failing on
//! a log rewritten from scratch.

mod common;
mod flow_support;

use breakglass::audit::{AuditLog, NewEntry, Record, read_verified};
use breakglass::clock::{Clock, FakeClock, SystemClock};
use breakglass::config::{ApprovalConfig, Config};
use breakglass::flow::{Declaration, Flow, FlowOptions, FlowSetup, FlowSleeper};
use breakglass::forge::github::RecordingSleeper;
use breakglass::forge::port::{IssueComment, IssueState};
use breakglass::forge::sandbox::Fault;
use breakglass::forge::{Forge, GitHubForge, GitHubForgeOptions};
use breakglass::incident::RestoreTrigger;
use breakglass::mirror::{
    self, LABEL, LABEL_OPEN, mirrored_events, parse_snapshot_comment, read_progress,
};
use breakglass::paths::Paths;
use common::sandbox::{api, forge_with};
use flow_support::{REASON, World, text_of};
use std::sync::Arc;
use std::time::Duration;

const SETTLE: Duration = Duration::from_secs(30);

async fn mirrored_flow(world: &World) -> (Flow, Arc<GitHubForge>) {
    let (forge, _) = forge_with(&world.sandbox, "commander", GitHubForgeOptions::unspaced());
    let forge = Arc::new(forge);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let flow = Flow::open(FlowSetup {
        paths: Paths::under(world.home.path()),
        // The two-person rule has its own tests (flow_approval.rs, approve_cli.rs).
        config: Config {
            approval: ApprovalConfig {
                required: false,
                ..ApprovalConfig::default()
            },
            ..Config::default()
        },
        clock,
        forge: forge.clone(),
        token: Some(world.token.clone()),
        options: FlowOptions {
            command: "mirror test".into(),
            spawn_watchdog: false,
            api_url: world.sandbox.api_url(),
            // Retry pauses are recorded, not slept.
            sleeper: FlowSleeper(Arc::new(RecordingSleeper::new())),
            mirror: true,
            ..FlowOptions::default()
        },
    })
    .await
    .unwrap();
    (flow, forge)
}

async fn declare(flow: &Flow, id: &str) {
    flow.declare(Declaration {
        id: id.into(),
        repo: "acme/api".parse().unwrap(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: Some(chrono::Duration::minutes(20)),
        drill: false,
        remote_url: None,
    })
    .await
    .unwrap();
}

fn records_of(world: &World, id: &str) -> Vec<Record> {
    read_verified(&Paths::under(world.home.path()).audit_log())
        .unwrap()
        .into_iter()
        .filter(|r| r.incident.as_deref() == Some(id))
        .collect()
}

async fn comments(forge: &GitHubForge, number: u64) -> Vec<IssueComment> {
    forge.issue_comments(&api(), number, None).await.unwrap()
}

/// Every event of the incident is on the issue exactly once, in order, with its kind,
/// time and the chain head after it.
fn assert_mirrored_exactly(records: &[Record], comments: &[IssueComment], id: &str) {
    let on_issue = mirrored_events(comments, id);
    let seqs: Vec<u64> = on_issue.iter().map(|e| e.seq).collect();
    let local: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, local, "one line per event, in order, none twice");
    for (event, record) in on_issue.iter().zip(records) {
        assert_eq!(event.kind, record.kind);
        assert_eq!(event.head, record.hash, "seq {}", record.seq);
        assert_eq!(event.ts, record.ts_text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issue_follows_the_break_glass_from_declaration_to_verified_restore() {
    let world = World::start().await;
    let (flow, forge) = mirrored_flow(&world).await;
    declare(&flow, "INC-1").await;
    flow.preflight("INC-1", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.activate("INC-1").await.unwrap();
    assert!(flow.settle_mirror(SETTLE).await);

    let issue = mirror::find(forge.as_ref(), &api(), "INC-1")
        .await
        .unwrap()
        .expect("the issue was opened at declaration");
    let open = forge.issue(&api(), issue.number).await.unwrap();
    assert_eq!(
        open.title,
        "[break-glass] INC-1: checkout returns 500 — https://tickets.example.com/INC-1"
    );
    assert_eq!(open.labels, [LABEL, LABEL_OPEN], "the glass is open");
    assert_eq!(open.state, IssueState::Open);
    assert!(
        open.body
            .contains("| Phase | active — the glass may be open |"),
        "{}",
        open.body
    );
    assert!(
        open.body.contains("| Commander | commander |"),
        "{}",
        open.body
    );
    assert!(
        open.body.contains("so that commander (admin) can push"),
        "{}",
        open.body
    );
    assert_mirrored_exactly(
        &records_of(&world, "INC-1"),
        &comments(&forge, issue.number).await,
        "INC-1",
    );

    flow.push("INC-1", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    let restored = flow
        .restore("INC-1", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(restored.verified, "{}", restored.summary());
    assert!(flow.settle_mirror(SETTLE).await);

    let after = forge.issue(&api(), issue.number).await.unwrap();
    assert_eq!(
        after.labels,
        [LABEL],
        "a verified restore takes breakglass:open off"
    );
    assert_eq!(
        after.state,
        IssueState::Open,
        "the review is not submitted yet"
    );
    assert!(
        after.body.contains("| Restore | verified at "),
        "{}",
        after.body
    );
    let pushed_sha = world.head();
    assert!(after.body.contains(&pushed_sha[..12]), "{}", after.body);

    let all = comments(&forge, issue.number).await;
    assert_mirrored_exactly(&records_of(&world, "INC-1"), &all, "INC-1");
    let snapshots: Vec<_> = all
        .iter()
        .filter(|c| mirror::snapshot_marker("INC-1").is_in(&c.body))
        .collect();
    assert_eq!(snapshots.len(), 1, "the snapshot is posted once");
    let posted = parse_snapshot_comment(&snapshots[0].body).unwrap();
    let incident = flow.incident("INC-1").unwrap();
    let preflight = incident.preflight.unwrap();
    assert_eq!(posted.snapshot, preflight.snapshot);
    assert_eq!(posted.pre_sha, preflight.pre_sha);
    assert_eq!(
        read_progress(&world.home.path().join("state"), "INC-1").mirrored_up_to,
        records_of(&world, "INC-1").last().unwrap().seq
    );

    // The whole log agrees with the heads on the issue.
    let verified = world
        .bg(&["audit", "verify", "--against-forge", "--incident", "INC-1"])
        .await;
    assert!(verified.status.success(), "{}", text_of(&verified));
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(said.contains("ok: INC-1: "), "{said}");

    // A log rewritten from scratch (a valid chain, other events) is caught at seq 1.
    let log_path = Paths::under(world.home.path()).audit_log();
    let original = read_verified(&log_path).unwrap();
    drop(flow);
    std::fs::remove_file(&log_path).unwrap();
    let clock = FakeClock::at(original[0].ts + chrono::Duration::seconds(7));
    let mut log = AuditLog::open(log_path.clone(), Arc::new(clock)).unwrap();
    for r in &original {
        log.append(NewEntry {
            incident: r.incident.clone(),
            actor: r.actor.clone(),
            kind: r.kind.clone(),
            data: r.data.clone(),
        })
        .unwrap();
    }
    drop(log);
    let plain = world.bg(&["audit", "verify"]).await;
    assert!(
        plain.status.success(),
        "the rewritten chain verifies locally: {}",
        text_of(&plain)
    );
    let caught = world
        .bg(&["audit", "verify", "--against-forge", "--incident", "INC-1"])
        .await;
    assert_eq!(caught.status.code(), Some(1), "{}", text_of(&caught));
    let said = String::from_utf8_lossy(&caught.stdout);
    assert!(said.contains("MISMATCH: INC-1: seq 1:"), "{said}");
    assert!(said.contains("rewritten"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_forge_answered_503_the_mirror_catches_up_with_nothing_lost_or_twice() {
    let world = World::start().await;
    let (flow, forge) = mirrored_flow(&world).await;
    declare(&flow, "INC-2").await;
    assert!(flow.settle_mirror(SETTLE).await);
    // From here the issue endpoints fail; the break-glass itself does not.
    world
        .sandbox
        .add_fault(Fault::parse("*:/repos/acme/api/issues*=503").unwrap());
    flow.preflight("INC-2", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.activate("INC-2").await.unwrap();
    flow.restore("INC-2", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(
        flow.settle_mirror(SETTLE).await,
        "the mirror gave up for now"
    );
    let records = records_of(&world, "INC-2");
    let state_dir = world.home.path().join("state");
    let (progress, behind) = mirror::behind_by(
        &state_dir,
        &read_verified(&Paths::under(world.home.path()).audit_log()).unwrap(),
        "INC-2",
    );
    assert_eq!(behind, records.len() - 1, "only `declared` made it");
    assert_eq!(
        progress.summary(behind).unwrap(),
        format!(
            "mirror behind by {} events — last attempt failed: {}",
            behind,
            progress.last_error.clone().unwrap()
        )
    );
    assert!(progress.last_error.unwrap().contains("503"));

    // The forge is back: the next command catches up.
    world.sandbox.clear_faults();
    flow.catch_up_mirror();
    assert!(flow.settle_mirror(SETTLE).await);
    let issue = mirror::find(forge.as_ref(), &api(), "INC-2")
        .await
        .unwrap()
        .unwrap();
    let all = comments(&forge, issue.number).await;
    assert_mirrored_exactly(&records, &all, "INC-2");
    assert_eq!(
        all.iter()
            .filter(|c| mirror::snapshot_marker("INC-2").is_in(&c.body))
            .count(),
        1
    );
    let (_, behind) = mirror::behind_by(
        &state_dir,
        &read_verified(&Paths::under(world.home.path()).audit_log()).unwrap(),
        "INC-2",
    );
    assert_eq!(behind, 0);
    let issues_posted = world
        .sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/repos/acme/api/issues" && r.status == 201)
        .count();
    assert_eq!(issues_posted, 1, "one issue");
}
