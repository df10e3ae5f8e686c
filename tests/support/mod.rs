//! One home for the integration tests' set-up against the sandbox forge: the world (a
//! sandbox on loopback, a real clone with a fix, a home whose config names the sandbox, the
//! real binary), the library flow opened on it, and the incidents the tests declare. A test
//! says only how its set-up differs.

// Each test file uses a part of it.
#![allow(dead_code, unused_imports)]

mod flow;
mod world;

pub use flow::{FlowBuilder, config_without_approval, declaration};
pub use world::{REASON, World, audit_records, eventually, text_of};
