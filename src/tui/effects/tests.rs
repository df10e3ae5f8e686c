//! The effects' file work against real temporary audit logs and data directories: the
//! log watch (including appends by another writer), draft saving order, submission.

use super::review::{DraftWriter, drafts_dir, form_for_export, load_or_prefill, submit};
use super::snapshot::LogWatch;
use crate::audit::{AuditLog, NewEntry};
use crate::clock::FakeClock;
use crate::incident::{IncidentEvent as E, RestoreTrigger};
use crate::paths::Paths;
use crate::review::{ReviewForm, load_draft};
use crate::runbook::Runbook;
use crate::tui::msg::Msg;
use crate::tui::view::ChainStatus;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::sync::Arc;

fn t(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_258_000 + secs, 0).unwrap()
}

/// Appends `events` of incident `id` as another process would: its own log handle.
fn append(paths: &Paths, id: &str, events: &[E]) {
    let mut log = AuditLog::open(paths.audit_log(), Arc::new(FakeClock::at(t(0)))).unwrap();
    for event in events {
        let (kind, data) = event.to_parts();
        log.append(NewEntry {
            incident: Some(id.into()),
            actor: "commander".into(),
            kind,
            data,
        })
        .unwrap();
    }
}

fn declared(id: &str) -> E {
    E::Declared {
        id: id.into(),
        repo: "acme/api".into(),
        branch: "main".into(),
        reason: "checkout 500s https://tickets.acme.dev/1".into(),
        ttl: 1800,
        cap: 7200,
        runbook: "github".into(),
        drill: false,
        api_url: None,
        remote_url: None,
        scenario: None,
    }
}

fn opened() -> Vec<E> {
    vec![
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
            deadline: t(1800),
            applied: json!({}),
        },
    ]
}

fn closed() -> Vec<E> {
    vec![
        E::RestoreIntended {
            trigger: RestoreTrigger::Operator,
        },
        E::Restored {
            verified: true,
            by_guard: None,
        },
    ]
}

fn home() -> (tempfile::TempDir, Paths) {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::under(dir.path());
    paths.ensure().unwrap();
    (dir, paths)
}

#[test]
fn the_watch_sees_another_writers_lease_and_extends_the_timeline() {
    let (_dir, paths) = home();
    let runbook = Runbook::default_github();
    let mut watch = LogWatch::new(paths.audit_log());
    assert!(watch.changed(), "never read yet");
    let first = watch.refresh(&runbook, None, t(10));
    assert!(!watch.changed(), "nothing moved since the read");
    assert!(matches!(&first[0], Msg::HomeChanged(h) if h.leases.is_empty()));

    let mut events = vec![declared("INC-1")];
    events.extend(opened());
    append(&paths, "INC-1", &events);
    assert!(watch.changed(), "another writer appended");
    let msgs = watch.refresh(&runbook, Some("INC-1"), t(60));
    let Msg::HomeChanged(home) = &msgs[0] else {
        panic!("home first")
    };
    assert_eq!(home.leases.len(), 1);
    assert_eq!(home.leases[0].deadline, t(1800));
    let Msg::AuditChanged { rows, chain } = &msgs[1] else {
        panic!("timeline second")
    };
    assert_eq!(rows.len(), 4);
    assert!(matches!(chain, ChainStatus::Verified { head_seq: 4, .. }));
    assert_eq!(
        &home.chain, chain,
        "home shows the chain the ledger verified"
    );
    let Msg::IncidentChanged(view) = &msgs[2] else {
        panic!("the focused incident third")
    };
    assert!(view.window.is_some(), "the glass is open");

    append(&paths, "INC-1", &closed());
    let msgs = watch.refresh(&runbook, Some("INC-1"), t(90));
    let Msg::AuditChanged { rows: grown, .. } = &msgs[1] else {
        panic!("timeline second")
    };
    assert_eq!(grown.len(), 6);
    assert_eq!(grown[..4], rows[..], "earlier rows are kept as they were");
    assert!(matches!(&msgs[0], Msg::HomeChanged(h) if h.leases.is_empty()));
}

#[test]
fn a_rewritten_log_is_reported_broken() {
    let (_dir, paths) = home();
    append(&paths, "INC-1", &[declared("INC-1")]);
    let mut watch = LogWatch::new(paths.audit_log());
    watch.refresh(&Runbook::default_github(), None, t(10));
    let text = std::fs::read_to_string(paths.audit_log()).unwrap();
    std::fs::write(paths.audit_log(), text.replace("acme/api", "acme/evil")).unwrap();
    let msgs = watch.refresh(&Runbook::default_github(), None, t(20));
    let Msg::HomeChanged(home) = &msgs[0] else {
        panic!("home first")
    };
    assert!(
        matches!(home.chain, ChainStatus::Unreadable { .. }) && home.alerts.len() == 1,
        "home says the log is unreadable once, in red: {home:?}"
    );
    assert!(matches!(
        &msgs[1],
        Msg::AuditChanged {
            chain: ChainStatus::Broken { line: 1, .. },
            ..
        }
    ));
}

#[test]
fn drafts_are_written_in_order_and_the_last_edit_wins() {
    let (_dir, paths) = home();
    let writer = DraftWriter::default();
    let edit = |text: &str| ReviewForm {
        summary: text.into(),
        ..ReviewForm::new("INC-1")
    };
    assert!(writer.queue(edit("a")), "the first edit starts a writer");
    assert!(!writer.queue(edit("ab")), "a writer is already running");
    assert!(!writer.queue(edit("abc")));
    assert!(matches!(writer.drain(&drafts_dir(&paths)), Some(Ok(()))));
    let saved = load_draft(&drafts_dir(&paths), "INC-1").unwrap().unwrap();
    assert_eq!(saved.summary, "abc");
    assert!(
        writer.queue(edit("abcd")),
        "the writer stopped once drained"
    );
}

#[test]
fn a_new_form_starts_empty_and_a_draft_is_preferred() {
    let (_dir, paths) = home();
    append(&paths, "INC-1", &[declared("INC-1")]);
    assert_eq!(
        load_or_prefill(&paths, "INC-1").unwrap(),
        ReviewForm::new("INC-1")
    );
    let mut draft = ReviewForm::new("INC-1");
    draft.summary = "kept".into();
    crate::review::save_draft(&drafts_dir(&paths), &draft).unwrap();
    assert_eq!(load_or_prefill(&paths, "INC-1").unwrap().summary, "kept");
}

#[test]
fn a_review_is_submitted_only_once_the_glass_is_closed() {
    let (_dir, paths) = home();
    let mut events = vec![declared("INC-1")];
    events.extend(opened());
    append(&paths, "INC-1", &events);
    let clock = Arc::new(FakeClock::at(t(100)));
    let mut form = ReviewForm::new("INC-1");
    form.summary = "rolled back the timeout".into();
    form.submitted_at = Some(t(100));
    let refused = submit(&paths, clock.clone(), "commander", &form).unwrap_err();
    assert!(refused.error.contains("`active`"), "{}", refused.error);
    assert!(refused.advice.contains("restore first"));
    assert!(
        load_draft(&drafts_dir(&paths), "INC-1").unwrap().is_some(),
        "the draft is saved even when the submission is refused"
    );

    append(&paths, "INC-1", &closed());
    clock.advance(Duration::seconds(5));
    submit(&paths, clock, "commander", &form).unwrap();
    let records = crate::audit::read_verified(&paths.audit_log()).unwrap();
    let last = records.last().unwrap();
    assert_eq!(last.kind, "review_submitted");
    assert_eq!(last.data["form"]["summary"], "rolled back the timeout");
    let exported = form_for_export(&paths, "INC-1").unwrap();
    assert_eq!(exported.summary, "rolled back the timeout");
}

#[test]
fn the_home_names_a_failing_restore_an_unreadable_incident_and_an_unreadable_log() {
    let (_dir, paths) = home();
    let runbook = Runbook::default_github();
    let mut failing = vec![declared("INC-1")];
    failing.extend(opened());
    failing.push(E::RestoreIntended {
        trigger: RestoreTrigger::Watchdog,
    });
    failing.push(E::RestoreFailed {
        error: "503 from the forge".into(),
        attempt: 4,
    });
    append(&paths, "INC-1", &failing);
    // `restored` straight after `declared` does not fold: the incident is unreadable.
    append(
        &paths,
        "INC-2",
        &[
            declared("INC-2"),
            E::Restored {
                verified: true,
                by_guard: None,
            },
        ],
    );
    let mut watch = LogWatch::new(paths.audit_log());
    let msgs = watch.refresh(&runbook, Some("INC-1"), t(30));
    let Msg::HomeChanged(home) = &msgs[0] else {
        panic!("home first")
    };
    let line = "INC-1: RESTORE FAILING since 09:00 UTC — retrying every 8 s — last error: \
                503 from the forge";
    assert!(home.alerts.iter().any(|a| a == line), "{:?}", home.alerts);
    assert!(
        home.alerts
            .iter()
            .any(|a| a.starts_with("INCIDENT INC-2 UNREADABLE:")),
        "{:?}",
        home.alerts
    );
    let Msg::IncidentChanged(view) = &msgs[2] else {
        panic!("the focused incident third")
    };
    let banner = view.window.as_ref().expect("the glass is open");
    assert_eq!(
        banner.restore_failing.as_deref(),
        line.strip_prefix("INC-1: ")
    );

    // A log that cannot be read is said to be so, not shown as a log without leases.
    std::fs::remove_file(paths.audit_log()).unwrap();
    std::fs::create_dir(paths.audit_log()).unwrap();
    let msgs = watch.refresh(&runbook, None, t(40));
    let Msg::HomeChanged(home) = &msgs[0] else {
        panic!("home first")
    };
    assert!(
        home.alerts[0].starts_with("AUDIT LOG UNREADABLE:"),
        "{:?}",
        home.alerts
    );
}
