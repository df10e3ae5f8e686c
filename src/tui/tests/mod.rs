//! Headless tests of the TUI: `update` driven by keys and messages, and `render` into a
//! `TestBackend` with timers frozen by a fake clock.

mod checklist_tests;
mod drill_history_tests;
mod drill_picker_tests;
mod drill_walk;
mod fixtures;
mod loop_tests;
mod render_tests;
mod update_tests;
