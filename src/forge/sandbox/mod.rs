//! The sandbox forge: a local GitHub-compatible server for drills, tests and benchmarks.

pub mod smart_http;
