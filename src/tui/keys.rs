//! Key handling per screen: looks the key up in the keymap for the active scope, then does
//! what that action means here. Text fields take the characters no binding claims.

use super::app::{App, ChecklistPane, Confirm, Overlay, Screen};
use super::command::Command;
use super::declare::DeclareForm;
use super::keymap::{Action, Key, Scope, lookup};
use super::update::open_review;
use crate::runbook::StepKind;
use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind};

/// The keymap scope for the current screen and overlay.
pub fn scope(app: &App) -> Scope {
    match &app.overlay {
        Some(Overlay::Help) => Scope::Help,
        Some(Overlay::Confirm(_)) => Scope::Confirm,
        Some(Overlay::ExtendPrompt { .. } | Overlay::SelfApprovePrompt { .. }) => {
            Scope::ExtendPrompt
        }
        Some(Overlay::Quit) if app.drill_on_screen() => Scope::DrillQuitDialog,
        Some(Overlay::Quit) => Scope::QuitDialog,
        None => screen_scope(app),
    }
}

/// The keymap scope of the screen under any overlay (what the help overlay lists).
pub fn screen_scope(app: &App) -> Scope {
    match app.screen {
        Screen::Home => Scope::Home,
        Screen::Declare => Scope::Declare,
        Screen::Checklist => Scope::Checklist,
        Screen::Timeline if app.timeline.editing_filter => Scope::TimelineFilter,
        Screen::Timeline => Scope::Timeline,
        Screen::Review => Scope::Review,
        Screen::DrillHistory => Scope::DrillHistory,
        Screen::DrillPicker => Scope::DrillPicker,
        Screen::DrillScorecard => Scope::DrillScorecard,
    }
}

pub fn on_key(app: &mut App, event: KeyEvent) -> Vec<Command> {
    if event.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // Ctrl-C must work everywhere, text fields and dialogs included: it means "get me
    // out", and with the glass open that still goes through the quit dialog.
    if Key::from_event(event) == Key::ctrl('c') && app.overlay != Some(Overlay::Quit) {
        app.overlay = None;
        return on_screen_action(app, Action::Quit);
    }
    let scope = scope(app);
    let action = lookup(scope, Key::from_event(event));
    match scope {
        Scope::Help => {
            if action.is_some() {
                app.overlay = None;
            }
            Vec::new()
        }
        Scope::Confirm => on_confirm(app, action),
        Scope::ExtendPrompt if matches!(app.overlay, Some(Overlay::SelfApprovePrompt { .. })) => {
            on_self_approve_prompt(app, action, event)
        }
        Scope::ExtendPrompt => on_extend_prompt(app, action, event),
        Scope::QuitDialog | Scope::DrillQuitDialog => on_quit_dialog(app, action),
        Scope::Declare => on_declare(app, action, event),
        Scope::TimelineFilter => on_filter(app, action, event),
        Scope::Review => on_review(app, action, event),
        Scope::Home
        | Scope::Checklist
        | Scope::Timeline
        | Scope::DrillHistory
        | Scope::DrillPicker
        | Scope::DrillScorecard => match action {
            Some(action) => on_screen_action(app, action),
            None => Vec::new(),
        },
    }
}

fn on_screen_action(app: &mut App, action: Action) -> Vec<Command> {
    match action {
        Action::Help => app.overlay = Some(Overlay::Help),
        Action::Quit if app.glass_open() => app.overlay = Some(Overlay::Quit),
        Action::Quit => return vec![Command::Quit],
        Action::Back => app.go_back(),
        Action::Timeline => app.go_to(Screen::Timeline),
        Action::ExtendLease | Action::RestoreNow => return on_checklist(app, action),
        Action::Review => match app.current_incident() {
            Some(incident) => return open_review(app, incident),
            None => app.warn("No incident selected — declare one or pick one on Home"),
        },
        other => {
            return match app.screen {
                Screen::Home => on_home(app, other),
                Screen::Checklist => on_checklist(app, other),
                Screen::DrillHistory => Vec::new(),
                Screen::DrillPicker => on_drill_picker(app, other),
                Screen::DrillScorecard => {
                    if other == Action::DrillHistory {
                        app.go_to(Screen::DrillHistory);
                    }
                    Vec::new()
                }
                _ => {
                    on_timeline(app, other);
                    Vec::new()
                }
            };
        }
    }
    Vec::new()
}

fn on_home(app: &mut App, action: Action) -> Vec<Command> {
    let count = app.home.incidents.len();
    match action {
        Action::Up => app.home_selected = app.home_selected.saturating_sub(1),
        Action::Down => app.home_selected = (app.home_selected + 1).min(count.saturating_sub(1)),
        Action::Declare => {
            app.declare = Some(DeclareForm::new(
                app.declare_defaults.clone(),
                app.validator.clone(),
            ));
            app.go_to(Screen::Declare);
        }
        Action::Drill => {
            app.start_work("Reading the drill scenarios");
            return vec![Command::ListScenarios];
        }
        Action::DrillHistory => app.go_to(Screen::DrillHistory),
        Action::Perform => {
            if let Some(row) = app.home.incidents.get(app.home_selected) {
                let incident = row.id.clone();
                app.start_work(format!("Opening {incident}"));
                return vec![Command::OpenIncident { incident }];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_checklist(app: &mut App, action: Action) -> Vec<Command> {
    let Some(view) = &app.checklist else {
        return Vec::new();
    };
    let incident = view.incident.id.clone();
    match action {
        Action::NextPane => {
            app.checklist_pane = match app.checklist_pane {
                ChecklistPane::Details => ChecklistPane::Output,
                ChecklistPane::Output => ChecklistPane::Details,
            };
            Vec::new()
        }
        Action::ExtendLease if app.glass_open() => {
            app.overlay = Some(Overlay::ExtendPrompt {
                reason: String::new(),
                error: None,
            });
            Vec::new()
        }
        Action::RestoreNow if app.glass_open() => restore(app, incident),
        Action::ExtendLease | Action::RestoreNow => {
            app.say("The glass is closed — nothing to extend or restore");
            Vec::new()
        }
        Action::Perform => perform_step(app, incident),
        Action::EndDrill if app.drill_on_screen() => crate::tui::update::score_drill(app, incident),
        _ => Vec::new(),
    }
}

/// The drill picker: move through the scenarios; `Enter` starts the one selected.
fn on_drill_picker(app: &mut App, action: Action) -> Vec<Command> {
    let picker = &mut app.drill_picker;
    let last = picker.choices.len().saturating_sub(1);
    match action {
        Action::Up => picker.selected = picker.selected.saturating_sub(1),
        Action::Down => picker.selected = (picker.selected + 1).min(last),
        Action::Perform => {
            if let Some(choice) = picker.choices.get(picker.selected) {
                let scenario = choice.id.clone();
                app.start_work(format!(
                    "Starting the sandbox forge for the drill `{scenario}`"
                ));
                return vec![Command::StartDrill { scenario }];
            }
        }
        _ => {}
    }
    Vec::new()
}

fn restore(app: &mut App, incident: String) -> Vec<Command> {
    app.start_work("Restoring protections and reading them back");
    vec![Command::Restore { incident }]
}

/// `Enter` on the checklist: act on the current step.
fn perform_step(app: &mut App, incident: String) -> Vec<Command> {
    if let Some(work) = &app.in_flight {
        app.say(format!("Still working: {}", work.label));
        return Vec::new();
    }
    let Some(view) = &app.checklist else {
        return Vec::new();
    };
    let Some((index, step)) = view.current_step() else {
        app.say("Every step is done — r opens the review form");
        return Vec::new();
    };
    match step.kind {
        StepKind::Manual => {
            app.start_work(format!("Recording step {}", index + 1));
            vec![Command::CompleteStep {
                incident,
                step: index,
            }]
        }
        // An incident exists only once declared, so its declare step is never current.
        StepKind::Declare => Vec::new(),
        StepKind::Preflight => {
            app.start_work("Preflight: identity, permissions, snapshot");
            vec![Command::Preflight { incident }]
        }
        StepKind::Approve => approve_step(app, incident),
        StepKind::Activate => match app.plan.clone() {
            Some(plan) => {
                app.overlay = Some(Overlay::Confirm(Confirm::Activate(plan)));
                Vec::new()
            }
            None => {
                app.start_work("Preflight: the plan is needed before activation");
                vec![Command::Preflight { incident }]
            }
        },
        StepKind::Push => {
            app.start_work("Listing the commits to push");
            vec![Command::PreparePush { incident }]
        }
        StepKind::Restore => restore(app, incident),
        StepKind::Window => {
            app.start_work("Preparing the window: the plan and the commits to push");
            vec![Command::PrepareWindow { incident }]
        }
        StepKind::Review => {
            app.start_work("Opening the retroactive review on the forge");
            vec![Command::OpenReview { incident }]
        }
    }
}

fn on_confirm(app: &mut App, action: Option<Action>) -> Vec<Command> {
    let Some(Overlay::Confirm(confirm)) = app.overlay.clone() else {
        return Vec::new();
    };
    match action {
        Some(Action::Back) => {
            app.overlay = None;
            app.say("Cancelled — nothing was changed");
        }
        Some(Action::Perform) => {
            app.overlay = None;
            let Some(incident) = app.checklist_incident() else {
                return Vec::new();
            };
            return match confirm {
                Confirm::Activate(_) => {
                    app.start_work("Breaking the glass: applying the plan");
                    vec![Command::Activate { incident }]
                }
                Confirm::Push(_) => {
                    app.start_work("Pushing the tagged fix");
                    vec![Command::Push { incident }]
                }
                Confirm::Window(window) => {
                    app.start_work("Window: opening the glass, pushing, restoring");
                    vec![Command::RunWindow(Box::new(window.prepared))]
                }
            };
        }
        _ => {}
    }
    Vec::new()
}

fn on_extend_prompt(app: &mut App, action: Option<Action>, event: KeyEvent) -> Vec<Command> {
    let Some(Overlay::ExtendPrompt { reason, error }) = &mut app.overlay else {
        return Vec::new();
    };
    match (action, event.code) {
        (Some(Action::Back), _) => app.overlay = None,
        (Some(Action::Perform), _) => {
            let reason = reason.trim().to_owned();
            if reason.is_empty() {
                *error = Some("A reason is required — it goes into the audit log".into());
                return Vec::new();
            }
            let (Some(view), Some(incident)) = (&app.checklist, app.checklist_incident()) else {
                return Vec::new();
            };
            let Some(window) = &view.window else {
                app.overlay = None;
                return Vec::new();
            };
            let by = app.extend_step.min(window.cap - window.deadline);
            if by <= Duration::zero() {
                if let Some(Overlay::ExtendPrompt { error, .. }) = &mut app.overlay {
                    *error = Some(
                        "The lease is at its cap — restore, or raise the cap in config".into(),
                    );
                }
                return Vec::new();
            }
            app.overlay = None;
            app.start_work("Extending the lease");
            return vec![Command::ExtendLease {
                incident,
                reason,
                by,
            }];
        }
        (None, KeyCode::Char(c)) => {
            reason.push(c);
            *error = None;
        }
        (None, KeyCode::Backspace) => {
            reason.pop();
        }
        _ => {}
    }
    Vec::new()
}

fn on_quit_dialog(app: &mut App, action: Option<Action>) -> Vec<Command> {
    match action {
        Some(Action::Back) => app.overlay = None,
        Some(Action::LeaveToWatchdog) => return vec![Command::Quit],
        Some(Action::RestoreNow) => {
            app.overlay = None;
            app.quit_after_restore = true;
            if let Some(incident) = app.checklist_incident() {
                return restore(app, incident);
            }
        }
        _ => {}
    }
    Vec::new()
}

fn on_declare(app: &mut App, action: Option<Action>, event: KeyEvent) -> Vec<Command> {
    let Some(form) = &mut app.declare else {
        app.go_back();
        return Vec::new();
    };
    match (action, event.code) {
        (Some(Action::Back), _) => {
            app.declare = None;
            app.go_back();
        }
        (Some(Action::NextPane), _) => form.move_focus(true),
        (Some(Action::PrevPane), _) => form.move_focus(false),
        (Some(Action::Perform), _) => {
            if let Some(request) = form.enter() {
                app.start_work(format!("Declaring {}", request.incident));
                return vec![Command::Declare(request)];
            }
        }
        (None, KeyCode::Char(c)) => form.type_char(c),
        (None, KeyCode::Backspace) => form.backspace(),
        _ => {}
    }
    Vec::new()
}

fn on_timeline(app: &mut App, action: Action) {
    let page = app.timeline_page();
    let t = &mut app.timeline;
    match action {
        Action::Up => t.move_by(-1, page),
        Action::Down => t.move_by(1, page),
        Action::PageUp => t.move_by(-(page as isize), page),
        Action::PageDown => t.move_by(page as isize, page),
        Action::Top => t.select(0, page),
        Action::Bottom => t.select(usize::MAX, page),
        Action::Filter => t.editing_filter = true,
        Action::NextPane => t.show_detail = !t.show_detail,
        _ => {}
    }
}

fn on_filter(app: &mut App, action: Option<Action>, event: KeyEvent) -> Vec<Command> {
    let page = app.timeline_page();
    let t = &mut app.timeline;
    match (action, event.code) {
        (Some(Action::Perform), _) => t.editing_filter = false,
        (Some(Action::Back), _) => {
            t.editing_filter = false;
            t.filter.clear();
            t.refilter();
        }
        (None, KeyCode::Char(c)) => {
            t.filter.push(c);
            t.refilter();
        }
        (None, KeyCode::Backspace) => {
            t.filter.pop();
            t.refilter();
        }
        _ => {}
    }
    let selected = t.selected;
    t.select(selected, page);
    Vec::new()
}

fn on_review(app: &mut App, action: Option<Action>, event: KeyEvent) -> Vec<Command> {
    let Some(review) = &mut app.review else {
        app.go_back();
        return Vec::new();
    };
    match action {
        Some(Action::Back) => {
            app.go_back();
            Vec::new()
        }
        Some(Action::NextPane) => {
            review.focus = (review.focus + 1) % review.areas.len();
            Vec::new()
        }
        Some(Action::PrevPane) => {
            let n = review.areas.len();
            review.focus = (review.focus + n - 1) % n;
            Vec::new()
        }
        Some(Action::Submit) => {
            let mut form = review.to_form();
            form.submitted_at = Some(app.now);
            if !review.item_errors.is_empty() {
                app.warn("Fix the action items first (see the form)");
                return Vec::new();
            }
            app.start_work("Submitting the review");
            vec![Command::SubmitReview(form)]
        }
        _ => {
            let changed = review.areas[review.focus].input(event);
            if changed {
                vec![Command::SaveReviewDraft(review.to_form())]
            } else {
                Vec::new()
            }
        }
    }
}

/// `Enter` on the approve step: ask a second person; while the request waits, the same
/// key offers the loud alternative (self-approval with a reason).
fn approve_step(app: &mut App, incident: String) -> Vec<Command> {
    let pending = app
        .checklist
        .as_ref()
        .is_some_and(|c| c.incident.approval.pending().is_some());
    if pending {
        app.overlay = Some(Overlay::SelfApprovePrompt {
            reason: String::new(),
            error: None,
        });
        return Vec::new();
    }
    app.start_work("Asking a second person to approve on the incident issue");
    vec![Command::RequestApproval { incident }]
}

fn on_self_approve_prompt(app: &mut App, action: Option<Action>, event: KeyEvent) -> Vec<Command> {
    let Some(Overlay::SelfApprovePrompt { reason, error }) = &mut app.overlay else {
        return Vec::new();
    };
    match (action, event.code) {
        (Some(Action::Back), _) => app.overlay = None,
        (Some(Action::Perform), _) => {
            let reason = reason.trim().to_owned();
            if reason.is_empty() {
                *error = Some(
                    "A reason is required — it goes into the audit log, the issue and the review"
                        .into(),
                );
                return Vec::new();
            }
            let Some(incident) = app.checklist_incident() else {
                return Vec::new();
            };
            app.overlay = None;
            app.start_work("Self-approving: recorded, posted on the issue, listed for review");
            return vec![Command::SelfApprove { incident, reason }];
        }
        (None, KeyCode::Char(c)) => {
            reason.push(c);
            *error = None;
        }
        (None, KeyCode::Backspace) => {
            reason.pop();
        }
        _ => {}
    }
    Vec::new()
}
