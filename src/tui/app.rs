//! The TUI's whole state: which screen is shown, the latest snapshots, forms, overlays and
//! work in flight. Changed only by `update`; read by `render`.

use super::declare::{DeclareDraft, DeclareForm, DeclareValidator, basic_check};
use super::review_form::ReviewEditor;
use super::theme::Theme;
use super::timeline::TimelineState;
use super::view::{
    ChecklistView, DrillPicker, HomeView, PlanView, PushView, RemoteLines, RestoreView,
    WindowConfirm, WindowResult,
};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Home,
    Declare,
    Checklist,
    Timeline,
    Review,
    /// The drill history charts.
    DrillHistory,
    /// Picking a drill scenario (`d`).
    DrillPicker,
    /// The scorecard at the end of a drill.
    DrillScorecard,
}

/// A modal layer over the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Help,
    /// Confirm before the glass opens or the push goes out.
    Confirm(Confirm),
    /// Extending the lease: the reason being typed and a validation message.
    ExtendPrompt {
        reason: String,
        error: Option<String>,
    },
    /// Self-approving (no second person): the reason being typed and a validation message.
    SelfApprovePrompt {
        reason: String,
        error: Option<String>,
    },
    /// Quitting while the glass is open.
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    Activate(PlanView),
    Push(PushView),
    /// The one confirmation of the window: the plan and the commits together.
    Window(Box<WindowConfirm>),
}

/// The latest result shown in the checklist's output pane.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Note(String),
    Plan(PlanView),
    Remote(RemoteLines),
    Restore(RestoreView),
    /// What the window did, shown after the glass is closed again.
    Window(WindowResult),
    Failure {
        effect: String,
        error: String,
        advice: String,
    },
}

/// Work the flow is doing for us; drives the spinner.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight {
    pub label: String,
    pub since: DateTime<Utc>,
}

/// Which lower pane of the checklist is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecklistPane {
    Details,
    Output,
}

/// A one-line message under the body.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub danger: bool,
}

#[derive(Debug)]
pub struct App {
    /// The clock's reading at the last tick; every timer is computed from it.
    pub now: DateTime<Utc>,
    pub theme: Theme,
    /// Terminal size (columns, rows), for paging.
    pub size: (u16, u16),
    pub screen: Screen,
    /// Screens to return to with `Esc`.
    pub history: Vec<Screen>,
    pub overlay: Option<Overlay>,
    pub home: HomeView,
    pub home_selected: usize,
    pub declare: Option<DeclareForm>,
    pub validator: Arc<dyn DeclareValidator>,
    /// What `n` prefills: the current git remote's repository and branch, the default TTL.
    pub declare_defaults: DeclareDraft,
    pub checklist: Option<ChecklistView>,
    pub checklist_pane: ChecklistPane,
    pub plan: Option<PlanView>,
    pub output: Option<Output>,
    pub in_flight: Option<InFlight>,
    pub timeline: TimelineState,
    pub review: Option<ReviewEditor>,
    pub status: Option<StatusLine>,
    /// Quit as soon as a restore comes back verified (chosen in the quit dialog).
    pub quit_after_restore: bool,
    /// How much one extension adds (clipped to the cap).
    pub extend_step: Duration,
    /// The drill scenarios `d` offers.
    pub drill_picker: DrillPicker,
    /// The drill whose scorecard was asked for, and the scorecard once it came.
    pub scored_drill: Option<String>,
    pub drill_score: Option<Box<crate::drill::DrillScore>>,
}

impl App {
    /// A TUI on the home screen at `now`, validating declarations with the basic checks
    /// only; see [`App::with_validator`] for the config's patterns.
    pub fn new(now: DateTime<Utc>, theme: Theme) -> App {
        App {
            now,
            theme,
            size: (80, 24),
            screen: Screen::Home,
            history: Vec::new(),
            overlay: None,
            home: HomeView::default(),
            home_selected: 0,
            declare: None,
            validator: Arc::new(basic_check),
            declare_defaults: DeclareDraft {
                ttl: "30m".into(),
                ..DeclareDraft::default()
            },
            checklist: None,
            checklist_pane: ChecklistPane::Details,
            plan: None,
            output: None,
            in_flight: None,
            timeline: TimelineState::default(),
            review: None,
            status: None,
            quit_after_restore: false,
            extend_step: Duration::minutes(15),
            drill_picker: DrillPicker::default(),
            scored_drill: None,
            drill_score: None,
        }
    }

    /// Uses `validator` (after the basic checks) on every declare field.
    pub fn with_validator(mut self, validator: Arc<dyn DeclareValidator>) -> App {
        self.validator = validator;
        self
    }

    /// Prefills the declare form opened with `n` (e.g. from the current git remote).
    pub fn with_declare_defaults(mut self, defaults: DeclareDraft) -> App {
        self.declare_defaults = defaults;
        self
    }

    /// The incident the commander is looking at: the open checklist, else the home selection.
    pub fn current_incident(&self) -> Option<String> {
        if let (Some(c), false) = (&self.checklist, self.screen == Screen::Home) {
            return Some(c.incident.id.clone());
        }
        self.home
            .incidents
            .get(self.home_selected)
            .map(|i| i.id.clone())
    }

    /// The incident whose checklist is loaded: the one the glass, confirmations, extend
    /// and restore act on, whatever screen is showing.
    pub fn checklist_incident(&self) -> Option<String> {
        self.checklist.as_ref().map(|c| c.incident.id.clone())
    }

    /// True while protections are relaxed on the incident on screen.
    pub fn glass_open(&self) -> bool {
        self.checklist.as_ref().is_some_and(|c| c.window.is_some())
    }

    /// True when the incident on screen is a drill: its sandbox forge ends with this
    /// process, so no watchdog can restore it later.
    pub fn drill_on_screen(&self) -> bool {
        self.checklist.as_ref().is_some_and(|c| c.incident.drill)
    }

    /// Rows of the timeline list that fit on screen.
    pub fn timeline_page(&self) -> usize {
        usize::from(self.size.1.saturating_sub(8)).max(1)
    }

    pub fn go_to(&mut self, screen: Screen) {
        if self.screen != screen {
            self.history.push(self.screen);
            self.screen = screen;
        }
    }

    pub fn go_back(&mut self) {
        self.screen = self.history.pop().unwrap_or(Screen::Home);
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            danger: false,
        });
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.status = Some(StatusLine {
            text: text.into(),
            danger: true,
        });
    }

    pub fn start_work(&mut self, label: impl Into<String>) {
        self.in_flight = Some(InFlight {
            label: label.into(),
            since: self.now,
        });
    }
}
