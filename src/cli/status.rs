//! `breakglass status` (recovery, then open incidents, leases and time left) and the
//! hidden `breakglass watchdog` that guards one lease from its own process.

use super::connect::{ActsOn, ForgeArgs, connect, recover_and_report};
use super::exit;
use super::steps::print_json;
use crate::config::ConfigOverrides;
use crate::flow::is_in_progress;
use crate::incident::{Incident, RestoreTrigger};
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct WatchdogArgs {
    #[arg(long)]
    pub incident: String,
    #[command(flatten)]
    pub forge: ForgeArgs,
}

pub async fn status(args: StatusArgs) -> anyhow::Result<u8> {
    let flow = connect(
        "breakglass status",
        &args.forge,
        ConfigOverrides::default(),
        ActsOn::NoIncident,
    )
    .await?;
    let recovery = recover_and_report(&flow).await?;
    let now = flow.clock().now();
    let mut open = Vec::new();
    let mut attention = Vec::new();
    let mut unreadable = Vec::new();
    for folded in flow.incidents()? {
        match folded {
            Ok(incident) if is_in_progress(&incident) => open.push(incident),
            Ok(incident) if incident.needs_attention() => attention.push(incident),
            Ok(_) => {}
            Err(e) => unreadable.push(e.to_string()),
        }
    }
    if args.json {
        let view = |i: &Incident| {
            json!({
                "id": i.id, "repo": i.repo, "branch": i.branch, "phase": i.phase,
                "deadline": i.lease.map(|l| l.deadline),
                "remaining_seconds": i.lease.map(|l| l.remaining(now).num_seconds()),
                "glass_possibly_open": i.glass_possibly_open(),
            })
        };
        print_json(&json!({
            "recovery": recovery,
            "open": open.iter().map(view).collect::<Vec<_>>(),
            "needs_attention": attention.iter().map(view).collect::<Vec<_>>(),
            "unreadable": unreadable,
        }));
    } else {
        if open.is_empty() {
            println!("no open incidents");
        }
        for incident in &open {
            let left = incident
                .lease
                .map(|l| crate::config::format_duration(l.remaining(now)));
            println!(
                "{} {} {} {}{}",
                incident.id,
                incident.repo,
                incident.branch,
                incident.phase,
                left.map(|l| format!(", {l} left")).unwrap_or_default()
            );
        }
        for incident in &attention {
            println!(
                "NEEDS ATTENTION: {} is {} (restore failed or drift found)",
                incident.id, incident.phase
            );
        }
    }
    let failed =
        recovery.needs_attention() || open.iter().any(|i| i.phase.name() == "restore_failed");
    Ok(if failed {
        exit::RESTORE_FAILED
    } else {
        exit::OK
    })
}

pub async fn watchdog(args: WatchdogArgs) -> anyhow::Result<u8> {
    let flow = connect(
        "breakglass watchdog",
        &args.forge,
        ConfigOverrides::default(),
        ActsOn::Incident(Some(&args.incident)),
    )
    .await?;
    tracing::info!(incident = %args.incident, pid = std::process::id(), "watchdog guarding the lease");
    let outcome = flow
        .guard_lease(&args.incident, RestoreTrigger::Watchdog)
        .await?;
    match outcome {
        Some(outcome) => {
            tracing::info!(incident = %args.incident, summary = %outcome.summary(), "watchdog restored");
            Ok(super::steps::restore_exit(&outcome))
        }
        None => {
            tracing::info!(incident = %args.incident, "the glass was closed elsewhere; watchdog done");
            Ok(exit::OK)
        }
    }
}
