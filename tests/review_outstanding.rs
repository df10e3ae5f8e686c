//! `breakglass status` lists the real incidents whose review awaits its sign-off, oldest
//! first (by when the glass closed, not when they were declared), with how long each has
//! waited; drills, incidents with nothing pushed and signed-off ones are not listed.

mod flow_support;

use breakglass::audit::{AuditLog, NewEntry};
use breakglass::clock::SystemClock;
use breakglass::incident::{IncidentEvent as E, RestoreTrigger};
use flow_support::{World, text_of};
use serde_json::{Value, json};
use std::sync::Arc;

fn declared(id: &str, drill: bool) -> E {
    E::Declared {
        id: id.into(),
        repo: "acme/api".into(),
        branch: "main".into(),
        reason: format!("checkout 500s https://tickets.acme.dev/{id}"),
        ttl: 1800,
        cap: 7200,
        runbook: "github".into(),
        drill,
        api_url: None,
        remote_url: None,
        scenario: None,
    }
}

/// From preflight to a verified restore; with a landed push when `pushed`.
fn window(pushed: bool) -> Vec<E> {
    let mut events = vec![
        E::Preflighted {
            login: "commander".into(),
            permission: "admin".into(),
            pre_sha: "aaaa".into(),
            snapshot: json!({}),
            commits: vec!["bbbb".into()],
        },
        E::ActivationIntended {
            plan: json!({}),
            reason: None,
        },
        E::Activated {
            deadline: chrono::Utc::now() + chrono::Duration::minutes(30),
            applied: json!({}),
        },
    ];
    if pushed {
        events.push(E::PushIntended {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
        });
        events.push(E::Pushed {
            old_sha: "aaaa".into(),
            new_sha: "bbbb".into(),
            commits: vec!["bbbb".into()],
            remote_lines: vec![],
        });
    }
    events.push(E::RestoreIntended {
        trigger: RestoreTrigger::Operator,
    });
    events.push(E::Restored {
        verified: true,
        by_guard: None,
    });
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_lists_outstanding_reviews_oldest_first() {
    let world = World::start().await;
    let mut log = AuditLog::open(
        world.home.path().join("data").join("audit.jsonl"),
        Arc::new(SystemClock),
    )
    .unwrap();
    let mut append = |id: &str, events: Vec<E>| {
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
    };
    // INC-LATE is declared first but its glass closes last.
    append("INC-LATE", vec![declared("INC-LATE", false)]);
    append("INC-EARLY", vec![declared("INC-EARLY", false)]);
    append("INC-EARLY", window(true));
    append("DRILL-1", vec![declared("DRILL-1", true)]);
    append("DRILL-1", window(true));
    append("INC-NOPUSH", vec![declared("INC-NOPUSH", false)]);
    append("INC-NOPUSH", window(false));
    append("INC-LATE", window(true));
    drop(log);

    let out = world.bg(&["status"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    let listed: Vec<&str> = said
        .lines()
        .filter(|l| l.starts_with("REVIEW OUTSTANDING: "))
        .collect();
    assert_eq!(listed.len(), 2, "{said}");
    assert!(
        listed[0].starts_with("REVIEW OUTSTANDING: INC-EARLY acme/api main, waiting "),
        "{said}"
    );
    assert!(
        listed[1].ends_with("open it with `breakglass review --incident INC-LATE`"),
        "{said}"
    );

    let out = world.bg(&["status", "--json"]).await;
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = report["reviews_outstanding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["INC-EARLY", "INC-LATE"], "{report}");
    assert!(
        report["reviews_outstanding"][0]["waiting_seconds"]
            .as_i64()
            .unwrap()
            >= 0
    );
}
