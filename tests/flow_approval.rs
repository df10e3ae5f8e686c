//! The two-person rule against the sandbox forge over real HTTP: the request on the
//! incident issue, approval by `breakglass approve`'s library call and by a `/approve`
//! comment, the refusals (the requester, someone without write access, too late), `/deny`,
//! the timeout, the self-approval on the log and the issue, and `required = false`.
//! Time is one fake clock shared by the sandbox and the flow.

mod support;

use breakglass::clock::{Clock, FakeClock};
use breakglass::config::Config;
use breakglass::flow::{
    ApprovalCheck, ApprovalChoice, Declaration, Flow, FlowError, approve_as_second_person,
    github_forge,
};
use breakglass::forge::github::{Marker, RecordingSleeper};
use breakglass::forge::sandbox::{Sandbox, SandboxHandle, SandboxOptions};
use breakglass::forge::{Forge, RepoId};
use breakglass::incident::{ApprovalDecision, ApprovalHow, Phase};
use breakglass::paths::Paths;
use chrono::Duration;
use std::path::Path;
use std::sync::Arc;
use support::{FlowBuilder, declaration};

const ID: &str = "INC-7";
const REASON: &str = "checkout returns 500 — https://tickets.example.com/INC-7";

struct Setup {
    sandbox: SandboxHandle,
    clock: FakeClock,
    home: tempfile::TempDir,
    _sandbox_dir: Option<tempfile::TempDir>,
}

fn api() -> RepoId {
    "acme/api".parse().unwrap()
}

impl Setup {
    async fn start() -> Setup {
        let clock = FakeClock::default_start();
        let sandbox = Sandbox::start(SandboxOptions {
            clock: Arc::new(clock.clone()),
            ..SandboxOptions::default()
        })
        .await
        .unwrap();
        Setup {
            sandbox,
            clock,
            home: tempfile::tempdir().unwrap(),
            _sandbox_dir: None,
        }
    }

    /// A sandbox whose persisted state gives `login` the role `role` on acme/api (as an
    /// admin would in the repository's settings), then serves it again.
    async fn start_with_role(login: &str, role: &str) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let clock = FakeClock::default_start();
        let options = || SandboxOptions {
            clock: Arc::new(clock.clone()),
            dir: Some(dir.path().to_owned()),
            ..SandboxOptions::default()
        };
        Sandbox::start(options()).await.unwrap().shutdown().await;
        set_role(dir.path(), login, role);
        let sandbox = Sandbox::start(options()).await.unwrap();
        Setup {
            sandbox,
            clock,
            home: tempfile::tempdir().unwrap(),
            _sandbox_dir: Some(dir),
        }
    }

    fn forge_as(&self, login: &str) -> Arc<dyn Forge> {
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        github_forge(&self.sandbox.api_url(), self.sandbox.token(login), clock).unwrap()
    }

    async fn flow(&self, config: Config) -> Flow {
        FlowBuilder::on(&self.sandbox, self.home.path(), "approval test")
            .clock(Arc::new(self.clock.clone()))
            .config(Config {
                api_url: url::Url::parse(&self.sandbox.api_url()).unwrap(),
                ..config
            })
            .sleeper(Arc::new(RecordingSleeper::advancing(self.clock.clone())))
            .open()
            .await
    }

    /// A flow with the defaults (approval required, 15 minutes) and INC-7 preflighted.
    async fn preflighted(&self) -> Flow {
        let flow = self.flow(Config::default()).await;
        flow.declare(Declaration {
            reason: REASON.into(),
            ..declaration(ID)
        })
        .await
        .unwrap();
        flow.preflight(ID, None, None).await.unwrap();
        flow
    }

    /// `login` comments `body` on the incident issue with their own token.
    async fn comment_as(&self, login: &str, number: u64, body: &str) -> u64 {
        let marker = Marker::new(ID, &format!("test-{login}-{}", body.len()));
        self.forge_as(login)
            .comment(&api(), number, body, &marker)
            .await
            .unwrap()
            .id
    }

    async fn comments(&self, number: u64) -> Vec<(String, String)> {
        self.forge_as("commander")
            .issue_comments(&api(), number, None)
            .await
            .unwrap()
            .into_iter()
            .map(|c| (c.author, c.body))
            .collect()
    }
}

fn set_role(dir: &Path, login: &str, role: &str) {
    let path = dir.join("sandbox-state.json");
    let mut state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let repos = state["repos"].as_array_mut().unwrap();
    let api = repos.iter_mut().find(|r| r["name"] == "api").unwrap();
    api["collaborators"][login] = serde_json::json!(role);
    std::fs::write(&path, serde_json::to_vec_pretty(&state).unwrap()).unwrap();
}

fn waiting(check: &ApprovalCheck) -> &breakglass::flow::ApprovalWait {
    match check {
        ApprovalCheck::Waiting(wait) => wait,
        other => panic!("expected a waiting request, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_person_approves_with_the_approve_command_and_the_glass_opens() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;

    // Without an approval the glass stays shut, and says how to get one.
    let refused = flow.activate(ID).await.unwrap_err();
    assert!(
        matches!(refused, FlowError::ApprovalNeeded { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("--self-approve"), "{refused}");

    let request = flow.request_approval(ID).await.unwrap();
    assert_eq!(request.by, "commander");
    assert_eq!(request.deadline - request.at, Duration::minutes(15));
    let comments = s.comments(request.issue_number).await;
    let (author, body) = comments.last().unwrap();
    assert_eq!(author, "commander");
    assert!(body.contains("Approval requested"), "{body}");
    assert!(body.contains("breakglass approve --incident INC-7 --repo acme/api"));
    assert!(
        request
            .issue_url
            .ends_with(&format!("/issues/{}", request.issue_number))
    );

    // The request is not answered yet: one look says how long is left.
    s.clock.advance(Duration::seconds(90));
    let check = flow.check_approval(ID).await.unwrap();
    assert_eq!(waiting(&check).remaining, Duration::seconds(13 * 60 + 30));

    let report = approve_as_second_person(
        s.forge_as("reviewer").as_ref(),
        &api(),
        &api(),
        ID,
        s.clock.now(),
    )
    .await
    .unwrap();
    assert_eq!(report.approver, "reviewer");

    let mut waits = 0;
    let check = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |_| waits += 1)
        .await
        .unwrap();
    assert_eq!(waits, 0, "the approval was already there");
    let ApprovalCheck::Granted {
        decision:
            ApprovalDecision::Approved {
                approver,
                how,
                comment_id,
                ..
            },
    } = check
    else {
        panic!("{check:?}")
    };
    assert_eq!((approver.as_str(), how), ("reviewer", ApprovalHow::Command));
    assert_eq!(comment_id, report.comment_id);
    // Asked again (a rerun of activate), the approval stands and nothing new is asked.
    let again = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |_| {})
        .await
        .unwrap();
    assert!(matches!(again, ApprovalCheck::Granted { .. }), "{again:?}");
    flow.activate(ID).await.unwrap();
    assert_eq!(flow.incident(ID).unwrap().phase, Phase::Active);

    let kinds: Vec<String> = breakglass::audit::AuditLog::open(
        Paths::under(s.home.path()).audit_log(),
        Arc::new(s.clock.clone()),
    )
    .unwrap()
    .records()
    .unwrap()
    .into_iter()
    .map(|r| r.kind)
    .collect();
    let requested = kinds
        .iter()
        .position(|k| k == "approval_requested")
        .unwrap();
    let approved = kinds.iter().position(|k| k == "approved").unwrap();
    let intended = kinds
        .iter()
        .position(|k| k == "activation_intended")
        .unwrap();
    assert!(requested < approved && approved < intended, "{kinds:?}");
    flow.restore(ID, breakglass::incident::RestoreTrigger::Operator)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_approve_comment_is_accepted_after_the_requester_is_refused() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;
    let request = flow.request_approval(ID).await.unwrap();

    // The requester approving their own request is refused, with the reason on the issue.
    let own = s
        .comment_as("commander", request.issue_number, "/approve")
        .await;
    let check = flow.check_approval(ID).await.unwrap();
    let refusals = &waiting(&check).refusals;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(
        (refusals[0].login.as_str(), refusals[0].comment_id),
        ("commander", own)
    );
    assert!(
        refusals[0].why.contains("cannot give it"),
        "{:?}",
        refusals[0]
    );
    // Seen once: the next look does not judge it again.
    let check = flow.check_approval(ID).await.unwrap();
    assert!(waiting(&check).refusals.is_empty());
    let on_issue = s.comments(request.issue_number).await;
    assert!(
        on_issue
            .iter()
            .any(|(_, body)| body.contains("Not accepted") && body.contains("cannot give it")),
        "{on_issue:?}"
    );

    s.clock.advance(Duration::minutes(2));
    let by_hand = s
        .comment_as(
            "dev",
            request.issue_number,
            "Read the diff, ship it.\n/approve",
        )
        .await;
    let check = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |_| {})
        .await
        .unwrap();
    let ApprovalCheck::Granted {
        decision:
            ApprovalDecision::Approved {
                approver,
                how,
                comment_id,
                ..
            },
    } = check
    else {
        panic!("{check:?}")
    };
    assert_eq!(
        (approver.as_str(), how, comment_id),
        ("dev", ApprovalHow::Comment, by_hand)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approver_without_write_access_is_refused() {
    let s = Setup::start_with_role("dev", "triage").await;
    let flow = s.preflighted().await;
    let request = flow.request_approval(ID).await.unwrap();
    s.comment_as("dev", request.issue_number, "/approve").await;
    let check = flow.check_approval(ID).await.unwrap();
    let refusals = &waiting(&check).refusals;
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(
        refusals[0]
            .why
            .contains("dev has triage access to acme/api")
            && refusals[0].why.contains("needs write access"),
        "{:?}",
        refusals[0]
    );
    assert!(flow.incident(ID).unwrap().approval.pending().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_approval_is_refused_and_the_timeout_says_what_to_do() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;
    let request = flow.request_approval(ID).await.unwrap();
    s.clock.advance(Duration::minutes(16));
    s.comment_as("reviewer", request.issue_number, "/approve")
        .await;

    let mut seen = Vec::new();
    let err = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |w| seen.push(w.clone()))
        .await
        .unwrap_err();
    assert!(matches!(err, FlowError::ApprovalTimedOut { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&request.issue_url)
            && text.contains("request a new approval")
            && text.contains("--self-approve"),
        "{text}"
    );
    let incident = flow.incident(ID).unwrap();
    assert!(matches!(
        incident.approval.decision,
        Some(ApprovalDecision::TimedOut { .. })
    ));
    let on_issue = s.comments(request.issue_number).await;
    assert!(
        on_issue
            .iter()
            .any(|(_, b)| b.contains("Not accepted") && b.contains("after the request timed out")),
        "{on_issue:?}"
    );
    // The approver's own command refuses too, and posts nothing.
    let late = approve_as_second_person(
        s.forge_as("dev").as_ref(),
        &api(),
        &api(),
        ID,
        s.clock.now(),
    )
    .await
    .unwrap_err();
    assert!(late.to_string().contains("timed out"), "{late}");
    assert!(matches!(
        flow.activate(ID).await.unwrap_err(),
        FlowError::ApprovalNeeded { .. }
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denial_ends_the_request_and_a_new_one_can_be_approved() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;
    let request = flow.request_approval(ID).await.unwrap();
    s.comment_as(
        "reviewer",
        request.issue_number,
        "/deny the fix reverts the wrong commit",
    )
    .await;
    let err = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |_| {})
        .await
        .unwrap_err();
    let FlowError::ApprovalDenied { by, reason, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        (by.as_str(), reason.as_str()),
        ("reviewer", "the fix reverts the wrong commit")
    );
    assert!(err.to_string().contains("request a new approval"));

    // Asking again posts a new request; an approval of it is accepted.
    s.clock.advance(Duration::minutes(1));
    let again = flow.request_approval(ID).await.unwrap();
    assert_ne!(again.comment_id, request.comment_id);
    approve_as_second_person(
        s.forge_as("reviewer").as_ref(),
        &api(),
        &api(),
        ID,
        s.clock.now(),
    )
    .await
    .unwrap();
    flow.await_approval(ID, &ApprovalChoice::Ask, &mut |_| {})
        .await
        .unwrap();
    let history: Vec<&str> = flow
        .incident(ID)
        .unwrap()
        .approval
        .history
        .iter()
        .map(|d| d.kind())
        .collect::<Vec<_>>()
        .into_iter()
        .collect();
    assert_eq!(history, ["approval_denied", "approved"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_approval_is_loud_in_the_log_and_on_the_issue() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;
    let none = flow
        .await_approval(ID, &ApprovalChoice::SelfApprove("  ".into()), &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(none, FlowError::SelfApprovalNeedsReason { .. }),
        "{none}"
    );

    let reason = "reviewer unreachable, checkout down for everyone";
    let check = flow
        .await_approval(ID, &ApprovalChoice::SelfApprove(reason.into()), &mut |_| {})
        .await
        .unwrap();
    assert!(matches!(
        check,
        ApprovalCheck::Granted { decision: ApprovalDecision::SelfApproved { ref reason, .. } }
            if reason.contains("unreachable")
    ));
    let log = std::fs::read_to_string(Paths::under(s.home.path()).audit_log()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("\"self_approved\""))
        .unwrap();
    assert!(line.contains(reason), "{line}");

    let issue = breakglass::mirror::find(s.forge_as("dev").as_ref(), &api(), ID)
        .await
        .unwrap()
        .expect("the incident issue");
    let on_issue = s.comments(issue.number).await;
    assert!(
        on_issue.iter().any(|(who, b)| who == "commander"
            && b.contains("SELF-APPROVED")
            && b.contains(reason)),
        "{on_issue:?}"
    );
    flow.activate(ID).await.unwrap();
    flow.restore(ID, breakglass::incident::RestoreTrigger::Operator)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_rule_off_the_glass_opens_without_asking() {
    let s = Setup::start().await;
    let mut config = Config::default();
    config.approval.required = false;
    let flow = s.flow(config).await;
    flow.declare(Declaration {
        id: ID.into(),
        repo: api(),
        branch: "main".into(),
        reason: REASON.into(),
        ttl: None,
        drill: false,
        remote_url: None,
    })
    .await
    .unwrap();
    flow.preflight(ID, None, None).await.unwrap();
    let check = flow
        .await_approval(ID, &ApprovalChoice::Ask, &mut |_| {})
        .await
        .unwrap();
    assert_eq!(check, ApprovalCheck::NotRequired);
    flow.activate(ID).await.unwrap();
    let incident = flow.incident(ID).unwrap();
    assert!(incident.approval.request.is_none() && incident.approval.history.is_empty());
    flow.restore(ID, breakglass::incident::RestoreTrigger::Operator)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_one_window_opens_only_after_the_approval_too() {
    let s = Setup::start().await;
    let flow = s.preflighted().await;
    // The window is prepared from a clone; the refusal comes before the clone is read (an
    // empty directory here, which is no clone at all).
    let no_clone = tempfile::tempdir().unwrap();
    let refused = flow
        .prepare_window(ID, Some(no_clone.path()), None)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, FlowError::ApprovalNeeded { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("--self-approve"), "{refused}");
    let phase = flow.incident(ID).unwrap().phase;
    assert_eq!(phase, Phase::Preflighted, "nothing was opened");

    let check = flow
        .await_approval(
            ID,
            &ApprovalChoice::SelfApprove("the approver is unreachable".into()),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert!(matches!(check, ApprovalCheck::Granted { .. }), "{check:?}");
    // Granted: the window gets past the gate, on to the clone this test has none of.
    let after = flow
        .prepare_window(ID, Some(no_clone.path()), None)
        .await
        .unwrap_err();
    assert!(
        !matches!(after, FlowError::ApprovalNeeded { .. }),
        "{after}"
    );
}
