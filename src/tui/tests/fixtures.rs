//! Known states for the tests: the default runbook at fixed times around 09:00 UTC.

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

const STEPS: [(StepKind, &str, &str, i64); 10] = [
    (
        StepKind::Declare,
        "Declare: incident id, reason, branch, lease",
        "Ticket link, not a chat link.",
        120,
    ),
    (
        StepKind::Manual,
        "A second engineer is on the call and has seen the fix",
        "Name them in the incident channel.",
        180,
    ),
    (
        StepKind::Manual,
        "The fix is committed locally and passes the smoke test",
        "Run the smoke test on the fix commit.",
        300,
    ),
    (
        StepKind::Preflight,
        "Preflight: who am I, may I administer, snapshot",
        "Reads identity, permissions and every protection.",
        30,
    ),
    (
        StepKind::Activate,
        "Break the glass: apply the least change",
        "The lease starts when the change is applied.",
        30,
    ),
    (
        StepKind::Push,
        "Push the tagged fix to the protected branch",
        "Fast-forward only; trailers name the incident.",
        60,
    ),
    (
        StepKind::Manual,
        "Watch the deploy; confirm recovery on dashboards",
        "Check error rate and latency.",
        600,
    ),
    (
        StepKind::Restore,
        "Restore protections exactly and verify",
        "Re-applies the snapshot and reads it back.",
        30,
    ),
    (
        StepKind::Review,
        "Open the retroactive review of what was pushed",
        "A PR after→before with reviewers.",
        60,
    ),
    (
        StepKind::Manual,
        "Announce: glass closed, what changed, the review",
        "Post in the incident channel.",
        120,
    ),
];

/// The checklist with the first `done` steps finished at the given boundaries (seconds
/// after 09:00), the next one started at the last boundary.
pub fn checklist(done: usize, boundaries: &[i64]) -> ChecklistView {
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(i, (kind, title, detail, target))| {
            let started_at = if i <= done && i < boundaries.len() {
                Some(at(9, 0, boundaries[i]))
            } else {
                None
            };
            let finished_at = (i < done).then(|| at(9, 0, boundaries[i + 1]));
            StepRow {
                title: (*title).into(),
                detail: (*detail).into(),
                kind: *kind,
                status: if i < done {
                    StepStatus::Done
                } else {
                    StepStatus::Pending
                },
                target: Duration::seconds(*target),
                started_at,
                finished_at,
            }
        })
        .collect();
    ChecklistView {
        incident: "INC-42".into(),
        repo: "acme/api".into(),
        branch: "main".into(),
        drill: true,
        declared_at: at(9, 0, 0),
        closed_at: None,
        steps,
        window: None,
    }
}

/// Before activation: steps 1–4 done, preflight finished at 09:09:50.
pub fn before_activate() -> ChecklistView {
    checklist(4, &[0, 90, 180, 570, 590])
}

/// The glass open since 09:10:10; step 3 took 6:30 of 5:00 (amber); push is current and
/// running long (red at 09:14:12).
pub fn glass_open() -> ChecklistView {
    let mut view = checklist(5, &[0, 90, 180, 570, 590, 610]);
    view.window = Some(WindowBanner {
        opened_at: at(9, 10, 10),
        deadline: at(9, 40, 10),
        cap: at(11, 10, 10),
        restore_failing: None,
    });
    view
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
        alerts: Vec::new(),
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
