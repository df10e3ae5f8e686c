//! The command line: clap definitions and the handlers that run each subcommand.
//!
//! Handlers parse, call into the library and print; they hold no logic of their own that
//! a test of the library could not reach.

mod approve;
mod audit;
mod connect;
mod drill;
mod drill_history;
mod guard;
mod interrupt;
mod logging;
mod reconcile;
mod review;
mod sandbox;
mod status;
mod steps;
mod tui;
mod verify_forge;
mod window;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Exit codes shared by every subcommand, stable for scripts.
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// An error; the message says what to do.
    pub const ERROR: u8 = 1;
    /// The command line was wrong (clap uses this too).
    pub const USAGE: u8 = 2;
    /// Protections could not be restored, or drift was found: act now.
    pub const RESTORE_FAILED: u8 = 3;
}

/// Break glass on a protected branch: a guided, time-boxed, audited emergency push.
#[derive(Debug, Parser)]
#[command(name = "breakglass", version, about, long_about = None)]
pub struct Cli {
    /// Without a subcommand: the TUI (open incidents and leases, declare, drill, review).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify, show, export and checkpoint the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Serve the sandbox forge (a local GitHub-compatible forge) for a team drill.
    Sandbox(sandbox::SandboxArgs),
    /// Declare an incident, check it, and open the glass for the smallest scope.
    Activate(steps::ActivateArgs),
    /// Approve another person's break-glass as the second person, with your own token.
    Approve(approve::ApproveArgs),
    /// Push the tagged fix: with the glass open, push only; otherwise the whole window in
    /// one confirmed action (declare if needed, preflight, open, push, restore).
    Push(steps::PushArgs),
    /// Put the protections back exactly as they were and verify by reading them back.
    Restore(steps::RestoreArgs),
    /// Open the retroactive review of what was pushed (`--form`: the lessons-learned
    /// form in the TUI; `--export FILE`: that form as Markdown).
    Review(review::ReviewArgs),
    /// Show open incidents and leases (and restore expired ones).
    Status(status::StatusArgs),
    /// Rehearse the whole flow against a built-in sandbox forge.
    Drill(drill::DrillArgs),
    /// Close expired leases from anywhere: find open incident issues on the forge and
    /// restore their mirrored snapshots once past deadline plus grace, with your own token.
    Guard(guard::GuardArgs),
    /// Guard one incident's lease from a detached process (started by `activate`).
    #[command(hide = true)]
    Watchdog(status::WatchdogArgs),
}

/// Parses the command line, runs the subcommand and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let message = crate::error_chain::error_chain(err.as_ref());
            eprintln!("error: {}", crate::text::sanitize(&message));
            let code = err
                .downcast_ref::<crate::flow::FlowError>()
                .map_or(exit::ERROR, crate::flow::FlowError::exit_code);
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    let Some(command) = cli.command else {
        return block_on(tui::home());
    };
    match command {
        Command::Audit(cmd) => audit::run(cmd),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Activate(args) => block_on(steps::activate(args)),
        Command::Approve(args) => block_on(approve::run(args)),
        Command::Push(args) => block_on(steps::push(args)),
        Command::Restore(args) => block_on(steps::restore(args)),
        Command::Review(args) => block_on(review::run(args)),
        Command::Status(args) => block_on(status::status(args)),
        Command::Drill(args) => block_on(drill::run(args)),
        Command::Guard(args) => block_on(guard::run(args)),
        Command::Watchdog(args) => block_on(status::watchdog(args)),
    }
}

/// How long a command waits, before exiting, for the incident issue to catch up.
const MIRROR_SETTLE: std::time::Duration = std::time::Duration::from_secs(10);

fn block_on(work: impl std::future::Future<Output = anyhow::Result<u8>>) -> anyhow::Result<u8> {
    tokio::runtime::Runtime::new()?.block_on(async {
        let outcome = work.await;
        if !crate::notify::settle_all(MIRROR_SETTLE).await {
            eprintln!("note: some notifications were still being delivered when breakglass exited");
        }
        if !crate::mirror::settle_all(MIRROR_SETTLE).await {
            eprintln!(
                "note: the incident issue on the forge is not caught up yet; the next \
                 breakglass command (or the TUI) catches it up"
            );
        }
        outcome
    })
}
