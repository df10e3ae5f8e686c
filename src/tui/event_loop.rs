//! The event loop: terminal events, effect results and a one-second tick, multiplexed with
//! `tokio::select!`; redraws on change and on the tick only. The `Effects` boundary is where
//! the flow plugs in; this module only delivers commands and receives their results.

use super::app::App;
use super::command::Command;
use super::msg::Msg;
use super::ui::render;
use super::update::update;
use crate::clock::Clock;
use crossterm::event::{Event, EventStream};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::Arc;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// Performs commands. Implementations must not block: start the work (a tokio task) and
/// send the result back as a `Msg` on `results`.
pub trait Effects: Send {
    fn perform(&mut self, command: Command, results: UnboundedSender<Msg>);

    /// Called once, before the first frame, with the channel results go to: where an
    /// implementation sends its first snapshots and starts watching for changes made
    /// elsewhere (another process appending to the audit log). Must not block either.
    fn start(&mut self, _results: UnboundedSender<Msg>) {}
}

/// An `Effects` that performs nothing and answers every command with `EffectFailed`.
/// Only for running the TUI by hand before the flow is wired in; never for real use.
#[derive(Debug, Default)]
pub struct NotWired;

impl Effects for NotWired {
    fn perform(&mut self, command: Command, results: UnboundedSender<Msg>) {
        let name = format!("{command:?}");
        let name = name
            .split([' ', '(', '{'])
            .next()
            .unwrap_or("command")
            .to_owned();
        let _ = results.send(Msg::EffectFailed {
            effect: name,
            error: "the flow is not wired into the TUI yet".into(),
            advice: "use the headless commands (breakglass activate/push/restore) for now".into(),
        });
    }
}

/// Restores the terminal on panic, then hands the panic to the hook that was there before
/// (which prints the message), so a crash never leaves the operator's shell in raw mode.
/// A panic in background work that will be caught and answered as an error (see
/// [`crate::caught`]) only goes to the trace log: the TUI carries on on its screen.
pub fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if crate::caught::caught_here() {
            tracing::error!("background work panicked: {info}");
            return;
        }
        ratatui::restore();
        previous(info);
    }));
}

/// Runs the TUI on the real terminal until a `Command::Quit`. Ticks read `clock`; every
/// other command goes to `effects`, whose results come back through the channel.
pub async fn run(
    mut app: App,
    mut effects: impl Effects,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<()> {
    let mut terminal = ratatui::init();
    // Installed after ratatui's own hook, so ours runs first and then chains to it.
    install_panic_hook();
    let result = drive(
        &mut terminal,
        &mut app,
        &mut effects,
        clock,
        EventStream::new(),
    )
    .await;
    ratatui::restore();
    result
}

/// The loop itself, on any backend and any event stream, so tests can drive it headless.
/// Effect results are taken before the tick and the tick before keys, so a burst of keys
/// cannot starve the timers and a key never acts on a stale state: a result that arrives
/// while the select is polling the tick or the keys is applied before what it returned.
pub async fn drive<B: Backend>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    effects: &mut impl Effects,
    clock: Arc<dyn Clock>,
    mut events: impl Stream<Item = std::io::Result<Event>> + Unpin,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let (results_tx, mut results_rx) = unbounded_channel();
    effects.start(results_tx.clone());
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let size = terminal.size()?;
    update(app, Msg::Resize(size.width, size.height));
    update(app, Msg::Tick(clock.now()));
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| render(app, frame))?;
            dirty = false;
        }
        let (msg, from_results) = tokio::select! {
            biased;
            Some(result) = results_rx.recv() => (result, true),
            _ = tick.tick() => (Msg::Tick(clock.now()), false),
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => (Msg::Key(key), false),
                Some(Ok(Event::Resize(w, h))) => (Msg::Resize(w, h), false),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
        };
        // `biased` orders the branches only within one poll: a result sent after its
        // branch was found empty, but before the tick or a key was taken, is already
        // queued. It goes first, so the key acts on the state the operator will see.
        let mut queued = Vec::new();
        if !from_results {
            while let Ok(result) = results_rx.try_recv() {
                queued.push(result);
            }
        }
        queued.push(msg);
        // Every message that reaches `update` may change what is shown; ignored terminal
        // events (mouse, focus) skip the redraw.
        dirty = true;
        for msg in queued {
            for command in update(app, msg) {
                if command == Command::Quit {
                    return Ok(());
                }
                effects.perform(command, results_tx.clone());
            }
        }
    }
}
