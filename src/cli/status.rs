//! `breakglass status` (recovery, then open incidents, leases and time left) and the
//! hidden `breakglass watchdog` that guards one lease from its own process.

use super::connect::{ActsOn, ForgeArgs, connect, connect_as, recover_and_report};
use super::exit;
use super::steps::print_json;
use crate::clock::{Clock, SystemClock};
use crate::config::ConfigOverrides;
use crate::flow::{
    Flow, LedgerView, OutstandingReview, RecoveryReport, is_in_progress, outstanding_reviews,
};
use crate::incident::{Incident, RESTORE_RETRY, RestoreTrigger};
use crate::paths::Paths;
use serde_json::json;

/// How long `status` lets the incident issues catch up before reporting how far behind
/// they are.
const MIRROR_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

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
    /// The login to record events as (the parent's), so the watchdog asks the forge
    /// nothing while the glass is open.
    #[arg(long)]
    pub actor: Option<String>,
}

pub async fn status(args: StatusArgs) -> anyhow::Result<u8> {
    let flow = match connect(
        "breakglass status",
        &args.forge,
        ConfigOverrides::default(),
        ActsOn::NoIncident,
    )
    .await
    {
        Ok(flow) => flow,
        Err(error) if without_a_token(&error) => return offline(&args, &error),
        Err(error) => return Err(error),
    };
    let recovery = recover_and_report(&flow).await?;
    let sign_off_problems = check_sign_offs(&flow).await;
    // A short wait lets the catch-up started at connect bring the issues current first.
    flow.settle_mirror(MIRROR_WAIT).await;
    Ok(report(
        &args,
        Seen {
            paths: flow.paths(),
            now: flow.clock().now(),
            ledger: flow.ledger(),
            recovery: Some(recovery),
            sign_off_problems,
            offline: None,
        },
    ))
}

/// True when the forge could not be asked because no token was found for it.
fn without_a_token(error: &anyhow::Error) -> bool {
    matches!(
        error.downcast_ref::<crate::flow::FlowError>(),
        Some(crate::flow::FlowError::NoToken(_))
    )
}

/// `status` without a token: the local audit log alone, said loudly, so a commander whose
/// token is missing or expired still sees which glass is open and until when.
fn offline(args: &StatusArgs, error: &anyhow::Error) -> anyhow::Result<u8> {
    let paths = Paths::from_env()?;
    let why = error.to_string();
    eprintln!(
        "warning: {why}\nshowing the local audit log only: nothing was recovered, restored or \
         checked on the forge"
    );
    // Online, recovery says these; here nothing else would, and each may hide an open glass.
    let ledger = LedgerView::read(&paths.audit_log());
    for problem in ledger.problems() {
        eprintln!("{problem}");
    }
    Ok(report(
        args,
        Seen {
            ledger,
            paths: &paths,
            now: SystemClock.now(),
            recovery: None,
            sign_off_problems: Vec::new(),
            offline: Some(why),
        },
    ))
}

/// What `status` reports from: the ledger and the local state, and what the forge said
/// when it could be asked.
struct Seen<'a> {
    paths: &'a Paths,
    now: chrono::DateTime<chrono::Utc>,
    ledger: LedgerView,
    /// `None` when the forge was not asked.
    recovery: Option<RecoveryReport>,
    sign_off_problems: Vec<String>,
    /// Why the forge was not asked, if it was not.
    offline: Option<String>,
}

/// Prints the report and returns the exit code (3 when a restore needs attention).
fn report(args: &StatusArgs, seen: Seen<'_>) -> u8 {
    let Seen {
        paths,
        now,
        ledger,
        recovery,
        sign_off_problems,
        offline,
    } = seen;
    let records = crate::audit::read_verified(&paths.audit_log()).unwrap_or_default();
    let mirror_lag = |id: &str| crate::mirror::lag_summary(&paths.state_dir, &records, id);
    let reviews = outstanding_reviews(&ledger.incidents);
    let (open, attention): (Vec<&Incident>, Vec<&Incident>) = ledger
        .incidents
        .iter()
        .filter(|i| is_in_progress(i) || i.needs_attention())
        .partition(|i| is_in_progress(i));
    let failing: Vec<String> = open
        .iter()
        .filter_map(|i| {
            i.restore_failing()
                .map(|f| format!("{}: {} ({} attempts)", i.id, f.summary(), f.attempts))
        })
        .collect();
    let by_guard = closed_by_guard(&ledger.incidents);
    if args.json {
        let view = |i: &&Incident| {
            json!({
                "id": i.id, "repo": i.repo, "branch": i.branch, "phase": i.phase,
                "deadline": i.lease.map(|l| l.deadline),
                "remaining_seconds": i.lease.map(|l| l.remaining(now).num_seconds()),
                "glass_possibly_open": i.glass_possibly_open(),
                "windows": i.windows,
                "restore_failing": i.restore_failing(),
                "mirror": mirror_lag(&i.id),
                "notify_failures": crate::notify::failures_for(&paths.state_dir, &i.id),
            })
        };
        print_json(&json!({
            "recovery": recovery,
            "forge_checked": offline.is_none(),
            "offline": offline,
            "open": open.iter().map(view).collect::<Vec<_>>(),
            "needs_attention": attention.iter().map(view).collect::<Vec<_>>(),
            "unreadable": ledger.unreadable.iter().map(|u| format!("incident {}: {}", u.id, u.why)).collect::<Vec<_>>(),
            "reviews_outstanding": reviews.iter().map(|r| json!({
                "id": r.id, "repo": r.repo, "branch": r.branch, "since": r.since,
                "waiting_seconds": r.waiting(now).num_seconds(), "pr_url": r.pr_url,
            })).collect::<Vec<_>>(),
            "sign_off_problems": sign_off_problems,
            "closed_by_guard": by_guard.iter().map(|(i, guard)| json!({
                "id": i.id, "repo": i.repo, "branch": i.branch, "guard": guard,
                "restored_at": i.restore.restored_at, "verified": i.restore.verified,
            })).collect::<Vec<_>>(),
            "chain": ledger.chain,
        }));
    } else {
        // An unreadable log or incident was said once already on stderr (by recovery, or
        // by `offline`).
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
        for incident in &open {
            if let Some(line) = window_reason_line(incident) {
                println!("{line}");
            }
        }
        for line in &failing {
            println!("{line}");
        }
        for incident in open.iter().chain(&attention) {
            if let Some(lag) = mirror_lag(&incident.id) {
                println!("{}: {lag}", incident.id);
            }
            if let Some(failure) =
                crate::notify::failures_for(&paths.state_dir, &incident.id).last()
            {
                println!("{}: notification failed: {}", incident.id, failure.message);
            }
        }
        for incident in &attention {
            println!(
                "NEEDS ATTENTION: {} is {} (restore failed or drift found)",
                incident.id, incident.phase
            );
        }
        for (incident, guard) in &by_guard {
            println!("{}", guard_line(incident, guard));
        }
        for line in review_lines(&reviews, now) {
            println!("{line}");
        }
        for problem in &sign_off_problems {
            eprintln!("warning: {problem}");
        }
    }
    let failed = recovery
        .as_ref()
        .is_some_and(RecoveryReport::needs_attention)
        || !failing.is_empty()
        || open.iter().any(|i| i.phase.name() == "restore_failed");
    if failed {
        exit::RESTORE_FAILED
    } else {
        exit::OK
    }
}

/// Why the incident's current window was opened, when the operator said (a follow-up
/// fix's reason; the first window's is the declaration's).
fn window_reason_line(incident: &Incident) -> Option<String> {
    let window = incident.windows.last()?;
    let reason = window.reason.as_deref()?;
    Some(format!(
        "{}: window {} — {}",
        incident.id,
        incident.windows.len(),
        crate::text::sanitize_line(reason)
    ))
}

/// Checks on the forge every outstanding review this session's forge holds, so a review
/// approved since the last run is signed off (and leaves the list) now. A check that
/// fails is said, never fatal: `status` must still show the open glass.
async fn check_sign_offs(flow: &Flow) -> Vec<String> {
    let mut problems = Vec::new();
    for review in outstanding_reviews(&flow.ledger().incidents) {
        let on_this_forge = flow
            .ledger()
            .incident(&review.id)
            .and_then(|i| i.api_url.as_deref())
            .is_none_or(|bound| crate::flow::same_forge(bound, &flow.api_url()));
        if review.pr_url.is_none() || !on_this_forge {
            continue;
        }
        if let Err(e) = flow.check_sign_off(&review.id).await {
            problems.push(format!(
                "incident {}: the review's sign-off could not be checked: {e}",
                review.id
            ));
        }
    }
    problems
}

/// The incidents not yet closed whose latest window a `breakglass guard` closed, with
/// the guard's login.
fn closed_by_guard(incidents: &[Incident]) -> Vec<(&Incident, &str)> {
    incidents
        .iter()
        .filter(|i| i.phase != crate::incident::Phase::Closed && !i.glass_possibly_open())
        .filter_map(|i| i.restore.by_guard.as_deref().map(|guard| (i, guard)))
        .collect()
}

/// "INC-7 acme/api main: restored by guard ops-bot at 02:31:05 UTC (verified by read-back)".
fn guard_line(incident: &Incident, guard: &str) -> String {
    let at = incident
        .restore
        .restored_at
        .map(|t| format!(" at {}", t.format("%H:%M:%S UTC")))
        .unwrap_or_default();
    crate::text::sanitize_line(&format!(
        "{} {} {}: restored by guard {guard}{at} (verified by read-back){}",
        incident.id,
        incident.repo,
        incident.branch,
        if incident.drift.is_empty() {
            ""
        } else {
            " — DRIFT overwritten, review it"
        }
    ))
}

/// "REVIEW OUTSTANDING: INC-7 acme/api main, waiting 2h 5m — <PR>", oldest first.
fn review_lines(reviews: &[OutstandingReview], now: chrono::DateTime<chrono::Utc>) -> Vec<String> {
    reviews
        .iter()
        .map(|r| {
            let whither = match &r.pr_url {
                Some(url) => format!("approve {url}"),
                None => format!("open it with `breakglass review --incident {}`", r.id),
            };
            format!(
                "REVIEW OUTSTANDING: {} {} {}, waiting {} — {whither}",
                r.id,
                r.repo,
                r.branch,
                crate::config::format_duration(r.waiting(now))
            )
        })
        .collect()
}

pub async fn watchdog(args: WatchdogArgs) -> anyhow::Result<u8> {
    let flow = connect_until_reachable(&args).await?;
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

/// The watchdog's flow, however long the forge (or the log) takes to answer: giving up
/// here would leave the glass open with nobody watching the deadline.
async fn connect_until_reachable(args: &WatchdogArgs) -> anyhow::Result<crate::flow::Flow> {
    let mut failures = 0;
    loop {
        match connect_as(
            super::connect::WATCHDOG_COMMAND,
            &args.forge,
            ConfigOverrides::default(),
            ActsOn::Incident(Some(&args.incident)),
            args.actor.clone(),
        )
        .await
        {
            Ok(flow) => return Ok(flow),
            Err(error)
                if error
                    .downcast_ref::<crate::flow::FlowError>()
                    .is_some_and(crate::flow::watchdog::retryable) =>
            {
                failures += 1;
                let pause = RESTORE_RETRY.delay_after(failures);
                tracing::warn!(incident = %args.incident, error = %format!("{error:#}"), ?pause, "the watchdog cannot reach the forge yet; retrying");
                tokio::time::sleep(pause).await;
            }
            Err(error) => return Err(error),
        }
    }
}
