//! How the incident issue ends, against the sandbox forge over loopback: an incident that
//! pushed keeps its issue open until the review is signed off, then the submitted review
//! is the issue's last comment (once) and the issue is closed; a label someone adds while
//! the mirror changes its own survives; and catching up lists only the comments newer
//! than the last sync (GitHub's `since`), with nothing lost or posted twice.

mod common;
mod flow_support;

use breakglass::audit::{AuditLog, NewEntry, read_verified};
use breakglass::clock::{Clock, FakeClock, SystemClock};
use breakglass::config::{ApprovalConfig, Config};
use breakglass::flow::{Declaration, Flow, FlowOptions, FlowSetup, FlowSleeper};
use breakglass::forge::github::{ClientOptions, RecordingSleeper};
use breakglass::forge::github::{Request, repo_path};
use breakglass::forge::port::{IssueComment, IssueState};
use breakglass::forge::sandbox::{Fault, Sandbox, SandboxHandle, SandboxOptions};
use breakglass::forge::{Forge, GitHubForge, GitHubForgeOptions, RepoId};
use breakglass::incident::{IncidentEvent, RestoreTrigger};
use breakglass::mirror::{
    self, LABEL, LABEL_OPEN, Mirror, mirrored_events, read_progress, review_marker,
};
use breakglass::paths::Paths;
use breakglass::review::ReviewForm;
use chrono::{DateTime, Duration, Utc};
use common::sandbox::{api, client_as, forge_as, forge_with};
use flow_support::{REASON, World, audit_records, eventually, text_of};
use serde_json::{Value, json};
use std::sync::Arc;

const WAIT: std::time::Duration = std::time::Duration::from_secs(30);

async fn comments(forge: &GitHubForge, repo: &RepoId, number: u64) -> Vec<IssueComment> {
    forge.issue_comments(repo, number, None).await.unwrap()
}

/// The seq of incident `id`'s latest `review_submitted` event.
fn review_seq(world: &World, id: &str) -> u64 {
    audit_records(world.home.path())
        .iter()
        .rev()
        .find(|r| r["incident"] == id && r["kind"] == "review_submitted")
        .and_then(|r| r["seq"].as_u64())
        .expect("a submitted review")
}

async fn approve(sandbox: &SandboxHandle, login: &str, number: u64) {
    let path = repo_path(&api(), &["pulls", &number.to_string(), "reviews"]);
    client_as(sandbox, login)
        .execute(&Request::post_idempotent(
            path,
            Some(json!({"event": "APPROVE"})),
        ))
        .await
        .unwrap_or_else(|e| panic!("{login} approves: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_issue_closes_at_sign_off_with_the_submitted_review_as_its_last_comment() {
    let world = World::start().await;
    let number = world.pushed_and_under_review("INC-1").await;

    // The form is submitted (as `review --form` does without a token); the next command
    // catches the issue up, which stays open: the push is not signed off yet.
    let paths = Paths::under(world.home.path());
    let mut form = ReviewForm::new("INC-1");
    form.summary = "Checkout returned 500s; the timeout was rolled back.".into();
    form.lessons = "Canary the timeout changes.".into();
    breakglass::tui::effects::submit(&paths, Arc::new(SystemClock), "commander", &form).unwrap();
    let listed = world.bg(&["status"]).await;
    assert_eq!(listed.status.code(), Some(0), "{}", text_of(&listed));
    let (forge, _) = forge_as(&world.sandbox, "commander");
    let issue = mirror::find(&forge, &api(), "INC-1")
        .await
        .unwrap()
        .expect("the incident issue");
    let submitted = review_seq(&world, "INC-1");
    let before = comments(&forge, &api(), issue.number).await;
    assert!(
        mirrored_events(&before, "INC-1")
            .iter()
            .any(|e| e.seq == submitted && e.kind == "review_submitted"),
        "the submission is on the issue as an event"
    );
    assert_eq!(
        forge.issue(&api(), issue.number).await.unwrap().state,
        IssueState::Open,
        "restored and reviewed, but the push is not signed off"
    );
    let marker = review_marker("INC-1", submitted);
    assert!(
        !before.iter().any(|c| marker.is_in(&c.body)),
        "the review is posted as the incident closes, not before"
    );

    // A third person approves; the next command signs off, and the issue follows.
    approve(&world.sandbox, "reviewer", number).await;
    let signed = world.bg(&["status"]).await;
    assert_eq!(signed.status.code(), Some(0), "{}", text_of(&signed));
    // The command lets its mirror finish before it exits; a slow machine's leftovers are
    // caught up by the next command.
    let mut state = IssueState::Open;
    for _ in 0..3 {
        for _ in 0..50 {
            state = forge.issue(&api(), issue.number).await.unwrap().state;
            if state == IssueState::Closed {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if state == IssueState::Closed {
            break;
        }
        world.bg(&["status"]).await;
    }
    assert_eq!(state, IssueState::Closed, "closed at sign-off");
    let after = comments(&forge, &api(), issue.number).await;
    let last = after.last().unwrap();
    assert!(marker.is_in(&last.body), "the review is the last comment");
    for wanted in [
        "# Post-incident review: INC-1",
        "## Facts from the audit log",
        "signed off by reviewer",
        "## Summary\n\nCheckout returned 500s; the timeout was rolled back.",
        "## Lessons learned\n\nCanary the timeout changes.",
    ] {
        assert!(last.body.contains(wanted), "{wanted:?} in {}", last.body);
    }
    let signed_off = mirrored_events(&after, "INC-1");
    assert_eq!(
        signed_off.last().map(|e| e.kind.as_str()),
        Some("review_signed_off"),
        "every event is on the issue before the review"
    );

    // A sync that knows nothing (the progress file gone, as on another machine) reads the
    // issue back, posts nothing twice and leaves it closed.
    std::fs::remove_file(mirror::progress_path(&paths.state_dir, "INC-1")).unwrap();
    let again = world.bg(&["review", "--incident", "INC-1", "--json"]).await;
    assert!(again.status.success(), "{}", text_of(&again));
    assert!(
        read_progress(&paths.state_dir, "INC-1").synced_at.is_some(),
        "the command synced the issue again"
    );
    let last_look = comments(&forge, &api(), issue.number).await;
    assert_eq!(
        last_look.iter().filter(|c| marker.is_in(&c.body)).count(),
        1,
        "the review is posted once"
    );
    assert_eq!(last_look.len(), after.len());
    assert_eq!(
        forge.issue(&api(), issue.number).await.unwrap().state,
        IssueState::Closed
    );
}

/// A flow on the world's sandbox with the two-person rule off and no mirror of its own:
/// the tests sync the issue themselves, at the moments they choose.
async fn quiet_flow(world: &World) -> Flow {
    let (forge, _) = forge_with(&world.sandbox, "commander", GitHubForgeOptions::unspaced());
    Flow::open(FlowSetup {
        paths: Paths::under(world.home.path()),
        config: Config {
            approval: ApprovalConfig {
                required: false,
                ..ApprovalConfig::default()
            },
            ..Config::default()
        },
        clock: Arc::new(SystemClock),
        forge: Arc::new(forge),
        token: Some(world.token.clone()),
        options: FlowOptions {
            command: "mirror closing test".into(),
            spawn_watchdog: false,
            api_url: world.sandbox.api_url(),
            sleeper: FlowSleeper(Arc::new(RecordingSleeper::new())),
            ..FlowOptions::default()
        },
    })
    .await
    .unwrap()
}

/// A mirror on `sandbox` as the commander, whose requests may take their time (an
/// attempt is given the client's default 10 s).
fn mirror_on(sandbox: &SandboxHandle, paths: &Paths, clock: Arc<dyn Clock>) -> Arc<Mirror> {
    let forge = GitHubForge::connect(
        &sandbox.api_url(),
        sandbox.token("commander"),
        ClientOptions {
            sleeper: Arc::new(RecordingSleeper::new()),
            ..ClientOptions::default()
        },
        GitHubForgeOptions::unspaced(),
    )
    .unwrap();
    Mirror::new(
        Arc::new(forge),
        sandbox.api_url(),
        Config::default(),
        paths,
        clock,
        Arc::new(RecordingSleeper::new()),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_label_someone_adds_while_the_mirror_relabels_survives() {
    let world = World::start().await;
    let flow = quiet_flow(&world).await;
    flow.declare(Declaration {
        id: "INC-5".into(),
        repo: api(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: Some(Duration::minutes(20)),
        drill: false,
        remote_url: None,
    })
    .await
    .unwrap();
    flow.preflight("INC-5", Some(&world.clone_dir()), None)
        .await
        .unwrap();
    flow.activate("INC-5").await.unwrap();
    let paths = Paths::under(world.home.path());
    let mirror = mirror_on(&world.sandbox, &paths, Arc::new(SystemClock));
    let issue = mirror.sync_now("INC-5").await.unwrap().issue;
    let (forge, _) = forge_as(&world.sandbox, "commander");
    assert_eq!(
        forge.issue(&api(), issue.number).await.unwrap().labels,
        [LABEL, LABEL_OPEN]
    );
    let restored = flow
        .restore("INC-5", RestoreTrigger::Operator)
        .await
        .unwrap();
    assert!(restored.verified, "{}", restored.summary());

    // The issue's PATCH is slow; the moment its answer (the labels as they were) is out,
    // a person labels the issue, while the mirror goes on to take `breakglass:open` off.
    let patch = format!("/repos/acme/api/issues/{}", issue.number);
    world
        .sandbox
        .add_fault(Fault::parse(&format!("patch:{patch}=latency:3s")).unwrap());
    let patches = |sandbox: &SandboxHandle| {
        sandbox
            .request_log()
            .iter()
            .filter(|r| r.method == "PATCH" && r.path == patch)
            .count()
    };
    let before = patches(&world.sandbox);
    let syncing = tokio::spawn({
        let mirror = mirror.clone();
        async move { mirror.sync_now("INC-5").await }
    });
    assert!(
        eventually(WAIT, || patches(&world.sandbox) > before).await,
        "the mirror's PATCH was answered: {:?} {:?}",
        world
            .sandbox
            .request_log()
            .iter()
            .rev()
            .take(12)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect::<Vec<_>>(),
        syncing.is_finished()
    );
    client_as(&world.sandbox, "dev")
        .add_issue_labels(&api(), issue.number, &["sev1".to_owned()])
        .await
        .unwrap();
    syncing.await.unwrap().unwrap();
    world.sandbox.clear_faults();

    let mut labels = forge.issue(&api(), issue.number).await.unwrap().labels;
    labels.sort();
    assert_eq!(
        labels,
        [LABEL, "sev1"],
        "the person's label stays; breakglass's own went"
    );
    let label_writes: Vec<String> = world
        .sandbox
        .request_log()
        .iter()
        .filter(|r| r.user.as_deref() == Some("commander") && r.method != "GET")
        .filter(|r| r.path.starts_with(&format!("{patch}/labels")))
        .map(|r| {
            let path = percent_encoding::percent_decode_str(&r.path).decode_utf8_lossy();
            format!("{} {path}", r.method)
        })
        .collect();
    assert_eq!(
        label_writes,
        [format!("DELETE {patch}/labels/breakglass:open")],
        "one label at a time, never the whole list"
    );
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_796_166_000 + secs, 0).unwrap()
}

/// Appends `count` ticked steps to incident `id` (a long incident's chatter).
fn steps(log: &mut AuditLog, id: &str, count: usize) {
    for n in 0..count {
        let (kind, data) = IncidentEvent::StepDone {
            step: format!("note-{n}"),
            note: None,
        }
        .to_parts();
        log.append(NewEntry {
            incident: Some(id.into()),
            actor: "commander".into(),
            kind,
            data,
        })
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catching_up_lists_only_the_comments_since_the_last_sync() {
    let clock = Arc::new(FakeClock::at(at(0)));
    let sandbox = Sandbox::start(SandboxOptions {
        clock: clock.clone(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    paths.ensure().unwrap();
    let mut log = AuditLog::open(paths.audit_log(), clock.clone()).unwrap();
    let (kind, data) = IncidentEvent::Declared {
        id: "INC-8".into(),
        repo: "acme/api".into(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: 1800,
        cap: 7200,
        runbook: "github".into(),
        drill: false,
        api_url: Some(sandbox.api_url()),
        remote_url: None,
        scenario: None,
    }
    .to_parts();
    log.append(NewEntry {
        incident: Some("INC-8".into()),
        actor: "commander".into(),
        kind,
        data,
    })
    .unwrap();
    // A long incident: more events than one comment carries.
    steps(&mut log, "INC-8", 150);
    let mirror = mirror_on(&sandbox, &paths, clock.clone());
    let first = mirror.sync_now("INC-8").await.unwrap();
    assert_eq!(first.posted, 151);

    // Three more rounds an hour apart, as the incident goes on; the last one's answers
    // are kept.
    for round in 0..3 {
        clock.advance(Duration::hours(1));
        steps(&mut log, "INC-8", 3);
        sandbox.clear_request_log();
        if round == 2 {
            sandbox.record_responses();
        }
        let report = mirror.sync_now("INC-8").await.unwrap();
        assert_eq!(report.posted, 3);
    }
    // The last round asked only for what the rounds before it wrote: not the two old
    // comments of the long start, which an unfiltered listing returns every time.
    let number = first.issue.number;
    let comments_path = format!("/repos/acme/api/issues/{number}/comments");
    let asked: Vec<String> = sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&comments_path))
        .map(|r| {
            percent_encoding::percent_decode_str(&r.path)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    // The newest comment the round before listed was the first round's, an hour in.
    let since =
        (at(3600) - Duration::seconds(1)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(asked[0].contains(&format!("since={since}")), "{asked:?}");
    let answers: Vec<Value> = sandbox
        .recorded_responses()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path == comments_path)
        .filter_map(|r| r.body)
        .collect();
    assert_eq!(answers.len(), 1);
    assert_eq!(
        answers[0].as_array().unwrap().len(),
        2,
        "the comments of the two rounds before only"
    );

    // Nothing lost, nothing twice: every event once, in order.
    let (forge, _) = forge_as(&sandbox, "commander");
    let seqs = |comments: &[IssueComment]| -> Vec<u64> {
        mirrored_events(comments, "INC-8")
            .iter()
            .map(|e| e.seq)
            .collect()
    };
    let local: Vec<u64> = read_verified(&paths.audit_log())
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    assert_eq!(seqs(&comments(&forge, &api(), number).await), local);

    // Without the progress file (another machine, a wiped state directory) the sync
    // lists every comment again and still posts nothing twice.
    std::fs::remove_file(mirror::progress_path(&paths.state_dir, "INC-8")).unwrap();
    sandbox.clear_request_log();
    let fresh = mirror.sync_now("INC-8").await.unwrap();
    assert_eq!(
        (fresh.posted, fresh.mirrored_up_to),
        (0, *local.last().unwrap())
    );
    let listed: Vec<String> = sandbox
        .request_log()
        .iter()
        .filter(|r| r.method == "GET" && r.path.starts_with(&comments_path))
        .map(|r| r.path.clone())
        .collect();
    assert!(
        listed.len() == 1 && !listed[0].contains("since="),
        "a full listing: {listed:?}"
    );
    assert_eq!(seqs(&comments(&forge, &api(), number).await), local);
    drop(log);
    sandbox.shutdown().await;
}
