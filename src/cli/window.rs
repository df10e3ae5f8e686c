//! `breakglass push` without an open glass: the whole window as one confirmed action.
//! Declares the incident if it is new, preflights (a follow-up reuses the snapshot), shows
//! the plan and the commits, asks once (or takes `--yes`), then opens, pushes and closes
//! in one go and prints the exposure window.

use super::exit;
use super::interrupt::interruptible;
use super::steps::{PushArgs, print_json};
use crate::flow::{Declaration, Flow, FlowError, WindowPlan, WindowReport};
use crate::incident::Phase;
use crate::text::sanitize_line;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

/// Runs incident `id`'s next window; returns the exit code (3 when the restore needs
/// attention, 1 when the push was refused, 0 when the fix landed and the glass is closed).
pub async fn one_shot(flow: &Flow, id: &str, args: &PushArgs) -> anyhow::Result<u8> {
    let dir = args.repo_dir.as_deref();
    let remote = args.remote.as_deref();
    let phase = match flow.incident(id) {
        Ok(incident) => Some(incident.phase),
        Err(FlowError::UnknownIncident { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    match phase {
        None => {
            declare(flow, id, args).await?;
            flow.preflight(id, dir, remote).await?;
        }
        Some(Phase::Declared | Phase::Preflighted) => {
            flow.preflight(id, dir, remote).await?;
        }
        // A follow-up window (or a phase the flow refuses with its own guidance).
        Some(_) => {}
    }
    // The second person approves the incident before its first window (the approval
    // stands for follow-ups); the confirmation below comes after, so the glass opens the
    // moment it is given.
    if matches!(phase, None | Some(Phase::Declared | Phase::Preflighted)) {
        super::approve::gate(flow, id, args.self_approve.as_deref()).await?;
    }
    // A new incident's --reason is its declaration's; otherwise it says why this window
    // opens (a follow-up fix) and is recorded with it.
    let window_reason = args.reason.as_deref().filter(|_| phase.is_some());
    let prepared = flow.prepare_window(id, dir, remote).await?;
    show(&prepared, window_reason, args.json);
    if !args.yes {
        confirm(id)?;
    }
    let run = flow.run_window_with_reason(&prepared, window_reason);
    let report = interruptible(flow, id, run).await?;
    print_report(&prepared, &report, args.json);
    Ok(if report.needs_attention() {
        exit::RESTORE_FAILED
    } else if !report.push.accepted {
        exit::ERROR
    } else {
        exit::OK
    })
}

async fn declare(flow: &Flow, id: &str, args: &PushArgs) -> anyhow::Result<()> {
    let (Some(repo), Some(reason)) = (&args.repo, &args.reason) else {
        anyhow::bail!(
            "incident {id} is not declared yet; pass --repo OWNER/NAME and --reason \"what is \
             broken, with the ticket link\" to declare it and run the whole window"
        );
    };
    flow.declare(Declaration {
        id: id.to_owned(),
        repo: repo.clone(),
        branch: args.branch.clone(),
        reason: reason.clone(),
        ttl: args.ttl,
        drill: false,
        remote_url: flow.clone_remote_url(args.repo_dir.as_deref(), args.remote.as_deref()),
    })
    .await?;
    Ok(())
}

/// The plan and the commits, on stdout (stderr under `--json`, which owns stdout).
fn show(prepared: &WindowPlan, reason: Option<&str>, json: bool) {
    let reason = reason.map(|r| format!("reason for this window: {}", sanitize_line(r)));
    for line in prepared.confirmation_lines().into_iter().chain(reason) {
        if json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    }
}

/// Asks once on the terminal; without one, refuses with what to do.
fn confirm(id: &str) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!(
            "not opening the glass of incident {id}: there is no terminal to confirm on; nothing \
             was changed on the forge — read the plan and the commits above, then run the same \
             command with --yes"
        );
    }
    eprint!("Open the glass, push these commits and restore at once? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        return Ok(());
    }
    anyhow::bail!(
        "cancelled: nothing was changed on the forge; run the command again to open the window"
    )
}

fn print_report(prepared: &WindowPlan, report: &WindowReport, json: bool) {
    if json {
        print_json(&json!({
            "incident": report.incident,
            "window": report.number,
            "exposure_seconds": report.exposure_seconds,
            "open_seconds_total": report.open_seconds_total,
            "requests": report.requests,
            "plan": report.plan_words,
            "commits": prepared.commits,
            "trailers": prepared.trailers,
            "push": report.push,
            "restore": report.restore,
        }));
        return;
    }
    let length = report
        .exposure_seconds
        .map_or("unknown".into(), |s| format!("{s:.3} s"));
    let requests = &report.requests;
    println!(
        "incident {}: window {} — the glass was open {length}, {} forge request(s): {} API \
         ({} relax and {} restore write(s)), {} git",
        report.incident,
        report.number,
        requests.total,
        requests.api,
        requests.relax_writes,
        requests.restore_writes,
        requests.git
    );
    if report.push.accepted {
        println!(
            "pushed {} commit(s); {} is now at {}",
            report.push.commits.len(),
            prepared.branch,
            report.push.new_sha
        );
    } else {
        println!(
            "push REFUSED: {}",
            report.push.status.as_deref().unwrap_or("refused")
        );
    }
    for line in &report.push.remote_lines {
        println!("remote: {line}");
    }
    println!("{}", report.restore.summary());
    for step in report.next_steps(&prepared.remote, &prepared.branch) {
        println!("next: {step}");
    }
}
