//! The terminal UI: Elm-style state (`App`), messages (`Msg`), effects requested
//! (`Command`), a pure `update` and a pure `render` over the TUI's own view types. Only the
//! edge, [`effects::FlowEffects`], reaches the flow, git and the audit log; [`adapt`] turns
//! what they return into view types, without I/O.

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
pub mod task_panic;
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
