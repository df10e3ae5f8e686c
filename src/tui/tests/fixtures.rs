//! Known states for the tests: the built-in runbook, through the adapter from real folds, at
//! fixed times around 09:00 UTC.

use crate::tui::app::App;
use crate::tui::msg::Msg;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::view::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::sync::Arc;

/// 2026-01-01 `h:m:s` UTC (seconds may exceed 59: `at(9, 0, 570)` is 09:09:30).
pub fn at(h: i64, m: i64, s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(h * 3600 + m * 60 + s)
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    let modifiers = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Sends each character of `text` as a key.
pub fn type_text(app: &mut App, text: &str) -> Vec<crate::tui::Command> {
    text.chars().flat_map(|c| update(app, ch(c))).collect()
}

/// The built-in runbook's checklist, made by the TUI's adapter from a real fold: an
/// incident declared at 09:00 whose first `done` steps finished at the given boundaries
/// (seconds after 09:00; `boundaries[i + 1]` ends step `i`), seen at the last boundary.
pub fn checklist(done: usize, boundaries: &[i64]) -> ChecklistView {
    use crate::incident::{IncidentEvent as E, Recorded, RestoreTrigger, fold};
    use crate::runbook::StepKind as Kind;
    let runbook = crate::runbook::Runbook::default_github();
    let record = |secs: i64, event: E| Recorded {
        ts: at(9, 0, secs),
        actor: "commander".into(),
        event,
    };
    let mut records = vec![record(
        0,
        E::Declared {
            id: "INC-42".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "checkout 500s https://tickets.acme.dev/INC-42".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "github".into(),
            drill: true,
        },
    )];
    let (old_sha, new_sha, commits) = ("aaaa".to_owned(), "bbbb".to_owned(), vec!["bbbb".into()]);
    for (index, step) in runbook.steps.iter().enumerate().take(done).skip(1) {
        let secs = boundaries[index + 1];
        let events = match step.kind {
            Kind::Manual => vec![E::StepDone {
                step: step.id.clone(),
                note: None,
            }],
            Kind::Preflight => vec![E::Preflighted {
                login: "commander".into(),
                permission: "admin".into(),
                pre_sha: old_sha.clone(),
                snapshot: serde_json::json!({}),
                commits: commits.clone(),
            }],
            Kind::Activate => vec![
                E::ActivationIntended {
                    plan: serde_json::json!({}),
                },
                E::Activated {
                    deadline: at(9, 30, secs),
                    applied: serde_json::json!({}),
                },
            ],
            Kind::Push => vec![
                E::PushIntended {
                    old_sha: old_sha.clone(),
                    new_sha: new_sha.clone(),
                    commits: commits.clone(),
                },
                E::Pushed {
                    old_sha: old_sha.clone(),
                    new_sha: new_sha.clone(),
                    commits: commits.clone(),
                    remote_lines: vec![],
                },
            ],
            Kind::Restore => vec![
                E::RestoreIntended {
                    trigger: RestoreTrigger::Operator,
                },
                E::Restored { verified: true },
            ],
            Kind::Review => vec![E::ReviewOpened {
                pr_number: 7,
                pr_url: "http://127.0.0.1/acme/api/pull/7".into(),
                before_ref: "breakglass/INC-42/before".into(),
                after_ref: "breakglass/INC-42/after".into(),
            }],
            Kind::Declare => unreachable!("only the first step declares"),
        };
        records.extend(events.into_iter().map(|event| record(secs, event)));
    }
    let incident = fold(&records).expect("a possible history");
    let seen = at(9, 0, *boundaries.last().expect("a boundary"));
    crate::tui::adapt::checklist_view(&incident, &runbook, seen)
}

/// Before activation: steps 1–4 done, preflight finished at 09:09:50.
pub fn before_activate() -> ChecklistView {
    checklist(4, &[0, 90, 180, 570, 590])
}

/// The glass open since 09:10:10; step 3 took 6:30 of 5:00 (amber); push is current and
/// running long (red at 09:14:12).
pub fn glass_open() -> ChecklistView {
    checklist(5, &[0, 90, 180, 570, 590, 610])
}

pub fn plan() -> PlanView {
    PlanView {
        words: vec![
            "Let commander push to main directly for 30 minutes".into(),
            "Keep required status check `ci` and every other rule".into(),
        ],
        diff_lines: vec![
            "@@ branches/main/protection @@".into(),
            "-enforce_admins: true".into(),
            "+enforce_admins: false".into(),
            "-required_approving_review_count: 1".into(),
            "+required_approving_review_count: 0".into(),
        ],
    }
}

pub fn push() -> PushView {
    PushView {
        commits: vec![CommitRow {
            sha: "3f9c2a1b7e".into(),
            summary: "Fix null price in checkout".into(),
            author: "dev".into(),
        }],
        trailers: vec![
            "Break-Glass-Incident: INC-42".into(),
            "Break-Glass-Audit: 9a1f03c4e2b7".into(),
        ],
    }
}

pub fn drift() -> RestoreView {
    RestoreView {
        verified: false,
        differences: vec!["required_status_checks: expected [ci], read back [ci, lint]".into()],
        drift: Some(ThreeWay {
            rows: vec![ThreeWayRow {
                setting: "required checks".into(),
                before: "[ci]".into(),
                during: "[ci]".into(),
                now: "[ci, lint]".into(),
            }],
        }),
        advice: None,
    }
}

pub fn home() -> HomeView {
    HomeView {
        incidents: vec![
            IncidentRow {
                id: "INC-42".into(),
                repo: "acme/api".into(),
                branch: "main".into(),
                phase: "glass open".into(),
                declared_at: at(9, 0, 0),
            },
            IncidentRow {
                id: "INC-43".into(),
                repo: "acme/web".into(),
                branch: "release".into(),
                phase: "declared".into(),
                declared_at: at(9, 5, 0),
            },
        ],
        leases: vec![LeaseRow {
            incident: "INC-42".into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            deadline: at(9, 40, 10),
        }],
        drills: vec![DrillRow {
            finished_at: at(8, 30, 0),
            scenario: "acme/api hotfix".into(),
            total: Duration::seconds(431),
            exposure: Duration::seconds(97),
            passed: true,
        }],
    }
}

/// `n` audit events, one every 7 seconds from 09:00.
pub fn events(n: usize) -> Arc<Vec<TimelineRow>> {
    let kinds = [
        "declared",
        "step_completed",
        "preflight",
        "activated",
        "pushed",
        "restored",
    ];
    Arc::new(
        (0..n)
            .map(|i| {
                let kind = kinds[i % kinds.len()];
                TimelineRow {
                    seq: i as u64 + 1,
                    ts: at(9, 0, 0) + Duration::seconds(7 * i as i64),
                    incident: Some("INC-42".into()),
                    actor: if i % 3 == 0 { "commander" } else { "watchdog" }.into(),
                    kind: kind.into(),
                    summary: format!("INC-42 {kind} #{}", i + 1),
                    json: format!(
                        "{{\n  \"seq\": {},\n  \"incident\": \"INC-42\",\n  \"kind\": \"{kind}\"\n}}",
                        i + 1
                    ),
                }
            })
            .collect(),
    )
}

pub fn app_at(now: DateTime<Utc>) -> App {
    App::new(now, Theme::colored())
}

/// An app showing `view` at `now`.
pub fn on_checklist(view: ChecklistView, now: DateTime<Utc>) -> App {
    let mut app = app_at(now);
    update(&mut app, Msg::IncidentOpened(view));
    app
}
