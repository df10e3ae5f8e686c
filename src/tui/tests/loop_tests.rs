//! The event loop driven headless: synthetic key events in, commands out to an `Effects`
//! that answers like the flow would, a `TestBackend` as the terminal.

use super::fixtures::*;
use crate::clock::FakeClock;
use crate::tui::command::Command;
use crate::tui::declare::DeclareDraft;
use crate::tui::event_loop::{Effects, NotWired, drive};
use crate::tui::msg::Msg;
use crate::tui::{App, Screen, Theme};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Answers `StartDrill` with a prefilled draft and records every command it receives.
#[derive(Default)]
struct DrillOnly {
    seen: Vec<Command>,
}

impl Effects for DrillOnly {
    fn perform(&mut self, command: Command, results: UnboundedSender<Msg>) {
        if command == Command::StartDrill {
            let _ = results.send(Msg::DrillReady(DeclareDraft {
                repository: "acme/api".into(),
                drill: true,
                ..DeclareDraft::default()
            }));
        }
        self.seen.push(command);
    }
}

fn keys(codes: &[KeyCode]) -> impl futures::Stream<Item = std::io::Result<Event>> + Unpin {
    let events: Vec<_> = codes
        .iter()
        .map(|c| Ok(Event::Key(KeyEvent::new(*c, KeyModifiers::NONE))))
        .collect();
    // Never ends by itself: the loop must stop on Quit, not on the end of input.
    futures::stream::iter(events).chain(futures::stream::pending())
}

#[tokio::test]
async fn the_loop_sends_commands_to_effects_applies_results_and_stops_on_quit() {
    let clock = FakeClock::at(at(9, 0, 0));
    let mut app = App::new(at(8, 0, 0), Theme::colored());
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut effects = DrillOnly::default();
    let input = keys(&[KeyCode::Char('d'), KeyCode::Esc, KeyCode::Char('q')]);
    drive(
        &mut terminal,
        &mut app,
        &mut effects,
        Arc::new(clock),
        input,
    )
    .await
    .unwrap();
    assert_eq!(
        effects.seen,
        vec![Command::StartDrill],
        "Quit stays in the loop"
    );
    assert_eq!(
        app.now,
        at(9, 0, 0),
        "the first tick read the injected clock"
    );
    assert_eq!(
        app.screen,
        Screen::Home,
        "DrillReady opened the form, Esc left it"
    );
    assert!(app.declare.is_none());
}

#[tokio::test]
async fn not_wired_effects_say_so_on_screen() {
    let clock = FakeClock::at(at(9, 0, 0));
    let mut app = App::new(at(9, 0, 0), Theme::colored());
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    // `d` asks for a drill; the "not wired" reply is applied before `q` is read.
    let input = keys(&[KeyCode::Char('d'), KeyCode::Char('q')]);
    drive(
        &mut terminal,
        &mut app,
        &mut NotWired,
        Arc::new(clock),
        input,
    )
    .await
    .unwrap();
    let status = app.status.expect("a failure message");
    assert!(status.danger, "{}", status.text);
    assert!(
        status
            .text
            .contains("StartDrill failed: the flow is not wired"),
        "{}",
        status.text
    );
}
