//! breakglass: a guided, time-boxed, audited emergency push past branch protection.
//!
//! Dependencies flow one way: the views (`cli`, later `tui`) call the orchestrator, which
//! calls the adapters (`forge`, `git`, `audit`), which use the pure model (`incident`,
//! `runbook`). See DESIGN.md in the shared folder for the whole picture.

pub mod audit;
pub mod caught;
pub mod cli;
pub mod clock;
pub mod config;
pub mod drill;
pub mod error_chain;
pub mod flow;
pub mod forge;
pub mod git;
pub mod guard;
pub mod incident;
pub mod mirror;
pub mod notify;
pub mod paths;
pub mod reconcile;
pub mod review;
pub mod runbook;
pub mod secret;
pub mod text;
pub mod tui;
