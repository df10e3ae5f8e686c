//! Each command as a flow call and the messages it answers with. Failures come back as
//! `EffectFailed` with the flow error's guidance; nothing here renders or blocks the loop.

use super::connection::Connection;
use super::drill::{
    current_drill, drill_holding, drill_step_of, list_scenarios, score_drill, start_drill,
    start_session,
};
use super::failure::Failure;
use super::outgoing::{outgoing_commits, trailers};
use super::review::{
    check_outstanding_sign_offs, check_sign_off, drafts_dir, facts_for, load_or_prefill,
    submit_review,
};
use super::snapshot::load_incident;
use super::{Shared, lock, send_snapshots};
use crate::flow::{Declaration, FlowError};
use crate::incident::{Incident, RestoreTrigger};
use crate::tui::adapt::{
    checklist_view, plan_view, push_view, remote_lines, restore_view, window_confirm, window_result,
};
use crate::tui::command::Command;
use crate::tui::declare::DeclareRequest;
use crate::tui::msg::Msg;
use crate::tui::task_panic;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// True for commands after which the log may hold new events.
pub fn changes_the_log(command: &Command) -> bool {
    !matches!(
        command,
        Command::LoadReviewDraft { .. } | Command::SaveReviewDraft(_) | Command::Quit
    )
}

/// Performs `command` and returns its answer.
pub async fn perform(
    shared: &Arc<Shared>,
    command: Command,
    results: &UnboundedSender<Msg>,
) -> Vec<Msg> {
    let name = effect_name(&command);
    let failed = |failure: Failure| {
        vec![Msg::EffectFailed {
            effect: name.to_owned(),
            error: failure.error,
            advice: failure.advice,
        }]
    };
    let drill_step = drill_step_of(shared, &command);
    if let Some((session, step)) = &drill_step {
        let started = match &command {
            // Confirmed: the window's faults were armed as it was prepared.
            Command::RunWindow(_) => session.push_starts(),
            _ => session.step_starts(step),
        };
        if let Err(failure) = started {
            return failed(failure);
        }
    }
    match run(shared, command, results).await {
        Ok(msgs) => msgs,
        Err(failure) => {
            if let Some((session, step)) = drill_step {
                session.step_failed(step, &format!("{} — {}", failure.error, failure.advice));
            }
            failed(failure)
        }
    }
}

pub(super) fn effect_name(command: &Command) -> &'static str {
    match command {
        Command::Declare(_) => "Declare",
        Command::ListScenarios => "List drill scenarios",
        Command::StartDrill { .. } => "Start drill",
        Command::ScoreDrill { .. } => "Score the drill",
        Command::OpenIncident { .. } => "Open incident",
        Command::CompleteStep { .. } => "Tick step",
        Command::Preflight { .. } => "Preflight",
        Command::RequestApproval { .. } => "Request approval",
        Command::CheckApproval { .. } => "Check approval",
        Command::SelfApprove { .. } => "Self-approve",
        Command::Activate { .. } => "Activate",
        Command::PreparePush { .. } => "List the push",
        Command::Push { .. } => "Push",
        Command::PrepareWindow { .. } => "Prepare the window",
        Command::RunWindow(_) => "Window",
        Command::Restore { .. } => "Restore",
        Command::ExtendLease { .. } => "Extend lease",
        Command::OpenReview { .. } => "Open review",
        Command::LoadReviewDraft { .. } => "Load review",
        Command::SaveReviewDraft(_) => "Save review draft",
        Command::SubmitReview(_) => "Submit review",
        Command::CheckSignOff { .. } => "Check sign-off",
        Command::CheckOutstandingSignOffs => "Check outstanding sign-offs",
        Command::Quit => "Quit",
    }
}

async fn run(
    shared: &Arc<Shared>,
    command: Command,
    results: &UnboundedSender<Msg>,
) -> Result<Vec<Msg>, Failure> {
    match command {
        Command::Declare(request) => declare(shared, request).await,
        Command::ListScenarios => Ok(vec![Msg::ScenariosListed(list_scenarios(shared).await)]),
        Command::StartDrill { scenario } => {
            let session = start_drill(shared, &scenario).await?;
            Ok(vec![Msg::DrillReady(session.draft.clone())])
        }
        Command::ScoreDrill { incident } => Ok(vec![Msg::DrillScored(Box::new(
            score_drill(shared, &incident).await?,
        ))]),
        Command::OpenIncident { incident } => {
            let view = {
                let path = shared.paths.audit_log();
                let id = incident.clone();
                blocking(move || load_incident(&path, &id)).await
            };
            let Some(found) = view else {
                return Err(Failure::new(
                    format!("incident {incident} cannot be read from the audit log"),
                    "check it with `breakglass audit verify`",
                ));
            };
            focus(shared, &incident);
            if found.glass_possibly_open()
                && let Some(connection) = guard_connection(shared, &found)
            {
                guard(shared, results, connection, &incident);
            }
            let now = shared.clock.now();
            Ok(vec![Msg::IncidentOpened(checklist_view(
                &found,
                &shared.runbook,
                now,
            ))])
        }
        Command::CompleteStep { incident, step } => {
            let step_id = shared
                .runbook
                .steps
                .get(step)
                .map(|s| s.id.clone())
                .ok_or_else(|| {
                    Failure::new(
                        format!("the runbook has no step {}", step + 1),
                        "reopen the incident",
                    )
                })?;
            let c = connection_for(shared, &incident).await?;
            c.flow.tick_step(&incident, &step_id, None).await?;
            Ok(vec![Msg::StepCompleted])
        }
        Command::Preflight { incident } => {
            let c = connection_for(shared, &incident).await?;
            let report = c.flow.preflight(&incident, Some(&c.repo_dir), None).await?;
            Ok(vec![Msg::PlanReady(plan_view(
                &report.plan_words,
                &report.plan_diff,
            ))])
        }
        Command::RequestApproval { incident } => {
            let c = connection_for(shared, &incident).await?;
            c.flow.request_approval(&incident).await?;
            Ok(vec![Msg::StepCompleted])
        }
        Command::CheckApproval { incident } => {
            let c = connection_for(shared, &incident).await?;
            let refused = match c.flow.check_approval(&incident).await? {
                crate::flow::ApprovalCheck::Waiting(wait) => {
                    wait.refusals.into_iter().map(|r| r.why).collect()
                }
                _ => Vec::new(),
            };
            Ok(vec![Msg::ApprovalChecked(refused)])
        }
        Command::SelfApprove { incident, reason } => {
            let c = connection_for(shared, &incident).await?;
            c.flow.self_approve(&incident, &reason).await?;
            Ok(vec![Msg::StepCompleted])
        }
        Command::Activate { incident } => {
            let c = connection_for(shared, &incident).await?;
            c.flow.activate(&incident).await?;
            guard(shared, results, c, &incident);
            Ok(vec![Msg::Activated])
        }
        Command::PreparePush { incident } => prepare_push(shared, &incident).await,
        Command::Push { incident } => push(shared, &incident).await,
        Command::PrepareWindow { incident } => {
            let c = connection_for(shared, &incident).await?;
            let prepared = c
                .flow
                .prepare_window(&incident, Some(&c.repo_dir), None)
                .await?;
            Ok(vec![Msg::WindowReady(Box::new(window_confirm(&prepared)))])
        }
        Command::RunWindow(prepared) => {
            let c = connection_for(shared, &prepared.incident).await?;
            let report = c.flow.run_window(&prepared).await?;
            Ok(vec![Msg::WindowDone(window_result(
                &report,
                &prepared.remote,
                &prepared.branch,
            ))])
        }
        Command::Restore { incident } => {
            let c = connection_for(shared, &incident).await?;
            let outcome = c.flow.restore(&incident, RestoreTrigger::Operator).await?;
            Ok(vec![Msg::Restored(restore_view(
                &incident,
                outcome.verified,
                &outcome.differences,
                &outcome.drift,
                outcome.error.as_deref(),
            ))])
        }
        Command::ExtendLease {
            incident,
            reason,
            by,
        } => {
            let c = connection_for(shared, &incident).await?;
            let extended = c.flow.extend_lease(&incident, by, &reason).await?;
            let deadline = extended
                .lease
                .map(|l| l.deadline)
                .ok_or_else(|| Failure::new("the lease is gone", "reopen the incident"))?;
            Ok(vec![Msg::LeaseExtended(deadline)])
        }
        Command::OpenReview { incident } => {
            let c = connection_for(shared, &incident).await?;
            let report = c.flow.open_review_and_check_sign_off(&incident).await?;
            Ok(vec![Msg::ReviewOpened(report.pr_url)])
        }
        Command::LoadReviewDraft { incident } => {
            let (paths, runbook, now) = (
                shared.paths.clone(),
                shared.runbook.clone(),
                shared.clock.now(),
            );
            let (form, facts) = blocking(move || {
                let facts = facts_for(&paths, &runbook, &incident, now);
                load_or_prefill(&paths, &incident).map(|form| (form, facts))
            })
            .await?;
            let mut said = vec![Msg::ReviewDraftLoaded(Some(form.clone()))];
            if let Some(facts) = facts {
                said.push(Msg::ReviewFactsLoaded {
                    incident: form.incident,
                    lines: facts.lines(),
                });
            }
            Ok(said)
        }
        Command::SaveReviewDraft(form) => save_draft(shared, form).await,
        Command::SubmitReview(form) => submit_review(shared, form).await,
        Command::CheckSignOff { incident } => {
            let line = match check_sign_off(shared, &incident).await {
                Ok(report) => report.summary(&incident),
                Err(line) => line,
            };
            Ok(vec![Msg::SignOffChecked(line)])
        }
        Command::CheckOutstandingSignOffs => check_outstanding_sign_offs(shared).await,
        Command::Quit => Ok(Vec::new()),
    }
}

async fn declare(shared: &Arc<Shared>, request: DeclareRequest) -> Result<Vec<Msg>, Failure> {
    let repo = request
        .repository
        .trim()
        .parse()
        .map_err(|e: crate::forge::RepoIdError| {
            Failure::new(e.to_string(), "write the repository as owner/name")
        })?;
    let id = request.incident.trim().to_owned();
    let declaration = Declaration {
        id: id.clone(),
        repo,
        branch: request.branch.trim().to_owned(),
        reason: request.reason,
        ttl: Some(request.ttl),
        drill: request.drill,
        // A drill's rehearsal names its own clone's remote.
        remote_url: None,
    };
    let incident = if request.drill {
        let session = match current_drill(shared) {
            Some(session) => session,
            None => start_session(shared, &shared.drill_setup).await?,
        };
        session.rehearsal().declare(declaration).await?
    } else {
        let connection = shared.real.connect(&shared.paths, &shared.clock).await?;
        let remote_url = connection
            .flow
            .clone_remote_url(Some(&connection.repo_dir), None);
        connection
            .flow
            .declare(Declaration {
                remote_url,
                ..declaration
            })
            .await?
    };
    focus(shared, &id);
    let now = shared.clock.now();
    Ok(vec![Msg::IncidentOpened(checklist_view(
        &incident,
        &shared.runbook,
        now,
    ))])
}

async fn prepare_push(shared: &Arc<Shared>, incident: &str) -> Result<Vec<Msg>, Failure> {
    let c = connection_for(shared, incident).await?;
    let found = c.flow.incident(incident)?;
    let remote = c.flow.config().remote.clone();
    let dir = c.repo_dir.clone();
    let branch = found.branch.clone();
    let commits = blocking(move || outgoing_commits(&dir, &remote, &branch)).await?;
    if commits.is_empty() {
        return Err(Failure::new(
            format!(
                "the clone has no commits that the forge's {} lacks",
                found.branch
            ),
            "commit the fix first, then press Enter again",
        ));
    }
    let head = {
        let path = shared.paths.audit_log();
        blocking(move || crate::audit::read_verified(&path).ok()).await
    }
    .and_then(|records| records.last().map(|r| r.hash.clone()))
    .unwrap_or_default();
    Ok(vec![Msg::PushReady(push_view(
        &commits,
        &trailers(incident, head),
    ))])
}

async fn push(shared: &Arc<Shared>, incident: &str) -> Result<Vec<Msg>, Failure> {
    let c = connection_for(shared, incident).await?;
    match c.flow.push(incident, Some(&c.repo_dir), None).await {
        Ok(report) => Ok(vec![Msg::PushOutcome(remote_lines(
            report.accepted,
            report.status.as_deref(),
            &report.remote_lines,
        ))]),
        // The refusal and the remote's lines are in the log: show them as the remote said.
        Err(FlowError::PushRefused { status, .. }) => {
            let lines = c
                .flow
                .incident(incident)
                .ok()
                .and_then(|i| i.push_rejections.last().map(|r| r.remote_lines.clone()))
                .unwrap_or_default();
            Ok(vec![Msg::PushOutcome(remote_lines(
                false,
                Some(&status),
                &lines,
            ))])
        }
        Err(other) => Err(other.into()),
    }
}

async fn save_draft(
    shared: &Arc<Shared>,
    form: crate::review::ReviewForm,
) -> Result<Vec<Msg>, Failure> {
    if !shared.drafts.queue(form) {
        // A writer is running and will write this one (or a newer one) next.
        return Ok(Vec::new());
    }
    let (writer, dir) = (shared.drafts.clone(), drafts_dir(&shared.paths));
    match blocking(move || writer.drain(&dir)).await {
        Some(Err(failure)) => Err(failure),
        _ => Ok(vec![Msg::ReviewDraftSaved(shared.clock.now())]),
    }
}

/// The flow that acts on `incident`: the drill's for an incident declared against this
/// session's sandbox, else the operator's forge (connected now if needed).
pub(super) async fn connection_for(
    shared: &Arc<Shared>,
    incident: &str,
) -> Result<Connection, Failure> {
    if let Some(session) = drill_holding(shared, incident) {
        return Ok(session.connection.clone());
    }
    let folded = {
        let (path, id) = (shared.paths.audit_log(), incident.to_owned());
        blocking(move || load_incident(&path, &id)).await
    };
    match folded {
        Some(folded) if folded.drill => Err(Failure::new(
            format!("{incident} is a drill whose sandbox forge ended with the process that ran it"),
            "start a new drill with d; the old one is only history now",
        )),
        Some(folded) => {
            shared
                .real
                .connect_for(&folded, &shared.paths, &shared.clock)
                .await
        }
        None => shared.real.connect(&shared.paths, &shared.clock).await,
    }
}

/// The connection for `incident` if it exists already (never connects).
fn connection_if_ready(shared: &Arc<Shared>, incident: &str) -> Result<Connection, ()> {
    if let Some(session) = drill_holding(shared, incident) {
        return Ok(session.connection.clone());
    }
    shared.real.connected().cloned().ok_or(())
}

/// The connection the deadline guard of `incident` restores through, if one is made: the
/// drill's, or the one to the forge the incident was declared on (never another forge's).
fn guard_connection(shared: &Arc<Shared>, incident: &Incident) -> Option<Connection> {
    if let Some(session) = drill_holding(shared, &incident.id) {
        return Some(session.connection.clone());
    }
    shared.real.connected_for(incident)
}

/// Who a review is recorded as: the forge login when this session knows it.
pub(super) fn actor_for(shared: &Arc<Shared>, incident: &str) -> String {
    match connection_if_ready(shared, incident) {
        Ok(c) => c.flow.actor().to_owned(),
        Err(()) => std::env::var("USER")
            .map(|u| format!("local:{}", crate::text::sanitize_line(&u)))
            .unwrap_or_else(|_| "local:unknown".into()),
    }
}

fn focus(shared: &Shared, incident: &str) {
    *lock(&shared.focus) = Some(incident.to_owned());
}

/// The lease's first layer: this process restores `incident` at its deadline, unless it
/// is closed first (by the operator, the watchdog or another command).
fn guard(shared: &Arc<Shared>, results: &UnboundedSender<Msg>, c: Connection, incident: &str) {
    if !lock(&shared.guarded).insert(incident.to_owned()) {
        return;
    }
    let (shared, results, id) = (shared.clone(), results.clone(), incident.to_owned());
    tokio::spawn(async move {
        const EFFECT: &str = "Restore at the deadline";
        match crate::caught::catch(c.flow.guard_lease(&id, RestoreTrigger::Deadline)).await {
            Err(panic) => {
                let _ = results.send(task_panic::panicked(EFFECT, &panic));
            }
            Ok(Ok(Some(outcome))) => {
                let _ = results.send(Msg::Restored(restore_view(
                    &id,
                    outcome.verified,
                    &outcome.differences,
                    &outcome.drift,
                    outcome.error.as_deref(),
                )));
            }
            Ok(Ok(None)) => {}
            Ok(Err(error)) => {
                let failure = Failure::from(error);
                let _ = results.send(Msg::EffectFailed {
                    effect: EFFECT.into(),
                    error: failure.error,
                    advice: failure.advice,
                });
            }
        }
        lock(&shared.guarded).remove(&id);
        send_snapshots(&shared, &results).await;
    });
}

/// Runs blocking file or git work off the async threads; a panic there comes back to the
/// effect, which answers it.
pub(super) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    crate::caught::blocking(work).await
}
