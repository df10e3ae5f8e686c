//! Keybindings as data: one table per screen, from which the footer hints, the `?` help
//! overlay and key dispatch are all derived. No behaviour lives here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks for; `update` decides what that means on the current screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Show or hide the help overlay.
    Help,
    /// Quit (asks first while the glass is open).
    Quit,
    /// Go back one screen or close the overlay.
    Back,
    /// Perform the current step, confirm, or open the selection.
    Perform,
    /// Move focus to the next pane or field.
    NextPane,
    /// Move focus to the previous pane or field.
    PrevPane,
    /// Open the audit timeline.
    Timeline,
    /// Open the review form.
    Review,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Start typing a filter.
    Filter,
    /// Declare a new incident.
    Declare,
    /// Start a drill against the sandbox forge.
    Drill,
    /// Open the drill history charts.
    DrillHistory,
    /// Ask for a lease extension (a reason is required).
    ExtendLease,
    /// Restore protections now.
    RestoreNow,
    /// Submit the form.
    Submit,
    /// Quit and let the watchdog restore at the deadline.
    LeaveToWatchdog,
    /// End the drill on screen now and show its scorecard.
    EndDrill,
}

/// A key and its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            modifiers: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            modifiers: KeyModifiers::CONTROL,
        }
    }

    /// The key as terminals report it; SHIFT is dropped where the key itself already says
    /// it: characters (`R`, `?`, `G`) and BackTab (Shift-Tab).
    pub fn from_event(event: KeyEvent) -> Key {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        if !matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers |= event.modifiers & KeyModifiers::SHIFT;
        }
        Key {
            code: event.code,
            modifiers,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "S-Tab".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

/// One row of a keymap table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub key: Key,
    pub action: Action,
    pub description: &'static str,
    /// The short label in the footer hints; `None` keeps the binding to the help overlay.
    pub hint: Option<&'static str>,
}

const fn bind(
    key: Key,
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        key,
        action,
        description,
        hint,
    }
}

/// Which table applies: the screen, or an overlay or prompt on top of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Home,
    Declare,
    Checklist,
    Timeline,
    TimelineFilter,
    Review,
    Confirm,
    ExtendPrompt,
    QuitDialog,
    /// The quit dialog of a drill: no watchdog outlives its sandbox forge.
    DrillQuitDialog,
    Help,
    /// The drill history charts.
    DrillHistory,
    /// Picking a drill scenario.
    DrillPicker,
    /// A drill's scorecard.
    DrillScorecard,
}

impl Scope {
    pub const ALL: [Scope; 14] = [
        Scope::Home,
        Scope::Declare,
        Scope::Checklist,
        Scope::Timeline,
        Scope::TimelineFilter,
        Scope::Review,
        Scope::Confirm,
        Scope::ExtendPrompt,
        Scope::QuitDialog,
        Scope::DrillQuitDialog,
        Scope::Help,
        Scope::DrillHistory,
        Scope::DrillPicker,
        Scope::DrillScorecard,
    ];
}

use Action as A;
use KeyCode as K;

const MOVE: [Binding; 4] = [
    bind(Key::ch('k'), A::Up, "move up", None),
    bind(Key::plain(K::Up), A::Up, "move up", None),
    bind(Key::ch('j'), A::Down, "move down", None),
    bind(Key::plain(K::Down), A::Down, "move down", None),
];

/// Keys that act on the open glass from every screen that is not a text field.
const GLOBAL: [Binding; 8] = [
    bind(
        Key::ch('x'),
        A::ExtendLease,
        "extend the lease (glass open)",
        Some("extend lease"),
    ),
    bind(
        Key::ch('R'),
        A::RestoreNow,
        "restore now (glass open)",
        Some("restore now"),
    ),
    bind(Key::ctrl('c'), A::Quit, "quit (from any screen)", None),
    bind(Key::ch('?'), A::Help, "show this help", Some("help")),
    bind(
        Key::ch('t'),
        A::Timeline,
        "audit timeline",
        Some("timeline"),
    ),
    bind(Key::ch('r'), A::Review, "review form", Some("review")),
    bind(Key::plain(K::Esc), A::Back, "go back", None),
    bind(Key::ch('q'), A::Quit, "quit", Some("quit")),
];

const HOME: [Binding; 4] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "open the selected incident",
        Some("open"),
    ),
    bind(
        Key::ch('n'),
        A::Declare,
        "declare a new incident",
        Some("declare"),
    ),
    bind(
        Key::ch('d'),
        A::Drill,
        "start a drill (sandbox)",
        Some("drill"),
    ),
    bind(Key::ch('h'), A::DrillHistory, "drill history charts", None),
];

const DECLARE: [Binding; 4] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "next field / declare",
        Some("next/declare"),
    ),
    bind(
        Key::plain(K::Tab),
        A::NextPane,
        "next field",
        Some("next field"),
    ),
    bind(Key::plain(K::BackTab), A::PrevPane, "previous field", None),
    bind(Key::plain(K::Esc), A::Back, "cancel", Some("cancel")),
];

const CHECKLIST: [Binding; 3] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "perform / tick step",
        Some("perform step"),
    ),
    bind(Key::plain(K::Tab), A::NextPane, "details / output", None),
    bind(
        Key::ch('e'),
        A::EndDrill,
        "end the drill: its scorecard (drills only)",
        None,
    ),
];

const TIMELINE: [Binding; 7] = [
    bind(Key::plain(K::PageUp), A::PageUp, "page up", None),
    bind(Key::plain(K::PageDown), A::PageDown, "page down", None),
    bind(Key::ch('g'), A::Top, "first event", None),
    bind(Key::ch('G'), A::Bottom, "last event", None),
    bind(Key::ch('/'), A::Filter, "filter", Some("filter")),
    bind(
        Key::plain(K::Tab),
        A::NextPane,
        "show / hide JSON",
        Some("JSON"),
    ),
    bind(Key::plain(K::Enter), A::NextPane, "show / hide JSON", None),
];

const TIMELINE_FILTER: [Binding; 2] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "apply filter",
        Some("apply"),
    ),
    bind(Key::plain(K::Esc), A::Back, "clear filter", Some("clear")),
];

const REVIEW: [Binding; 4] = [
    bind(
        Key::plain(K::Tab),
        A::NextPane,
        "next field",
        Some("next field"),
    ),
    bind(
        Key::plain(K::BackTab),
        A::PrevPane,
        "previous field",
        Some("prev field"),
    ),
    bind(Key::ctrl('s'), A::Submit, "submit review", Some("submit")),
    bind(
        Key::plain(K::Esc),
        A::Back,
        "back (draft is saved)",
        Some("back (saved)"),
    ),
];

const CONFIRM: [Binding; 2] = [
    bind(Key::plain(K::Enter), A::Perform, "confirm", Some("confirm")),
    bind(Key::plain(K::Esc), A::Back, "cancel", Some("cancel")),
];

const EXTEND: [Binding; 2] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "extend with this reason",
        Some("extend"),
    ),
    bind(Key::plain(K::Esc), A::Back, "cancel", Some("cancel")),
];

const QUIT: [Binding; 4] = [
    bind(
        Key::ch('R'),
        A::RestoreNow,
        "restore now, then quit",
        Some("restore, quit"),
    ),
    bind(
        Key::plain(K::Enter),
        A::RestoreNow,
        "restore now, then quit",
        None,
    ),
    bind(
        Key::ch('w'),
        A::LeaveToWatchdog,
        "leave it to the watchdog",
        Some("leave to watchdog"),
    ),
    bind(Key::plain(K::Esc), A::Back, "stay", Some("stay")),
];

/// A drill's sandbox forge ends with the process, so there is no watchdog to leave it to.
const DRILL_QUIT: [Binding; 3] = [QUIT[0], QUIT[1], QUIT[3]];

/// The drill history: read-only charts, so only leaving and help.
const DRILL_HISTORY: [Binding; 2] = [
    bind(
        Key::plain(K::Esc),
        A::Back,
        "close the drill history",
        Some("back"),
    ),
    bind(Key::ch('?'), A::Help, "keys of this screen", Some("help")),
];

/// The drill picker: choose a scenario to rehearse.
const DRILL_PICKER: [Binding; 3] = [
    bind(
        Key::plain(K::Enter),
        A::Perform,
        "drill the selected scenario",
        Some("drill it"),
    ),
    bind(Key::plain(K::Esc), A::Back, "back", Some("back")),
    bind(Key::ch('?'), A::Help, "keys of this screen", Some("help")),
];

/// A drill's scorecard: read it, then the history or back to the checklist.
const DRILL_SCORECARD: [Binding; 4] = [
    bind(
        Key::ch('h'),
        A::DrillHistory,
        "drill history charts",
        Some("history"),
    ),
    bind(
        Key::plain(K::Esc),
        A::Back,
        "back to the checklist",
        Some("back"),
    ),
    bind(Key::ch('?'), A::Help, "keys of this screen", Some("help")),
    bind(Key::ch('q'), A::Quit, "quit", Some("quit")),
];

const HELP: [Binding; 2] = [
    bind(Key::plain(K::Esc), A::Back, "close help", Some("close")),
    bind(Key::ch('?'), A::Help, "close help", None),
];

/// Every binding active in `scope`, screen-specific ones first.
pub fn bindings(scope: Scope) -> Vec<Binding> {
    let parts: &[&[Binding]] = match scope {
        Scope::Home => &[&HOME, &MOVE, &GLOBAL],
        Scope::Checklist => &[&CHECKLIST, &GLOBAL],
        Scope::Timeline => &[&TIMELINE, &MOVE, &GLOBAL],
        Scope::Declare => &[&DECLARE],
        Scope::TimelineFilter => &[&TIMELINE_FILTER],
        Scope::Review => &[&REVIEW],
        Scope::Confirm => &[&CONFIRM],
        Scope::ExtendPrompt => &[&EXTEND],
        Scope::QuitDialog => &[&QUIT],
        Scope::DrillQuitDialog => &[&DRILL_QUIT],
        Scope::Help => &[&HELP],
        Scope::DrillHistory => &[&DRILL_HISTORY],
        Scope::DrillPicker => &[&DRILL_PICKER, &MOVE],
        Scope::DrillScorecard => &[&DRILL_SCORECARD],
    };
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

/// The action bound to `key` in `scope`, if any.
pub fn lookup(scope: Scope, key: Key) -> Option<Action> {
    bindings(scope)
        .into_iter()
        .find(|b| b.key == key)
        .map(|b| b.action)
}

/// Rows for the help overlay: keys with the same description joined ("k/↑").
pub fn grouped(scope: Scope) -> Vec<(String, &'static str)> {
    group(bindings(scope).into_iter().map(|b| (b.key, b.description)))
}

/// Footer hints: the bindings that have a short label, with their actions.
pub fn hints(scope: Scope) -> Vec<(String, &'static str, Action)> {
    bindings(scope)
        .into_iter()
        .filter_map(|b| b.hint.map(|h| (b.key.label(), h, b.action)))
        .collect()
}

fn group(pairs: impl Iterator<Item = (Key, &'static str)>) -> Vec<(String, &'static str)> {
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    for (key, description) in pairs {
        match rows.iter_mut().find(|(_, d)| *d == description) {
            Some((keys, _)) => {
                keys.push('/');
                keys.push_str(&key.label());
            }
            None => rows.push((key.label(), description)),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn no_scope_binds_one_key_twice() {
        for scope in Scope::ALL {
            let mut seen = HashSet::new();
            for b in bindings(scope) {
                assert!(
                    seen.insert(b.key),
                    "{scope:?} binds {} twice",
                    b.key.label()
                );
            }
        }
    }

    #[test]
    fn minimum_keys_are_bound() {
        let home = bindings(Scope::Home);
        for (key, action) in [
            (Key::ch('?'), A::Help),
            (Key::ch('q'), A::Quit),
            (Key::plain(K::Esc), A::Back),
            (Key::plain(K::Enter), A::Perform),
            (Key::ch('t'), A::Timeline),
            (Key::ch('r'), A::Review),
            (Key::ch('j'), A::Down),
            (Key::plain(K::Up), A::Up),
        ] {
            assert!(home.iter().any(|b| b.key == key && b.action == action));
        }
        assert_eq!(lookup(Scope::Timeline, Key::ch('/')), Some(A::Filter));
        assert_eq!(
            lookup(Scope::Checklist, Key::plain(K::Tab)),
            Some(A::NextPane)
        );
    }

    #[test]
    fn shifted_characters_match_their_binding() {
        let event = KeyEvent::new(KeyCode::Char('R'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(Scope::Checklist, Key::from_event(event)),
            Some(A::RestoreNow)
        );
        let back_tab = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(
            lookup(Scope::Review, Key::from_event(back_tab)),
            Some(A::PrevPane)
        );
    }

    #[test]
    fn grouping_joins_keys_with_one_meaning() {
        let rows = grouped(Scope::Home);
        assert!(rows.contains(&("k/↑".to_owned(), "move up")));
    }
}
