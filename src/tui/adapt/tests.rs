//! The adapters against real folds of real events and a real audit log on disk.

use super::*;
use crate::audit::{AuditLog, NewEntry, read_verified};
use crate::clock::FakeClock;
use crate::forge::diff::{Difference, ThreeWayDifference};
use crate::incident::{Incident, IncidentEvent as E, Recorded, RestoreTrigger, StepStatus, fold};
use crate::runbook::{Runbook, StepKind};
use crate::tui::view::ChainStatus;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::sync::Arc;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_258_000 + secs, 0).unwrap()
}

fn declared(id: &str, drill: bool) -> E {
    E::Declared {
        id: id.into(),
        repo: "acme/api".into(),
        branch: "main".into(),
        reason: "checkout 500s https://tickets.acme.dev/1".into(),
        ttl: 1800,
        cap: 7200,
        runbook: "github".into(),
        drill,
        api_url: None,
        remote_url: None,
        scenario: None,
    }
}

fn preflighted() -> E {
    E::Preflighted {
        login: "commander".into(),
        permission: "admin".into(),
        pre_sha: "aaaaaaaaaa".into(),
        snapshot: json!({"classic": {"enforce_admins": true}}),
        commits: vec!["bbbb".into()],
    }
}

/// The events of a whole incident up to `upto` events, each 10 s after the previous.
fn history(id: &str, drill: bool, upto: usize) -> Incident {
    let all = vec![
        declared(id, drill),
        E::StepDone {
            step: "second-pair-of-eyes".into(),
            note: None,
        },
        E::StepDone {
            step: "fix-ready".into(),
            note: None,
        },
        preflighted(),
        E::ActivationIntended {
            plan: json!({"steps": []}),
            reason: None,
        },
        E::Activated {
            deadline: t(50 + 1800),
            applied: json!({}),
        },
        E::PushIntended {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
        },
        E::Pushed {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
            remote_lines: vec![],
        },
        E::StepDone {
            step: "watch-deploy".into(),
            note: None,
        },
        E::RestoreIntended {
            trigger: RestoreTrigger::Operator,
        },
        E::Restored {
            verified: true,
            by_guard: None,
        },
        E::ReviewOpened {
            pr_number: 1,
            pr_url: "http://127.0.0.1:1/acme/api/pull/1".into(),
            before_ref: "breakglass/x/before".into(),
            after_ref: "breakglass/x/after".into(),
            commits: Vec::new(),
        },
    ];
    let events: Vec<Recorded> = all
        .into_iter()
        .take(upto)
        .enumerate()
        .map(|(i, event)| Recorded {
            ts: t(10 * i as i64),
            actor: "commander".into(),
            event,
        })
        .collect();
    fold(&events).expect("a valid history")
}

#[test]
fn a_declared_incident_runs_the_next_steps_timer_from_the_declaration() {
    let runbook = Runbook::separate_steps();
    let mut view = checklist_view(&history("INC-1", false, 1), &runbook, t(90));
    let steps = &view.progress.steps;
    assert_eq!(steps.len(), runbook.steps.len());
    assert_eq!(steps[0].status, StepStatus::Done);
    assert_eq!(steps[0].kind, StepKind::Declare);
    assert_eq!(view.progress.current, Some(1));
    assert_eq!(steps[1].status, StepStatus::Current);
    assert_eq!(steps[1].elapsed, Some(Duration::seconds(90)));
    assert_eq!(steps[2].elapsed, None, "a pending step has no timer");
    assert_eq!(view.window, None);
    assert_eq!(view.progress.total_elapsed, Duration::seconds(90));
    view.advance(t(120));
    assert_eq!(
        view.progress.steps[1].elapsed,
        Some(Duration::seconds(120)),
        "the current step's timer runs with the clock"
    );
    assert_eq!(view.progress.total_elapsed, Duration::seconds(120));
}

#[test]
fn done_steps_keep_the_time_they_took() {
    let runbook = Runbook::separate_steps();
    let view = checklist_view(&history("INC-1", false, 4), &runbook, t(500));
    let preflight = &view.progress.steps[2];
    assert_eq!(preflight.kind, StepKind::Preflight);
    assert_eq!(preflight.status, StepStatus::Done);
    assert_eq!(
        (preflight.completed_at, preflight.elapsed),
        (Some(t(30)), Some(Duration::seconds(10)))
    );
    let (index, step) = view.current_step().expect("the approval is next");
    assert_eq!((index, step.kind), (3, StepKind::Approve));
}

#[test]
fn an_open_glass_shows_the_window_from_the_intent_with_the_lease_and_its_cap() {
    let runbook = Runbook::separate_steps();
    let view = checklist_view(&history("INC-1", false, 6), &runbook, t(100));
    let window = view.window.expect("the glass is open");
    assert_eq!(
        window.opened_at,
        t(40),
        "the activation intent opens the window"
    );
    assert_eq!(window.deadline, t(1850));
    assert_eq!(window.cap, t(50) + Duration::hours(2));
    assert_eq!(window.remaining(t(100)), Duration::seconds(1750));
}

#[test]
fn an_activation_without_a_result_still_shows_an_open_glass() {
    let runbook = Runbook::separate_steps();
    let view = checklist_view(&history("INC-1", false, 5), &runbook, t(100));
    let window = view.window.expect("the glass may be open");
    assert_eq!(window.opened_at, t(40));
    assert_eq!(window.deadline, t(40 + 1800));
}

#[test]
fn a_restored_incident_has_no_banner() {
    let runbook = Runbook::separate_steps();
    let view = checklist_view(&history("INC-1", false, 11), &runbook, t(200));
    assert_eq!(view.window, None);
    let restore = view
        .progress
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Restore)
        .unwrap();
    assert_eq!(restore.status, StepStatus::Done);
}

#[test]
fn home_lists_open_glass_first_every_lease_and_finished_drills_apart() {
    let open = history("INC-OPEN", false, 6);
    let declared = history("INC-NEW", false, 1);
    let drill = history("DRILL-1", true, 12);
    let home = home_view(&[declared, drill, open]);
    let ids: Vec<&str> = home.incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        ["INC-OPEN", "INC-NEW"],
        "the finished drill is not open"
    );
    assert_eq!(home.incidents[0].phase, "GLASS OPEN");
    assert_eq!(home.leases.len(), 1);
    assert_eq!(home.leases[0].incident, "INC-OPEN");
    assert_eq!(home.leases[0].deadline, t(1850));
    assert_eq!(home.drills.len(), 1);
    let row = &home.drills[0];
    assert!(row.passed, "pushed, restored exactly and reviewed");
    assert_eq!(row.exposure, Duration::seconds(100 - 40));
    assert_eq!(row.total, Duration::seconds(110));
}

#[test]
fn a_drill_without_its_review_did_not_pass() {
    let drill = history("DRILL-1", true, 11);
    assert!(!drill_row(&drill).passed);
    assert_eq!(home_view(&[drill]).drills.len(), 1);
}

fn log_with(
    entries: &[(Option<&str>, &str, serde_json::Value)],
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, Arc::new(FakeClock::at(t(0)))).unwrap();
    for (incident, kind, data) in entries {
        log.append(NewEntry {
            incident: incident.map(str::to_owned),
            actor: "commander".into(),
            kind: (*kind).into(),
            data: data.clone(),
        })
        .unwrap();
    }
    (dir, path)
}

#[test]
fn audit_records_become_rows_with_their_incident_a_summary_and_the_json() {
    let (kind, data) = declared("INC-7", false).to_parts();
    let (_dir, path) = log_with(&[
        (Some("INC-7"), &kind, data),
        (None, "recovered", json!({"moved": "audit.jsonl.torn"})),
    ]);
    let read = read_verified(&path);
    let rows = timeline_rows(read.as_ref().unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].incident.as_deref(), Some("INC-7"));
    assert_eq!(
        rows[0].summary,
        "INC-7 declared on acme/api:main, lease 30 min — checkout 500s https://tickets.acme.dev/1"
    );
    assert!(rows[0].json.contains("\"hash\""));
    assert!(rows[0].json.contains("\"reason\""));
    assert_eq!(rows[1].incident, None);
    assert!(rows[1].summary.starts_with("recovered: "));
    match chain_status(&read) {
        ChainStatus::Verified {
            head_seq,
            head_hash,
        } => {
            assert_eq!(head_seq, 2);
            assert_eq!(head_hash, read.unwrap()[1].hash);
        }
        other => panic!("expected a verified chain, got {other:?}"),
    }
}

#[test]
fn a_tampered_log_shows_the_first_bad_line() {
    let (kind, data) = declared("INC-7", false).to_parts();
    let (_dir, path) = log_with(&[
        (Some("INC-7"), &kind, data),
        (Some("INC-7"), "closed", json!({})),
    ]);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("acme/api", "acme/evil", 1)).unwrap();
    match chain_status(&read_verified(&path)) {
        ChainStatus::Broken { line, reason } => {
            assert_eq!(line, 1);
            assert!(reason.contains("hash"), "{reason}");
        }
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn summaries_are_one_bounded_line() {
    let (_dir, path) = log_with(&[(
        Some("INC-7"),
        "push_rejected",
        json!({"status": format!("declined{}", "x".repeat(400)), "remote_lines": []}),
    )]);
    let rows = timeline_rows(&read_verified(&path).unwrap());
    assert!(rows[0].summary.starts_with("push REJECTED: declined"));
    assert_eq!(rows[0].summary.chars().count(), 161);
    assert!(rows[0].summary.ends_with('…'));
}

#[test]
fn the_plan_reads_as_sentences_and_a_diff() {
    let view = plan_view(
        "Turn off enforce_admins on main.\n\nRestore it afterwards.\n",
        &[Difference {
            path: "classic.enforce_admins".into(),
            before: Some(json!(true)),
            after: Some(json!(false)),
        }],
    );
    assert_eq!(
        view.words,
        ["Turn off enforce_admins on main.", "Restore it afterwards."]
    );
    assert_eq!(
        view.diff_lines,
        [
            "- classic.enforce_admins: true",
            "+ classic.enforce_admins: false"
        ]
    );
}

#[test]
fn a_refused_push_shows_the_reason_first_and_sanitised_remote_lines() {
    let lines = remote_lines(
        false,
        Some("protected branch hook declined"),
        &["remote: \u{1b}[31merror: GH006\u{1b}[0m".into()],
    );
    assert!(!lines.accepted);
    assert_eq!(lines.lines[0], "refused: protected branch hook declined");
    assert!(lines.lines[1].contains("error: GH006"));
    assert!(
        !lines.lines[1].contains('\u{1b}'),
        "no escape sequence reaches the terminal"
    );
    assert_eq!(remote_lines(true, None, &[]).lines, Vec::<String>::new());
}

#[test]
fn drift_is_a_three_way_table_with_advice_even_when_the_snapshot_is_back() {
    let view = restore_view(
        "INC-7",
        true,
        &[],
        &[ThreeWayDifference {
            path: "classic.required_status_checks.contexts".into(),
            snapshot: Some(json!(["ci"])),
            ours: Some(json!(["ci"])),
            theirs: Some(json!(["ci", "lint"])),
        }],
        None,
    );
    assert!(view.verified);
    let drift = view.drift.expect("a drift table");
    assert_eq!(drift.rows[0].before, r#"["ci"]"#);
    assert_eq!(drift.rows[0].now, r#"["ci","lint"]"#);
    assert!(view.advice.unwrap().contains("someone changed protection"));
}

#[test]
fn a_failed_restore_says_what_failed_and_how_to_retry() {
    let view = restore_view(
        "INC-7",
        false,
        &[Difference {
            path: "classic.enforce_admins".into(),
            before: Some(json!(true)),
            after: Some(json!(false)),
        }],
        &[],
        Some("PUT protection failed: 502"),
    );
    assert!(!view.verified);
    assert_eq!(view.differences[0], "PUT protection failed: 502");
    assert_eq!(view.differences[1], "classic.enforce_admins: true → false");
    assert!(
        view.advice
            .unwrap()
            .contains("breakglass restore --incident INC-7")
    );
    assert_eq!(restore_view("INC-7", true, &[], &[], None).advice, None);
}

#[test]
fn home_names_the_guard_that_closed_the_glass() {
    use crate::incident::fixtures::{at, history_to};
    let mut events = history_to(crate::incident::Phase::Restoring);
    events.push(at(
        400,
        E::Restored {
            verified: true,
            by_guard: Some("ops-bot".into()),
        },
    ));
    let home = home_view(&[fold(&events).unwrap()]);
    assert_eq!(
        home.incidents[0].phase,
        "restored — review next (closed by guard ops-bot)"
    );
}
