//! The command line: clap definitions and the handlers that run each subcommand.
//!
//! Handlers parse, call into the library and print; they hold no logic of their own that
//! a test of the library could not reach.

mod audit;
mod logging;
mod sandbox;

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
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify, show, export and checkpoint the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Serve the sandbox forge (a local GitHub-compatible forge) for a team drill.
    Sandbox(sandbox::SandboxArgs),
}

/// Parses the command line, runs the subcommand and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _guard = logging::init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("error: {}", crate::text::sanitize(&format!("{err:#}")));
            ExitCode::from(exit::ERROR)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Audit(cmd) => audit::run(cmd),
        Command::Sandbox(args) => sandbox::run(args),
    }
}
