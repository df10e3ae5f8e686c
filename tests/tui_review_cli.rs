//! `breakglass review --export FILE`: the submitted lessons-learned form from the audit
//! log as Markdown, through the real binary; and what it says when there is none.

use breakglass::audit::{AuditLog, NewEntry};
use breakglass::clock::SystemClock;
use breakglass::incident::{IncidentEvent as E, RestoreTrigger};
use serde_json::json;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

fn append(home: &Path, id: &str, events: &[E]) {
    let mut log =
        AuditLog::open(home.join("data").join("audit.jsonl"), Arc::new(SystemClock)).unwrap();
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

fn restored_incident(id: &str) -> Vec<E> {
    vec![
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
            deadline: chrono::Utc::now() + chrono::Duration::minutes(30),
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
        E::RestoreIntended {
            trigger: RestoreTrigger::Operator,
        },
        E::Restored {
            verified: true,
            by_guard: None,
        },
    ]
}

fn breakglass(home: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .output()
        .unwrap()
}

#[test]
fn the_submitted_review_is_exported_as_markdown() {
    let home = tempfile::tempdir().unwrap();
    let mut events = restored_incident("INC-1");
    events.push(E::ReviewSubmitted {
        form: json!({
            "incident": "INC-1",
            "summary": "Rolled back the checkout timeout",
            "impact": "Checkout failed for 12 minutes",
            "timeline": "09:00 declared\n09:05 glass open",
            "root_cause": "", "went_well": "", "went_poorly": "",
            "action_items": [{"what": "Alert on timeouts", "owner": "dana", "due": "2026-12-01"}],
            "lessons": "", "submitted_at": "2026-11-29T09:20:00Z"
        }),
    });
    append(home.path(), "INC-1", &events);
    let file = home.path().join("review.md");
    let out = breakglass(
        home.path(),
        &[
            "review",
            "--export",
            file.to_str().unwrap(),
            "--incident",
            "INC-1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.starts_with("# Post-incident review: INC-1\n"), "{md}");
    // The facts come first, from the audit log.
    let facts = md.find("## Facts from the audit log").expect("facts");
    assert!(facts < md.find("## Summary").unwrap(), "{md}");
    for fact in [
        "- **Commander:** commander (admin on the repository)",
        "- **Ticket:** https://tickets.acme.dev/1",
        "- **Commits:** 1 pushed to main",
        "- **Glass closed by:** the commander (commander)",
    ] {
        assert!(md.contains(fact), "missing {fact:?} in {md}");
    }
    assert!(
        md.contains("## Summary\n\nRolled back the checkout timeout"),
        "{md}"
    );
    assert!(md.contains("- 09:05 glass open"), "{md}");
    assert!(
        md.contains("## Root causes\n\n_Not filled in._"),
        "a form submitted before the sections were aligned loads: {md}"
    );
    assert!(
        md.contains("| Alert on timeouts | — | dana | 2026-12-01 | — |"),
        "{md}"
    );
}

#[test]
fn exporting_an_incident_without_a_review_says_how_to_write_one() {
    let home = tempfile::tempdir().unwrap();
    append(home.path(), "INC-2", &restored_incident("INC-2"));
    let file = home.path().join("review.md");
    let out = breakglass(home.path(), &["review", "--export", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("breakglass review --form --incident INC-2"),
        "{stderr}"
    );
    assert!(!file.exists());
}
