//! The flow tests' set-up under its former name, for test files not yet moved to
//! `mod support;`: the same module, not a copy (see `tests/support`).

#[path = "../support/mod.rs"]
mod support;

pub use support::*;
