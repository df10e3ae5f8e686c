//! The TUI's review, through its real effects against the sandbox forge over loopback: a
//! form submitted with Ctrl-S goes through the flow, so the configured webhook hears
//! "review submitted" and the incident issue gets the event; and as the home opens it
//! checks the outstanding sign-offs, so an approval given on the forge while breakglass
//! was closed signs the review off, and the issue closes with the review as its last word.

mod common;
mod flow_support;
mod webhook_support;

use breakglass::clock::{Clock, SystemClock};
use breakglass::config::{Config, ConfigOverrides};
use breakglass::flow::{Flow, FlowOptions, FlowSetup, github_forge, normalised};
use breakglass::forge::Forge;
use breakglass::forge::github::{Request, repo_path};
use breakglass::forge::port::IssueState;
use breakglass::mirror::{self, mirrored_events, review_marker};
use breakglass::paths::Paths;
use breakglass::review::ReviewForm;
use breakglass::tui::effects::{Connection, RealForge};
use breakglass::tui::{Command, Effects, FlowEffects, Msg, update};
use common::sandbox::{api, client_as, forge_as};
use flow_support::{World, audit_records};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use webhook_support::{receiver, whats};

const WAIT: Duration = Duration::from_secs(30);

/// The first message `wanted` accepts (the others are skipped: snapshots and the like).
async fn answer(results: &mut UnboundedReceiver<Msg>, wanted: impl Fn(&Msg) -> bool) -> Msg {
    loop {
        let msg = tokio::time::timeout(WAIT, results.recv())
            .await
            .expect("an answer in time")
            .expect("the effects still run");
        if wanted(&msg) {
            return msg;
        }
    }
}

/// The operator's own flow on the world's forge, as the TUI connects it: mirror and
/// webhooks on.
async fn operator_flow(world: &World, paths: &Paths, config: &Config) -> Arc<Flow> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let api_url = normalised(config.api_url.as_str());
    let forge = github_forge(&api_url, world.token.clone(), clock.clone()).unwrap();
    let flow = Flow::open(FlowSetup {
        paths: paths.clone(),
        config: config.clone(),
        clock,
        forge,
        token: Some(world.token.clone()),
        options: FlowOptions {
            command: "breakglass (TUI)".into(),
            spawn_watchdog: false,
            api_url,
            mirror: true,
            notify: true,
            ..FlowOptions::default()
        },
    })
    .await
    .unwrap();
    Arc::new(flow)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_forms_submission_reaches_the_webhook_and_the_issue_and_the_home_signs_it_off() {
    let world = World::start().await;
    let (base, received) = receiver().await;
    webhook_support::configure(world.home.path(), &[format!("{base}/services/T0/B0/tui")]);
    let number = world.pushed_and_under_review("INC-1").await;
    received.lock().unwrap().clear();

    let paths = Paths::under(world.home.path());
    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    let runbook = config.runbook(&paths).unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let connection = Connection {
        flow: operator_flow(&world, &paths, &config).await,
        repo_dir: world.clone_dir(),
    };
    let effects = |real| FlowEffects::new(paths.clone(), runbook.clone(), clock.clone(), real);

    // Ctrl-S on the form: the command the keys send, performed by the real effects.
    let mut form = ReviewForm::new("INC-1");
    form.summary = "Checkout returned 500s; the timeout was rolled back.".into();
    form.submitted_at = Some(clock.now());
    let mut tui = effects(RealForge::ready(config.clone(), connection.clone()));
    let (results, mut said) = unbounded_channel();
    tui.perform(Command::SubmitReview(form), results.clone());
    let submitted = answer(&mut said, |m| {
        matches!(m, Msg::ReviewSubmitted | Msg::EffectFailed { .. })
    })
    .await;
    assert!(matches!(submitted, Msg::ReviewSubmitted), "{submitted:?}");
    // The TUI asks for the sign-off next: still pending, the approval is missing.
    let mut app = breakglass::tui::App::new(clock.now(), breakglass::tui::Theme::monochrome());
    breakglass::tui::update::open_review(&mut app, "INC-1".into());
    let next = update(&mut app, submitted);
    assert_eq!(
        next,
        [Command::CheckSignOff {
            incident: "INC-1".into()
        }]
    );
    tui.perform(next[0].clone(), results.clone());
    let checked = answer(&mut said, |m| matches!(m, Msg::SignOffChecked(_))).await;
    assert!(
        matches!(&checked, Msg::SignOffChecked(line) if line.contains("review pending")),
        "{checked:?}"
    );

    assert!(breakglass::notify::settle_all(WAIT).await);
    assert!(connection.flow.settle_mirror(WAIT).await);
    assert_eq!(
        whats(&received),
        ["review_submitted"],
        "the webhook heard it"
    );
    let (forge, _) = forge_as(&world.sandbox, "commander");
    let issue = mirror::find(&forge, &api(), "INC-1")
        .await
        .unwrap()
        .expect("the incident issue");
    let submitted_seq = audit_records(world.home.path())
        .iter()
        .rev()
        .find(|r| r["kind"] == "review_submitted")
        .and_then(|r| r["seq"].as_u64())
        .unwrap();
    let on_issue = forge
        .issue_comments(&api(), issue.number, None)
        .await
        .unwrap();
    assert!(
        mirrored_events(&on_issue, "INC-1")
            .iter()
            .any(|e| e.seq == submitted_seq && e.kind == "review_submitted"),
        "the issue has the submission"
    );
    assert_eq!(
        forge.issue(&api(), issue.number).await.unwrap().state,
        IssueState::Open,
        "not signed off yet"
    );

    // breakglass is closed; a third person approves on the forge; the home opens.
    drop(tui);
    drop(said);
    let path = repo_path(&api(), &["pulls", &number.to_string(), "reviews"]);
    client_as(&world.sandbox, "reviewer")
        .execute(&Request::post_idempotent(
            path,
            Some(json!({"event": "APPROVE"})),
        ))
        .await
        .unwrap();
    let mut home = effects(RealForge::ready(config.clone(), connection.clone()))
        .with_initial_commands(vec![Command::CheckOutstandingSignOffs]);
    let (results, mut said) = unbounded_channel();
    home.start(results);
    let signed = answer(&mut said, |m| matches!(m, Msg::SignOffChecked(_))).await;
    assert!(
        matches!(
            &signed,
            Msg::SignOffChecked(line)
                if line == "incident INC-1: review signed off by reviewer; the incident is closed"
        ),
        "{signed:?}"
    );
    drop(said);
    assert!(connection.flow.settle_mirror(WAIT).await);
    let closed = forge.issue(&api(), issue.number).await.unwrap();
    assert_eq!(closed.state, IssueState::Closed, "closed at sign-off");
    let last = forge
        .issue_comments(&api(), issue.number, None)
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert!(review_marker("INC-1", submitted_seq).is_in(&last.body));
    assert!(
        last.body
            .contains("## Summary\n\nCheckout returned 500s; the timeout was rolled back."),
        "{}",
        last.body
    );
    world.assert_chain_verifies().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_forge_the_review_is_still_recorded_and_the_webhook_told() {
    use breakglass::audit::{AuditLog, NewEntry};
    use breakglass::incident::{IncidentEvent as E, RestoreTrigger};

    let (base, received) = receiver().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::under(home.path());
    paths.ensure().unwrap();
    // A forge nobody answers on (bound, then released): no flow can be connected.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let api_url = format!("http://{closed}");
    std::fs::write(
        paths.config_file(),
        format!(
            "api_url = \"{api_url}\"\n\n[notify]\nwebhooks = [\"{base}/services/T0/B0/offline\"]\n"
        ),
    )
    .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let mut log = AuditLog::open(paths.audit_log(), clock.clone()).unwrap();
    let events = [
        E::Declared {
            id: "INC-3".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "checkout 500s https://tickets.acme.dev/3".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "github".into(),
            drill: false,
            api_url: Some(api_url.clone()),
            remote_url: None,
            scenario: None,
        },
        E::Preflighted {
            login: "commander".into(),
            permission: "admin".into(),
            pre_sha: "aaaa".into(),
            snapshot: json!({}),
            commits: vec![],
        },
        E::ActivationIntended {
            plan: json!({}),
            reason: None,
        },
        E::Activated {
            deadline: clock.now() + chrono::Duration::minutes(30),
            applied: json!({}),
        },
        E::RestoreIntended {
            trigger: RestoreTrigger::Operator,
        },
        E::Restored {
            verified: true,
            by_guard: None,
        },
    ];
    for event in events {
        let (kind, data) = event.to_parts();
        log.append(NewEntry {
            incident: Some("INC-3".into()),
            actor: "commander".into(),
            kind,
            data,
        })
        .unwrap();
    }
    drop(log);

    let config = Config::load(&paths, &ConfigOverrides::default()).unwrap();
    let mut tui = FlowEffects::new(
        paths.clone(),
        config.runbook(&paths).unwrap(),
        clock.clone(),
        RealForge::lazy(config, home.path().to_owned()),
    );
    let (results, mut said) = unbounded_channel();
    let mut form = ReviewForm::new("INC-3");
    form.summary = "Rolled the timeout back.".into();
    tui.perform(Command::SubmitReview(form), results);
    let submitted = answer(&mut said, |m| {
        matches!(m, Msg::ReviewSubmitted | Msg::EffectFailed { .. })
    })
    .await;
    assert!(matches!(submitted, Msg::ReviewSubmitted), "{submitted:?}");
    let records = audit_records(home.path());
    let last = records.last().unwrap();
    assert_eq!(last["kind"], "review_submitted");
    assert_eq!(last["data"]["form"]["summary"], "Rolled the timeout back.");
    assert!(breakglass::notify::settle_all(WAIT).await);
    assert_eq!(
        whats(&received),
        ["review_submitted"],
        "the webhook heard it"
    );
}
