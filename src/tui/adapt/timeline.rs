//! Audit records as timeline rows (time, actor, kind, a one-line summary, the record's
//! JSON) and the chain's status from the result of reading the log.

use crate::audit::{AuditError, Record};
use crate::incident::{DriftChoice, IncidentEvent};
use crate::text::sanitize_line;
use crate::tui::view::{ChainStatus, TimelineRow};

/// Longest summary kept, in characters; the detail pane holds the rest.
const SUMMARY_CHARS: usize = 160;

/// Every record as a row, oldest first.
pub fn timeline_rows(records: &[Record]) -> Vec<TimelineRow> {
    records.iter().map(timeline_row).collect()
}

pub fn timeline_row(record: &Record) -> TimelineRow {
    let json = serde_json::json!({
        "seq": record.seq,
        "ts": record.ts_text(),
        "incident": record.incident,
        "actor": record.actor,
        "kind": record.kind,
        "data": record.data,
        "prev": record.prev,
        "hash": record.hash,
    });
    TimelineRow {
        seq: record.seq,
        ts: record.ts,
        incident: record.incident.as_deref().map(sanitize_line),
        actor: sanitize_line(&record.actor),
        kind: sanitize_line(&record.kind),
        summary: event_summary(record),
        json: serde_json::to_string_pretty(&json).expect("a JSON value always serialises"),
    }
}

/// One line saying what the event means, sanitised and bounded.
pub fn event_summary(record: &Record) -> String {
    let text = match IncidentEvent::from_parts(&record.kind, &record.data) {
        Ok(event) => describe(&event, record.incident.as_deref().unwrap_or("?")),
        Err(_) => format!("{}: {}", record.kind, record.data),
    };
    let line = sanitize_line(&text);
    match line.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

fn describe(event: &IncidentEvent, incident: &str) -> String {
    use IncidentEvent as E;
    match event {
        E::Declared {
            repo,
            branch,
            reason,
            ttl,
            drill,
            ..
        } => format!(
            "{incident} declared{} on {repo}:{branch}, lease {} min — {reason}",
            if *drill { " (drill)" } else { "" },
            ttl / 60
        ),
        E::StepDone { step, note } => match note {
            Some(note) => format!("step {step} done — {note}"),
            None => format!("step {step} done"),
        },
        E::Preflighted {
            login,
            permission,
            pre_sha,
            commits,
            ..
        } => format!(
            "preflight: {login} is {permission}; branch at {}; {} commit(s) to push; snapshot taken",
            short(pre_sha),
            commits.len()
        ),
        E::ApprovalRequested { .. }
        | E::Approved { .. }
        | E::ApprovalDenied { .. }
        | E::ApprovalTimedOut {}
        | E::SelfApproved { .. } => {
            crate::incident::describe_approval_event(event).unwrap_or_default()
        }
        E::ActivationIntended { .. } => "relax plan recorded before any forge change".to_owned(),
        E::Activated { deadline, .. } => {
            format!("GLASS OPEN until {}", deadline.format("%H:%M:%S UTC"))
        }
        E::ActivationFailed { error } => format!("activation FAILED: {error}"),
        E::LeaseExtended { deadline, reason } => format!(
            "lease extended to {} — {reason}",
            deadline.format("%H:%M:%S UTC")
        ),
        E::PushIntended {
            old_sha,
            new_sha,
            commits,
        } => format!(
            "push intended {} → {} ({} commit(s))",
            short(old_sha),
            short(new_sha),
            commits.len()
        ),
        E::Pushed {
            old_sha,
            new_sha,
            commits,
            ..
        } => format!(
            "pushed {} → {} ({} commit(s))",
            short(old_sha),
            short(new_sha),
            commits.len()
        ),
        E::PushRejected { status, .. } => format!("push REJECTED: {status}"),
        E::RestoreIntended { trigger } => format!(
            "restore started ({})",
            serde_json::to_value(trigger)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ),
        E::DriftDetected { diff } => format!(
            "DRIFT: {} protection change(s) by someone else during the window",
            diff.as_array().map_or(1, Vec::len)
        ),
        E::DriftDecided { choice, .. } => match choice {
            DriftChoice::RestoreSnapshot => "drift: restore the snapshot (overwrite their change)",
            DriftChoice::KeepTheirs => "drift: keep their change, undo only ours",
            DriftChoice::Hold => "drift: HOLD — glass stays open until the deadline",
        }
        .to_owned(),
        E::Restored {
            verified: true,
            by_guard: Some(guard),
        } => format!("restored by guard {guard}, verified by read-back"),
        E::Restored { verified: true, .. } => "restored and verified by read-back".to_owned(),
        E::Restored {
            verified: false, ..
        } => "restored but NOT verified by read-back".to_owned(),
        E::RestoreFailed { error, attempt } => {
            format!("restore attempt {attempt} FAILED: {error}")
        }
        E::ReviewOpened {
            pr_number, pr_url, ..
        } => {
            format!("retroactive review #{pr_number} opened: {pr_url}")
        }
        E::ReviewSubmitted { .. } => "lessons-learned review submitted".to_owned(),
        E::ReviewSignedOff { reviewer } => format!("review signed off by {reviewer}"),
        E::Closed { note } => match note {
            Some(note) => format!("{incident} closed — {note}"),
            None => format!("{incident} closed"),
        },
    }
}

fn short(sha: &str) -> &str {
    sha.get(..7).unwrap_or(sha)
}

/// The chain's status after reading the log: its head when it verified, the first bad
/// line when it did not, or why it could not be read.
pub fn chain_status(read: &Result<Vec<Record>, AuditError>) -> ChainStatus {
    match read {
        Ok(records) => match records.last() {
            Some(last) => ChainStatus::Verified {
                head_seq: last.seq,
                head_hash: last.hash.clone(),
            },
            None => ChainStatus::Verified {
                head_seq: 0,
                head_hash: crate::audit::GENESIS_PREV.to_owned(),
            },
        },
        Err(AuditError::Corrupt { line, problem, .. }) => ChainStatus::Broken {
            line: *line,
            reason: problem.to_string(),
        },
        Err(AuditError::TornTail { line, bytes, .. }) => ChainStatus::Broken {
            line: *line,
            reason: format!(
                "unfinished last line ({bytes} bytes, a write cut short); the next write \
                 recovers it"
            ),
        },
        Err(other) => ChainStatus::Unreadable {
            reason: other.to_string(),
        },
    }
}

/// The review form's timeline prefill: one line per event of `incident`, oldest first.
pub fn review_timeline(rows: &[TimelineRow], incident: &str) -> String {
    rows.iter()
        .filter(|r| r.incident.as_deref() == Some(incident))
        .map(|r| {
            format!(
                "{} {} — {}",
                r.ts.format("%H:%M:%S"),
                sanitize_line(&r.kind),
                sanitize_line(&r.summary)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
