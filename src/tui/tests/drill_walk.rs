//! A whole drill walked with `Enter` alone through the TUI's `update` and its real effects
//! (`FlowEffects`) on a real in-process sandbox set up by the one drill set-up
//! (`Rehearsal`): every answer comes from the flow, and the walk is judged by what it left
//! behind — the audit log's events and the protection the sandbox reads back.

use super::fixtures::*;
use crate::clock::{Clock, FakeClock};
use crate::drill::{DRILL_BRANCH, DRILL_REPO, Rehearsal, RehearsalSetup};
use crate::forge::RepoId;
use crate::runbook::Runbook;
use crate::tui::app::{App, Screen};
use crate::tui::command::Command;
use crate::tui::effects::{DrillSession, FlowEffects, RealForge};
use crate::tui::event_loop::Effects;
use crate::tui::msg::Msg;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crossterm::event::KeyCode;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A bound on one effect, so a hang fails the test instead of stalling it.
const EFFECT_LIMIT: Duration = Duration::from_secs(120);

/// The TUI without a terminal: keys go to `update`, the commands it returns go to the
/// real effects, and their answers come back to `update` before the next key.
struct Walk {
    app: App,
    effects: FlowEffects,
    results: UnboundedSender<Msg>,
    answers: UnboundedReceiver<Msg>,
    /// Every command performed, in order.
    performed: Vec<Command>,
}

impl Walk {
    /// Sends `msg` (a key) and performs what it asks for, and what the answers ask for,
    /// until nothing is left to do.
    async fn press(&mut self, msg: Msg) {
        let mut queue: VecDeque<Command> = update(&mut self.app, msg).into();
        while let Some(command) = queue.pop_front() {
            queue.extend(self.perform(command).await);
        }
    }

    /// Performs `command` and applies its answer and the snapshots that follow it;
    /// returns the commands those messages asked for.
    async fn perform(&mut self, command: Command) -> Vec<Command> {
        // Mirrors the effects: these do not touch the log, so no snapshots follow them.
        let refreshes = !matches!(
            command,
            Command::LoadReviewDraft { .. } | Command::SaveReviewDraft(_)
        );
        self.performed.push(command.clone());
        self.effects.perform(command.clone(), self.results.clone());
        let mut asked = Vec::new();
        let mut answered = false;
        loop {
            let msg = tokio::time::timeout(EFFECT_LIMIT, self.answers.recv())
                .await
                .unwrap_or_else(|_| panic!("no answer to {command:?}"))
                .expect("the effects keep the channel open");
            if let Msg::EffectFailed { effect, error, .. } = &msg {
                panic!("{effect} failed: {error}");
            }
            let snapshot = matches!(
                msg,
                Msg::HomeChanged(_) | Msg::AuditChanged { .. } | Msg::IncidentChanged(_)
            );
            // The snapshots are sent after the answer, the focused incident's last.
            let last = if self.app.checklist.is_some() {
                matches!(msg, Msg::IncidentChanged(_))
            } else {
                matches!(msg, Msg::AuditChanged { .. })
            };
            answered |= !snapshot;
            asked.extend(update(&mut self.app, msg));
            if answered && (!refreshes || last) {
                return asked;
            }
        }
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.performed
            .iter()
            .map(|c| match c {
                Command::Declare(_) => "declare",
                Command::CompleteStep { .. } => "tick",
                Command::Preflight { .. } => "preflight",
                Command::RequestApproval { .. } => "request approval",
                Command::CheckApproval { .. } => "check approval",
                Command::Activate { .. } => "activate",
                Command::PreparePush { .. } => "prepare push",
                Command::Push { .. } => "push",
                Command::Restore { .. } => "restore",
                Command::PrepareWindow { .. } => "prepare window",
                Command::RunWindow(_) => "window",
                Command::OpenReview { .. } => "open review",
                Command::LoadReviewDraft { .. } => "load review",
                other => panic!("Enter alone should not ask for {other:?}"),
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_is_walked_on_the_sandbox_from_declare_to_the_review_form_with_enter_alone() {
    let clock = FakeClock::at(at(9, 0, 0));
    let rehearsal = Rehearsal::start(&RehearsalSetup::default(), Arc::new(clock.clone()))
        .await
        .expect("the drill sets up");
    let paths = rehearsal.paths().clone();
    let session = Arc::new(DrillSession::new(rehearsal));
    assert_eq!(
        session.draft.incident, "DRILL-20260101-090000",
        "the id comes from the injected clock"
    );
    let effects = FlowEffects::new(
        paths.clone(),
        Runbook::default_github(),
        Arc::new(clock.clone()),
        RealForge::Disabled,
    )
    .with_drill(session.clone());
    let (results, answers) = unbounded_channel();
    let mut walk = Walk {
        app: App::new(clock.now(), Theme::colored()),
        effects,
        results,
        answers,
        performed: Vec::new(),
    };

    // As `breakglass drill` opens: the declare form prefilled from the drill.
    walk.press(Msg::DrillReady(session.draft.clone())).await;
    assert_eq!(walk.app.screen, Screen::Declare, "the prefilled form");
    let mut presses = 0;
    let mut looks = 0;
    while walk.app.screen != Screen::Review {
        let waiting = walk
            .app
            .checklist
            .as_ref()
            .is_some_and(|c| c.incident.approval.pending().is_some());
        if waiting {
            // The commander waits: the ticks look at the issue until the drill's
            // reviewer (the sandbox's `reviewer`, its own token) has approved.
            looks += 1;
            assert!(looks <= 60, "the drill's reviewer did not approve");
            tokio::time::sleep(Duration::from_millis(500)).await;
            walk.press(Msg::Tick(clock.now())).await;
            continue;
        }
        presses += 1;
        assert!(presses <= 30, "Enter alone did not reach the review form");
        walk.press(key(KeyCode::Enter)).await;
    }
    let kinds: Vec<&str> = walk
        .kinds()
        .into_iter()
        .filter(|k| *k != "check approval")
        .collect();
    assert_eq!(
        kinds,
        [
            "declare",
            "tick",
            "preflight",
            "request approval",
            "prepare window",
            "window",
            "tick",
            "open review",
            "load review",
        ]
    );
    let id = session.draft.incident.clone();
    assert_eq!(
        walk.app.review.as_ref().map(|r| r.incident.as_str()),
        Some(id.as_str())
    );

    let records = crate::audit::read_verified(&paths.audit_log()).expect("the chain verifies");
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "declared",
            "step_done",
            "preflighted",
            "approval_requested",
            "approved",
            "activation_intended",
            "activated",
            "push_intended",
            "pushed",
            "restore_intended",
            "restored",
            "step_done",
            "review_opened",
        ]
    );
    assert!(records.iter().all(|r| r.incident.as_deref() == Some(&id)));

    // The sandbox, asked now, holds the protection the preflight found.
    let snapshot = &records[2].data["snapshot"];
    assert_eq!(
        records[4].data["approver"], "reviewer",
        "the drill's second person approved"
    );
    let repo: RepoId = DRILL_REPO.parse().unwrap();
    let forge = session.rehearsal().flow().forge();
    let now = serde_json::to_value(forge.snapshot(&repo, DRILL_BRANCH).await.unwrap()).unwrap();
    for part in ["/classic/state", "/classic/normalized", "/rulesets"] {
        assert_eq!(now.pointer(part), snapshot.pointer(part), "{part}");
    }
    assert_eq!(now["classic"]["normalized"]["enforce_admins"], true);

    let finished = session.finish().await;
    assert_eq!(finished.len(), 1);
    assert_eq!(
        finished[0].restored_at_end, None,
        "the walk closed the glass"
    );
    let verdict = &finished[0].verdict;
    assert!(verdict.passed, "{:?}", verdict.problems);
    assert_eq!(
        verdict.review_pr.as_deref(),
        records[12].data["pr_url"].as_str()
    );
}
