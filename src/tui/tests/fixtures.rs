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

/// The runbook the checklist stories show: the shipped one with separate activate, push
/// and restore steps, whose every step these stories exercise. The default runbook's
/// one-step window has its own stories (`window_stories`).
pub fn runbook() -> Runbook {
    Runbook::separate_steps()
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
            scenario: None,
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
        reviews: Vec::new(),
        drills: vec![DrillRow {
            finished_at: at(8, 30, 0),
            scenario: "acme/api hotfix".into(),
            total: Duration::seconds(431),
            exposure: Duration::seconds(97),
            passed: true,
        }],
        history: Default::default(),
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

/// The default runbook, whose window is one step (declare, fix-ready, preflight, window,
/// watch-deploy, review, announce).
pub fn window_runbook() -> Runbook {
    Runbook::default_github()
}

/// The checklist of `story` in the default runbook, as of its last event.
pub fn window_view(story: &Story) -> ChecklistView {
    let last = story.events.last().expect("a story starts declared").ts;
    checklist_view(&story.incident(), &window_runbook(), last)
}

/// The default runbook's stories: the fix committed at 09:04:00, preflight at 09:04:30,
/// approval asked at 09:04:32 and granted at 09:04:38; the window step is next.
pub fn window_ready() -> Story {
    Story::declared()
        .ticked(at(9, 4, 0), "fix-ready")
        .then_a(at(9, 4, 30), "preflighted")
        .then_a(at(9, 4, 32), "approval_requested")
        .then_a(at(9, 4, 38), "approved")
}

/// The window run at 09:05:00: opened, pushed (`answer`: `pushed` or `push_rejected`),
/// the restore intent the same second, restored and verified at 09:05:01.
pub fn window_ran(answer: &str) -> Story {
    window_ready()
        .then_a(at(9, 5, 0), "activation_intended")
        .then(
            at(9, 5, 0),
            IncidentEvent::Activated {
                deadline: at(9, 35, 0),
                applied: json!({"enforce_admins": false}),
            },
        )
        .then_a(at(9, 5, 0), "push_intended")
        .then_a(at(9, 5, 1), answer)
        .then_a(at(9, 5, 1), "restore_intended")
        .then_a(at(9, 5, 1), "restored")
}

/// A prepared first window: the plan of [`plan`], the commit and trailers of [`push`].
pub fn window_plan() -> crate::flow::WindowPlan {
    use crate::forge::plan::{ClassicRelaxation, Pusher, RelaxPlan};
    let relax = RelaxPlan {
        repo: "acme/api".parse().unwrap(),
        branch: "main".into(),
        pusher: Pusher {
            login: "commander".into(),
            id: 1,
            permission: crate::forge::Permission::Admin,
            is_org_admin: false,
        },
        classic: ClassicRelaxation {
            disable_enforce_admins: true,
            remove_reviews: false,
            remove_status_checks: false,
            remove_signatures: false,
            add_push_user: None,
            unlock_branch: false,
            allow_merge_commits: false,
        },
        rulesets: Vec::new(),
        steps: Vec::new(),
        notes: Vec::new(),
    };
    crate::flow::WindowPlan {
        incident: "INC-42".into(),
        number: 1,
        repo: "acme/api".into(),
        branch: "main".into(),
        plan: relax,
        plan_words: plan().words.join("\n"),
        plan_diff: vec![crate::forge::diff::Difference {
            path: "classic.enforce_admins".into(),
            before: Some(json!(true)),
            after: Some(json!(false)),
        }],
        old_sha: "a".repeat(40),
        new_sha: "3f9c2a1b7e".repeat(4),
        commits: vec![crate::git::OutgoingCommit {
            sha: git2::Oid::from_str(&"3f9c2a1b7e".repeat(4)).unwrap(),
            summary: "Fix null price in checkout".into(),
            author: "dev".into(),
            signed: false,
        }],
        trailers: push().trailers,
        audit_head: "9a1f03c4e2b7".into(),
        lease: Duration::minutes(30),
        open_before: Duration::zero(),
        repo_dir: "/work/clone".into(),
        remote: "origin".into(),
    }
}

/// What a window did: `accepted` or refused with the remote's lines, restored either way.
pub fn window_result(accepted: bool) -> WindowResult {
    let (remote, next) = if accepted {
        (
            vec!["Bypassed rule violations for refs/heads/main:".into()],
            vec![
                "watch the deploy and confirm recovery on the dashboards".into(),
                "then open the retroactive review: breakglass review --incident INC-42".into(),
            ],
        )
    } else {
        (
            vec![
                "refused: failed to update ref: the branch moved".into(),
                "error: \u{1b}[31mmain moved since the window was prepared".into(),
            ],
            vec![
                "the glass is closed again; bring the fix up to date: git fetch origin && git \
                 rebase origin/main"
                    .into(),
                "then open a follow-up window on the same snapshot: breakglass push --incident \
                 INC-42"
                    .into(),
            ],
        )
    };
    WindowResult {
        number: 1,
        length: Some("0.412 s".into()),
        remote: RemoteLines {
            accepted,
            lines: remote,
        },
        restore: RestoreView {
            verified: true,
            ..RestoreView::default()
        },
        next,
    }
}
