//! `breakglass audit …`: verify, checkpoint, show and export the audit log, and reconcile
//! it with the forge's own record (`reconcile`).
//!
//! Read-only: none of these subcommands writes to the log (a torn tail is reported, and
//! recovered by the next command that writes).

use crate::audit::{
    Checkpoint, GENESIS_PREV, Head, VerifiedLine, read_verified_lines, verify_file,
};
use crate::clock::{Clock, SystemClock};
use crate::paths::Paths;
use crate::text::{sanitize, sanitize_line};
use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of the audit log; exit 1 naming the first bad line.
    Verify {
        /// The log to check (default: the audit log in the data directory).
        #[arg(long)]
        file: Option<PathBuf>,
        /// A checkpoint the log must still contain (detects whole lines cut off the end).
        #[arg(long)]
        checkpoint: Option<PathBuf>,
        /// Also check the log against the chain heads mirrored on each incident's issue
        /// (catches a log rewritten from scratch); needs a token for the forge.
        #[arg(long)]
        against_forge: bool,
        /// With --against-forge: only this incident.
        #[arg(long, requires = "against_forge")]
        incident: Option<String>,
    },
    /// Print (or write) a checkpoint of the verified log: its event count and head hash.
    Checkpoint {
        #[arg(long)]
        file: Option<PathBuf>,
        /// Write the checkpoint here instead of printing it.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the events, readably or as their original JSON lines.
    Show {
        #[arg(long)]
        file: Option<PathBuf>,
        /// Only this incident's events.
        #[arg(long)]
        incident: Option<String>,
        /// Print the original JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Write one incident's original lines, after a checkpoint of the whole log.
    Export {
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        incident: String,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Compare the forge's own record of pushes (repository activity, rule suites) with
    /// the ledger; exit 3 listing every bypass no incident accounts for.
    Reconcile(super::reconcile::ReconcileArgs),
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<u8> {
    match cmd {
        AuditCommand::Verify {
            file,
            checkpoint,
            against_forge,
            incident,
        } => {
            let log = log_path(file)?;
            let local = verify(&log, checkpoint.as_deref())?;
            if !against_forge || local != super::exit::OK {
                return Ok(local);
            }
            super::verify_forge::run(&log, incident.as_deref())
        }
        AuditCommand::Checkpoint { file, out } => checkpoint(&log_path(file)?, out.as_deref()),
        AuditCommand::Show {
            file,
            incident,
            json,
        } => show(&log_path(file)?, incident.as_deref(), json),
        AuditCommand::Export {
            file,
            incident,
            out,
        } => export(&log_path(file)?, &incident, out.as_deref()),
        AuditCommand::Reconcile(args) => super::block_on(super::reconcile::run(args)),
    }
}

fn log_path(file: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    match file {
        Some(file) => Ok(file),
        None => Ok(Paths::from_env()?.audit_log()),
    }
}

fn verify(log: &Path, checkpoint: Option<&Path>) -> anyhow::Result<u8> {
    let checkpoint = checkpoint.map(Checkpoint::load).transpose()?;
    let summary = verify_file(log, checkpoint.as_ref())?;
    let against = checkpoint.map_or(String::new(), |c| {
        format!(", contains checkpoint of {} events", c.count)
    });
    println!(
        "ok: {} events, head {}…, {} incidents{against}",
        summary.events,
        &summary.head[..12],
        summary.incidents
    );
    Ok(super::exit::OK)
}

fn checkpoint(log: &Path, out: Option<&Path>) -> anyhow::Result<u8> {
    let summary = verify_file(log, None)?;
    let json = Checkpoint::of(&summary, SystemClock.now()).to_json();
    match out {
        Some(out) => write_file(out, format!("{json}\n").as_bytes())?,
        None => println!("{json}"),
    }
    Ok(super::exit::OK)
}

fn show(log: &Path, incident: Option<&str>, json: bool) -> anyhow::Result<u8> {
    let lines = read_verified_lines(log)?;
    let mut stdout = std::io::stdout().lock();
    for line in lines
        .iter()
        .filter(|l| incident.is_none_or(|id| l.record.incident.as_deref() == Some(id)))
    {
        // Lines were sanitised when written, but a file can be forged with a valid chain,
        // so what reaches the terminal is sanitised again.
        let text = if json {
            sanitize(&line.line)
        } else {
            describe(line)
        };
        writeln!(stdout, "{text}")?;
    }
    Ok(super::exit::OK)
}

/// One readable line: time, seq, incident, actor, kind, and the data in brief.
fn describe(line: &VerifiedLine) -> String {
    const DATA_WIDTH: usize = 100;
    let r = &line.record;
    let mut data = r.data.to_string();
    if data.chars().count() > DATA_WIDTH {
        data = data.chars().take(DATA_WIDTH - 1).collect::<String>() + "…";
    }
    sanitize_line(&format!(
        "{}  #{:<5} {:<12} {:<12} {:<14} {}",
        r.ts_text(),
        r.seq,
        r.incident.as_deref().unwrap_or("-"),
        r.actor,
        r.kind,
        data
    ))
}

fn export(log: &Path, incident: &str, out: Option<&Path>) -> anyhow::Result<u8> {
    let lines = read_verified_lines(log)?;
    // The checkpoint comes from the same read as the lines, so the two always agree.
    let head = lines.last().map_or(
        Head {
            seq: 0,
            hash: GENESIS_PREV.to_owned(),
        },
        |l| Head {
            seq: l.record.seq,
            hash: l.record.hash.clone(),
        },
    );
    let mut text = Checkpoint::at(&head, SystemClock.now()).to_json();
    text.push('\n');
    let mut found = 0;
    for line in lines
        .iter()
        .filter(|l| l.record.incident.as_deref() == Some(incident))
    {
        text.push_str(&line.line);
        text.push('\n');
        found += 1;
    }
    if found == 0 {
        anyhow::bail!(
            "no events for incident {} in {} — check the id with `breakglass audit show`",
            sanitize_line(incident),
            log.display()
        );
    }
    match out {
        Some(out) => {
            write_file(out, text.as_bytes())?;
            eprintln!(
                "wrote {found} events of {} and a checkpoint to {}",
                sanitize_line(incident),
                out.display()
            );
        }
        None => print!("{}", sanitize(&text)),
    }
    Ok(super::exit::OK)
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a crash never leaves
/// half a checkpoint.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| {
            format!(
                "cannot write {} — check the directory exists and is writable",
                path.display()
            )
        })
}
