//! `breakglass audit …`: verify, show, export and checkpoint the audit log.

use clap::Subcommand;

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit log.
    Verify,
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<u8> {
    match cmd {
        AuditCommand::Verify => anyhow::bail!("audit verify is not implemented yet"),
    }
}
