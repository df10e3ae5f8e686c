//! `update`: the only place the TUI's state changes. It turns a message into new state and
//! a list of commands for the flow; it performs no I/O and never reads a clock.

use super::app::{App, ChecklistPane, Confirm, Output, Overlay, Screen};
use super::command::Command;
use super::declare::DeclareForm;
use super::keys;
use super::msg::Msg;
use super::review_form::ReviewEditor;
use super::view::{RestoreView, WindowResult};
use crate::text::sanitize_line;

/// Applies `msg` to `app` and returns the effects it asks for.
pub fn update(app: &mut App, msg: Msg) -> Vec<Command> {
    match msg {
        Msg::Key(event) => keys::on_key(app, event),
        Msg::Resize(w, h) => {
            app.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            app.now = now;
            if let Some(checklist) = &mut app.checklist {
                checklist.advance(now);
            }
            approval_check_due(app, now)
        }
        Msg::HomeChanged(home) => {
            app.home = home;
            app.home_selected = app
                .home_selected
                .min(app.home.incidents.len().saturating_sub(1));
            Vec::new()
        }
        Msg::IncidentChanged(mut view) => {
            // A snapshot of another incident must not replace the one on screen.
            let same = app
                .checklist
                .as_ref()
                .is_some_and(|c| c.incident.id == view.incident.id);
            if same {
                view.advance(app.now);
                app.checklist = Some(view);
                return drill_ended(app);
            }
            Vec::new()
        }
        Msg::AuditChanged { rows, chain } => {
            let page = app.timeline_page();
            app.timeline.set_rows(rows, chain, page);
            Vec::new()
        }
        Msg::DrillReady(draft) => {
            app.in_flight = None;
            app.declare = Some(DeclareForm::new(draft, app.validator.clone()));
            app.go_to(Screen::Declare);
            Vec::new()
        }
        Msg::ScenariosListed(picker) => {
            app.in_flight = None;
            for problem in &picker.problems {
                app.warn(format!("Scenario not loaded: {}", sanitize_line(problem)));
            }
            app.drill_picker = picker;
            app.go_to(Screen::DrillPicker);
            Vec::new()
        }
        Msg::DrillScored(score) => {
            app.in_flight = None;
            app.drill_score = Some(score);
            app.go_to(Screen::DrillScorecard);
            Vec::new()
        }
        Msg::IncidentOpened(mut view) => {
            view.advance(app.now);
            app.in_flight = None;
            app.plan = None;
            app.output = None;
            app.declare = None;
            app.checklist = Some(view);
            app.history.clear();
            app.screen = Screen::Checklist;
            Vec::new()
        }
        other => on_effect_result(app, other),
    }
}

fn on_effect_result(app: &mut App, msg: Msg) -> Vec<Command> {
    app.in_flight = None;
    match msg {
        Msg::PlanReady(plan) => {
            app.output = Some(Output::Plan(plan.clone()));
            app.plan = Some(plan);
            app.say("Preflight done — Enter shows the plan before the glass opens");
        }
        Msg::Activated => {
            app.plan = None;
            app.warn("The glass is OPEN — push the fix, then restore");
        }
        Msg::PushReady(push) => {
            app.overlay = Some(Overlay::Confirm(Confirm::Push(push)));
        }
        Msg::PushOutcome(mut remote) => {
            remote.lines = remote.lines.iter().map(|l| sanitize_line(l)).collect();
            if remote.accepted {
                app.say("Push accepted");
            } else {
                app.warn("Push REJECTED — read the remote's lines below");
            }
            app.checklist_pane = ChecklistPane::Output;
            app.output = Some(Output::Remote(remote));
        }
        Msg::WindowReady(window) => {
            app.overlay = Some(Overlay::Confirm(Confirm::Window(window)));
        }
        Msg::WindowDone(result) => on_window_done(app, result),
        Msg::Restored(view) => return on_restored(app, view),
        Msg::StepCompleted => app.status = None,
        Msg::ApprovalChecked(reasons) => {
            for why in reasons {
                app.warn(format!("Approval refused: {why}"));
            }
        }
        Msg::LeaseExtended(deadline) => {
            app.say(format!(
                "Lease extended to {}",
                deadline.format("%H:%M:%S UTC")
            ));
        }
        Msg::ReviewOpened(url) => {
            app.say(format!(
                "Retroactive review opened: {}",
                sanitize_line(&url)
            ));
            if let Some(incident) = app.checklist_incident() {
                return open_review(app, incident);
            }
        }
        Msg::ReviewDraftLoaded(Some(form))
            if app
                .review
                .as_ref()
                .is_some_and(|r| r.incident == form.incident) =>
        {
            let mut editor = ReviewEditor::from_form(&form);
            if let Some(old) = app.review.take() {
                editor.facts = old.facts;
            }
            app.review = Some(editor);
        }
        Msg::ReviewFactsLoaded { incident, lines } => {
            if let Some(review) = app.review.as_mut().filter(|r| r.incident == incident) {
                review.facts = lines;
            }
        }
        Msg::ReviewDraftSaved(at) => {
            if let Some(review) = &mut app.review {
                review.saved_at = Some(at);
            }
        }
        Msg::ReviewSubmitted => {
            app.say("Review submitted and recorded in the audit log");
            if let Some(review) = &mut app.review {
                review.submitted = true;
                // The form was one half of the sign-off: see whether the approval is in.
                return vec![Command::CheckSignOff {
                    incident: review.incident.clone(),
                }];
            }
        }
        Msg::SignOffChecked(summary) => app.say(sanitize_line(&summary)),
        Msg::EffectFailed {
            effect,
            error,
            advice,
        } => {
            app.quit_after_restore = false;
            // Only the checklist has an output pane; elsewhere the status line says it all.
            if app.screen == Screen::Checklist {
                app.warn(format!(
                    "{} failed — see the output pane",
                    sanitize_line(&effect)
                ));
            } else {
                app.warn(format!(
                    "{} failed: {} — {}",
                    sanitize_line(&effect),
                    sanitize_line(&error),
                    sanitize_line(&advice)
                ));
            }
            app.checklist_pane = ChecklistPane::Output;
            app.output = Some(Output::Failure {
                effect: sanitize_line(&effect),
                error: crate::text::sanitize(&error),
                advice: sanitize_line(&advice),
            });
        }
        _ => {}
    }
    Vec::new()
}

fn on_restored(app: &mut App, mut view: RestoreView) -> Vec<Command> {
    view.differences = view.differences.iter().map(|d| sanitize_line(d)).collect();
    view.advice = view.advice.map(|a| sanitize_line(&a));
    let verified = view.verified;
    app.checklist_pane = ChecklistPane::Output;
    app.output = Some(Output::Restore(view));
    if verified {
        app.say("Protections restored and verified by read-back");
        if app.quit_after_restore {
            return vec![Command::Quit];
        }
    } else {
        app.quit_after_restore = false;
        app.warn("Restore NOT verified — read the report below");
    }
    Vec::new()
}

fn on_window_done(app: &mut App, mut result: WindowResult) {
    result.remote.lines = result
        .remote
        .lines
        .iter()
        .map(|l| sanitize_line(l))
        .collect();
    let length = result.length.clone().unwrap_or_else(|| "unknown".into());
    if !result.restore.verified {
        app.warn("Window: restore NOT verified — read the report below");
    } else if result.remote.accepted {
        app.say(format!(
            "Window {} closed after {length}: pushed, restored and verified",
            result.number
        ));
    } else {
        app.warn(format!(
            "Push REJECTED — the glass closed again after {length}; read the remote's lines"
        ));
    }
    app.checklist_pane = ChecklistPane::Output;
    app.output = Some(Output::Window(result));
}

/// A drill whose checklist has no step left has ended: ask for its scorecard, once.
pub fn drill_ended(app: &mut App) -> Vec<Command> {
    let Some(view) = &app.checklist else {
        return Vec::new();
    };
    let incident = &view.incident;
    if !incident.drill
        || view.progress.current.is_some()
        || app.scored_drill.as_deref() == Some(incident.id.as_str())
    {
        return Vec::new();
    }
    let incident = incident.id.clone();
    score_drill(app, incident)
}

/// Asks for the scorecard of drill `incident`.
pub fn score_drill(app: &mut App, incident: String) -> Vec<Command> {
    app.scored_drill = Some(incident.clone());
    app.start_work("Scoring the drill");
    vec![Command::ScoreDrill { incident }]
}

/// Opens an empty review form for `incident` until its saved draft (if any) arrives.
pub fn open_review(app: &mut App, incident: String) -> Vec<Command> {
    let form = crate::review::ReviewForm::new(incident.clone());
    app.review = Some(ReviewEditor::from_form(&form));
    app.go_to(Screen::Review);
    vec![Command::LoadReviewDraft { incident }]
}

/// While an approval request waits, the issue is looked at every
/// [`crate::flow::APPROVAL_POLL`] (on the ticks whose second divides it).
fn approval_check_due(app: &App, now: chrono::DateTime<chrono::Utc>) -> Vec<Command> {
    let every = crate::flow::APPROVAL_POLL.as_secs().max(1) as i64;
    match &app.checklist {
        Some(c) if c.incident.approval.pending().is_some() && now.timestamp() % every == 0 => {
            vec![Command::CheckApproval {
                incident: c.incident.id.clone(),
            }]
        }
        _ => Vec::new(),
    }
}
