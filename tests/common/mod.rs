//! Shared support for integration tests.
pub mod protection;
pub mod sandbox;
