//! The event loop driven headless: synthetic key events in, commands out to an `Effects`
//! that answers like the flow would, a `TestBackend` as the terminal.

use super::fixtures::*;
use crate::clock::FakeClock;
use crate::tui::command::Command;
use crate::tui::declare::DeclareDraft;
use crate::tui::event_loop::{Effects, NotWired, drive};
use crate::tui::msg::Msg;
use crate::tui::view::{DrillPicker, ScenarioChoice};
use crate::tui::{App, Screen, Theme};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;

/// Answers `ListScenarios` with one scenario and `StartDrill` with a prefilled draft, and
/// records every command it receives.
#[derive(Default)]
struct DrillOnly {
    seen: Vec<Command>,
}

impl Effects for DrillOnly {
    fn perform(&mut self, command: Command, results: UnboundedSender<Msg>) {
        match &command {
            Command::ListScenarios => {
                let _ = results.send(Msg::ScenariosListed(DrillPicker {
                    choices: vec![ScenarioChoice {
                        id: "clean-run".into(),
                        title: "Clean run".into(),
                        story: "Checkout returns 500".into(),
                        runs: 0,
                        best_seconds: None,
                        last_seconds: None,
                    }],
                    ..DrillPicker::default()
                }));
            }
            Command::StartDrill { .. } => {
                let _ = results.send(Msg::DrillReady(DeclareDraft {
                    repository: "acme/api".into(),
                    drill: true,
                    ..DeclareDraft::default()
                }));
            }
            _ => {}
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
    let input = keys(&[
        KeyCode::Char('d'),
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Esc,
        KeyCode::Char('q'),
    ]);
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
        vec![
            Command::ListScenarios,
            Command::StartDrill {
                scenario: "clean-run".into()
            }
        ],
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
        "the picker, then DrillReady opened the form; Esc twice left both"
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
            .contains("ListScenarios failed: the flow is not wired"),
        "{}",
        status.text
    );
}

/// Answers every command through the effects' panic guard with work that panics on a
/// worker thread, recording whether the panic hook would have been told it is caught.
struct Panicking {
    answered: Option<tokio::sync::oneshot::Sender<()>>,
    marked_at_panic: Arc<std::sync::atomic::AtomicBool>,
}

impl Effects for Panicking {
    fn perform(&mut self, _command: Command, results: UnboundedSender<Msg>) {
        let answered = self.answered.take();
        let marked = self.marked_at_panic.clone();
        tokio::spawn(async move {
            let msgs = crate::tui::task_panic::answer("Start drill", async move {
                tokio::task::yield_now().await;
                marked.store(
                    crate::caught::caught_here(),
                    std::sync::atomic::Ordering::SeqCst,
                );
                panic!("the drill sandbox fell over");
            })
            .await;
            for msg in msgs {
                let _ = results.send(msg);
            }
            if let Some(answered) = answered {
                let _ = answered.send(());
            }
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_effect_is_answered_as_a_failure_and_the_loop_carries_on() {
    let clock = FakeClock::at(at(9, 0, 0));
    let mut app = App::new(at(9, 0, 0), Theme::colored());
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let (answered, was_answered) = tokio::sync::oneshot::channel();
    let mut effects = Panicking {
        answered: Some(answered),
        marked_at_panic: Default::default(),
    };
    // `q` only once the effect has answered, so the answer is applied first.
    let quit_after_the_answer = futures::stream::once(async move {
        was_answered.await.unwrap();
        Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )))
    });
    let input = futures::stream::iter([Ok(Event::Key(KeyEvent::new(
        KeyCode::Char('d'),
        KeyModifiers::NONE,
    )))])
    .chain(quit_after_the_answer)
    .chain(futures::stream::pending());
    drive(
        &mut terminal,
        &mut app,
        &mut effects,
        Arc::new(clock),
        Box::pin(input),
    )
    .await
    .unwrap();
    assert!(
        effects
            .marked_at_panic
            .load(std::sync::atomic::Ordering::SeqCst),
        "the panic hook is told to leave the terminal alone"
    );
    assert!(
        app.in_flight.is_none(),
        "the failure cleared the work in flight"
    );
    let status = app.status.expect("a failure message");
    assert!(status.danger, "{}", status.text);
    assert!(
        status.text.contains(
            "Start drill failed: it stopped on an internal error (the drill sandbox fell over)"
        ),
        "{}",
        status.text
    );
}

/// Keeps the results channel the loop hands it at start, so the key stream below can
/// deliver a result at an exact moment.
#[derive(Default)]
struct KeepsTheChannel {
    results: Arc<std::sync::Mutex<Option<UnboundedSender<Msg>>>>,
}

impl Effects for KeepsTheChannel {
    fn perform(&mut self, _command: Command, _results: UnboundedSender<Msg>) {}

    fn start(&mut self, results: UnboundedSender<Msg>) {
        *self.results.lock().unwrap() = Some(results);
    }
}

/// The race behind a flaky `a_panicking_effect_…` run, made certain: a result arrives after
/// the loop found the results channel empty but before it took the key (here, from inside
/// the key stream's poll). The key must still act on the state with that result applied.
#[tokio::test]
async fn a_result_that_arrives_while_a_key_is_taken_is_applied_before_the_key() {
    let clock = FakeClock::at(at(9, 0, 0));
    let mut app = App::new(at(9, 0, 0), Theme::colored());
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut effects = KeepsTheChannel::default();
    let channel = effects.results.clone();
    let mut sent = false;
    let input = futures::stream::poll_fn(move |_| {
        if sent {
            return std::task::Poll::Pending;
        }
        sent = true;
        let results = channel.lock().unwrap().clone().expect("started");
        let _ = results.send(Msg::EffectFailed {
            effect: "Start drill".into(),
            error: "the sandbox did not start".into(),
            advice: "try again".into(),
        });
        std::task::Poll::Ready(Some(Ok(Event::Key(KeyEvent::new(
            KeyCode::Char('q'),
            KeyModifiers::NONE,
        )))))
    });
    drive(
        &mut terminal,
        &mut app,
        &mut effects,
        Arc::new(clock),
        Box::pin(input),
    )
    .await
    .unwrap();
    let status = app
        .status
        .expect("the result was applied before the quit key");
    assert!(
        status.text.contains("the sandbox did not start"),
        "{}",
        status.text
    );
}
