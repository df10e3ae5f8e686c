//! Known states for the tests: real folds of recorded events at fixed times around
//! 09:00 UTC, shown against the built-in runbook through the adapter.

use crate::incident::fixtures::sample;
use crate::incident::{Incident, IncidentEvent, Recorded, RestoreTrigger, fold};
use crate::runbook::Runbook;
use crate::tui::adapt::checklist_view;
use crate::tui::app::App;
use crate::tui::msg::Msg;
use crate::tui::theme::Theme;
use crate::tui::update::update;
use crate::tui::view::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
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

/// The runbook the checklist tests show: the built-in one, as a team without its own gets.
pub fn runbook() -> Runbook {
    Runbook::default_github()
}

/// An incident's recorded events, folded by the model for every view built from them.
#[derive(Debug, Clone)]
pub struct Story {
    events: Vec<Recorded>,
}

impl Story {
    /// Drill `INC-42` on acme/api main, declared at 09:00:00 with a 30 min lease.
    pub fn declared() -> Story {
        Story::declared_as("INC-42")
    }

    /// [`Story::declared`] under another incident id.
    pub fn declared_as(id: &str) -> Story {
        let declared = IncidentEvent::Declared {
            id: id.into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "checkout 500s https://tickets.example/INC-42".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "github".into(),
            drill: true,
            api_url: Some("http://127.0.0.1:8080".into()),
            remote_url: Some("http://127.0.0.1:8080/git/acme/api.git".into()),
        };
        Story { events: Vec::new() }.then(at(9, 0, 0), declared)
    }

    /// The story with `event` recorded at `ts`.
    pub fn then(mut self, ts: DateTime<Utc>, event: IncidentEvent) -> Story {
        self.events.push(Recorded {
            ts,
            actor: "commander".into(),
            event,
        });
        self
    }

    /// The story with a sample event of `kind` (`incident::fixtures::sample`) at `ts`.
    pub fn then_a(self, ts: DateTime<Utc>, kind: &str) -> Story {
        self.then(ts, sample(kind))
    }

    /// The manual step `id` ticked at `ts`.
    pub fn ticked(self, ts: DateTime<Utc>, id: &str) -> Story {
        self.then(
            ts,
            IncidentEvent::StepDone {
                step: id.into(),
                note: None,
            },
        )
    }

    pub fn incident(&self) -> Incident {
        fold(&self.events).expect("the story is a valid history")
    }

    /// The checklist the adapter makes of the folded story, as of its last event.
    pub fn view(&self) -> ChecklistView {
        let last = self.events.last().expect("a story starts declared").ts;
        checklist_view(&self.incident(), &runbook(), last)
    }
}

/// Step 2 ticked: the fix ready at 09:08:00 (8:00 of 5:00, amber).
pub fn ticked() -> Story {
    Story::declared().ticked(at(9, 8, 0), "fix-ready")
}

/// Preflight done at 09:09:30; the approval is asked for at 09:09:35 and given by the
/// reviewer at 09:09:50; break the glass is next.
pub fn preflighted() -> Story {
    asked_for_approval().then_a(at(9, 9, 50), "approved")
}

/// Preflight done at 09:09:30 and the approval asked for at 09:09:35 (until 09:15:00).
pub fn asked_for_approval() -> Story {
    ticked()
        .then_a(at(9, 9, 30), "preflighted")
        .then_a(at(9, 9, 35), "approval_requested")
}

/// The glass open: intent at 09:10:05, applied at 09:10:10 with the lease to 09:40:10;
/// push is current (4:02 of 1:00 at 09:14:12, red).
pub fn opened() -> Story {
    preflighted()
        .then_a(at(9, 10, 5), "activation_intended")
        .then(
            at(9, 10, 10),
            IncidentEvent::Activated {
                deadline: at(9, 40, 10),
                applied: json!({"enforce_admins": false}),
            },
        )
}

/// The fix landed at 09:11:00; the glass is still open.
pub fn pushed() -> Story {
    opened()
        .then_a(at(9, 10, 50), "push_intended")
        .then_a(at(9, 11, 0), "pushed")
}

/// Activation failed part-way at 09:10:15: the glass may be partly open.
pub fn activation_failed() -> Story {
    preflighted()
        .then_a(at(9, 10, 5), "activation_intended")
        .then_a(at(9, 10, 15), "activation_failed")
}

/// The lease ran out and the watchdog's restore failed at 09:40:14; the deploy was never
/// ticked as watched.
pub fn restore_failed_by_watchdog() -> Story {
    pushed()
        .then(
            at(9, 40, 11),
            IncidentEvent::RestoreIntended {
                trigger: RestoreTrigger::Watchdog,
            },
        )
        .then_a(at(9, 40, 14), "restore_failed")
}

/// The lease ran out and the watchdog restored and verified at 09:40:13.
pub fn restored_by_watchdog() -> Story {
    pushed()
        .then(
            at(9, 40, 11),
            IncidentEvent::RestoreIntended {
                trigger: RestoreTrigger::Watchdog,
            },
        )
        .then_a(at(9, 40, 13), "restored")
}

/// The deploy watched (09:19:00), then restored by the operator at 09:19:32 over someone
/// else's change to the required checks.
pub fn drifted() -> Story {
    pushed()
        .ticked(at(9, 19, 0), "watch-deploy")
        .then_a(at(9, 19, 30), "restore_intended")
        .then_a(at(9, 19, 31), "drift_detected")
        .then_a(at(9, 19, 32), "restored")
}

/// Before activation: steps 1–4 done, preflight finished at 09:09:50.
pub fn before_activate() -> ChecklistView {
    preflighted().view()
}

/// The glass open since 09:10:05 with the lease to 09:40:10; step 3 took 8:00 of 5:00
/// (amber); push is current and running long (red at 09:14:12).
pub fn glass_open() -> ChecklistView {
    opened().view()
}

/// [`glass_open`] for a real incident, not a drill (a watchdog outlives the TUI).
pub fn real_glass_open() -> ChecklistView {
    let mut view = glass_open();
    view.incident.drill = false;
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
        chain: ChainStatus::Verified {
            head_seq: 1234,
            head_hash: "3fa1c2d4e5f60718293a4b5c6d7e8f90".into(),
        },
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
