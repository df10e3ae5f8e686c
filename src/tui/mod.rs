//! The terminal UI: Elm-style state (`App`), messages (`Msg`), effects requested
//! (`Command`), a pure `update` and a pure `render`. It renders its own view types and
//! never talks to the forge, git or the audit log itself: the flow does, behind `Effects`.

pub mod adapt;
pub mod app;
pub mod command;
pub mod declare;
pub mod effects;
pub mod event_loop;
pub mod keymap;
pub mod keymap_doc;
pub mod keys;
pub mod msg;
pub mod review_form;
pub mod theme;
pub mod timeline;
pub mod ui;
pub mod update;
pub mod view;

pub use app::{App, Screen};
pub use command::Command;
pub use effects::FlowEffects;
pub use event_loop::{Effects, NotWired, install_panic_hook, run};
pub use msg::Msg;
pub use theme::Theme;
pub use ui::render;
pub use update::update;

#[cfg(test)]
mod tests;
