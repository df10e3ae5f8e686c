//! `breakglass activate|push|restore|review`: the headless break-glass steps. Each prints
//! words, or one JSON document with `--json`, and returns the exit code.

use super::connect::{ActsOn, ForgeArgs, connect, recover_and_report};
use super::exit;
use super::interrupt::interruptible;
use crate::config::{ConfigOverrides, parse_duration};
use crate::flow::{Declaration, Flow, RestoreOutcome};
use crate::forge::RepoId;
use crate::incident::{DriftChoice, RestoreTrigger};
use serde::Serialize;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ActivateArgs {
    /// The repository, OWNER/NAME.
    #[arg(long)]
    pub repo: RepoId,
    /// The protected branch to push to.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// The incident id (letters, digits, `-`, `_`), e.g. INC-1234.
    #[arg(long)]
    pub incident: String,
    /// What is broken, with a link to the incident ticket.
    #[arg(long)]
    pub reason: String,
    /// How long the glass may stay open, e.g. 30m, 90s (capped by config `lease.cap`).
    #[arg(long, value_parser = parse_duration)]
    pub ttl: Option<chrono::Duration>,
    /// A clone holding the fix, to list the commits that will be pushed.
    #[arg(long)]
    pub repo_dir: Option<PathBuf>,
    /// The clone's remote that points at the forge.
    #[arg(long)]
    pub remote: Option<String>,
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// Open the glass without a second person's approval, for this reason; recorded,
    /// posted on the incident issue and the webhooks, and listed in the review.
    #[arg(long, value_name = "REASON")]
    pub self_approve: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PushArgs {
    /// The incident; may be omitted when exactly one is open. Without an open glass, the
    /// whole window runs in one go: declared if needed, preflighted, confirmed, then
    /// opened, pushed and closed.
    #[arg(long)]
    pub incident: Option<String>,
    /// The repository, OWNER/NAME (to declare the incident when it is new).
    #[arg(long)]
    pub repo: Option<RepoId>,
    /// The protected branch to push to (when declaring).
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// What is broken, with a link to the incident ticket (when declaring).
    #[arg(long)]
    pub reason: Option<String>,
    /// The longest the glass may stay open, e.g. 30m (when declaring; capped by config).
    #[arg(long, value_parser = parse_duration)]
    pub ttl: Option<chrono::Duration>,
    /// Open the window without asking (required without a terminal).
    #[arg(long)]
    pub yes: bool,
    /// Open the first window without a second person's approval, for this reason;
    /// recorded, posted on the incident issue and the webhooks, and listed in the review.
    #[arg(long, value_name = "REASON")]
    pub self_approve: Option<String>,
    /// The clone holding the fix (default: the current directory).
    #[arg(long)]
    pub repo_dir: Option<PathBuf>,
    /// The clone's remote that points at the forge (default: config `remote`, else origin).
    #[arg(long)]
    pub remote: Option<String>,
    #[command(flatten)]
    pub forge: ForgeArgs,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct IncidentArgs {
    /// The incident; may be omitted when exactly one is open.
    #[arg(long)]
    pub incident: Option<String>,
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Ask these logins to review (repeatable; `review` only).
    #[arg(long = "reviewer", value_name = "LOGIN")]
    pub reviewers: Vec<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    #[command(flatten)]
    pub incident: IncidentArgs,
    /// If someone else changed protection during the window: put the snapshot back
    /// (restore), undo only our relaxation and keep their change (keep-theirs), or change
    /// nothing until the lease deadline restores the snapshot (hold).
    #[arg(long, value_enum, default_value_t = OnDrift::Restore)]
    pub on_drift: OnDrift,
}

/// `--on-drift` values, as the operator types them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnDrift {
    Restore,
    KeepTheirs,
    Hold,
}

impl From<OnDrift> for DriftChoice {
    fn from(value: OnDrift) -> Self {
        match value {
            OnDrift::Restore => DriftChoice::RestoreSnapshot,
            OnDrift::KeepTheirs => DriftChoice::KeepTheirs,
            OnDrift::Hold => DriftChoice::Hold,
        }
    }
}

pub async fn activate(args: ActivateArgs) -> anyhow::Result<u8> {
    let overrides = ConfigOverrides {
        remote: args.remote.clone(),
        ..ConfigOverrides::default()
    };
    let acts_on = ActsOn::Incident(Some(&args.incident));
    let flow = connect("breakglass activate", &args.forge, overrides, acts_on).await?;
    recover_and_report(&flow).await?;
    let id = args.incident.clone();
    let run = async {
        if let Some(earlier) = declared_not_opened(&flow, &id, &args)? {
            eprintln!("incident {id} was declared at {earlier}; continuing with preflight");
        } else {
            flow.declare(Declaration {
                id: id.clone(),
                repo: args.repo.clone(),
                branch: args.branch.clone(),
                reason: args.reason.clone(),
                ttl: args.ttl,
                drill: false,
                remote_url: flow.clone_remote_url(args.repo_dir.as_deref(), args.remote.as_deref()),
            })
            .await?;
        }
        let preflight = flow
            .preflight(&id, args.repo_dir.as_deref(), args.remote.as_deref())
            .await?;
        super::approve::gate(&flow, &id, args.self_approve.as_deref()).await?;
        let activation = flow.activate(&id).await?;
        Ok::<_, crate::flow::FlowError>((preflight, activation))
    };
    let (preflight, activation) = interruptible(&flow, &id, run).await?;
    if args.json {
        print_json(&json!({ "preflight": preflight, "activation": activation }));
    } else {
        println!("incident {id}: the glass is open");
        println!("change: {}", preflight.plan_words);
        if !preflight.commits.is_empty() {
            println!("commits to push: {}", preflight.commits.len());
        }
        println!(
            "deadline: {} (protections are restored then, even if this terminal is gone)",
            activation.deadline.format("%Y-%m-%d %H:%M:%S UTC")
        );
        println!("next: breakglass push --incident {id}");
    }
    Ok(exit::OK)
}

/// When an earlier `activate` declared this incident for the same branch but stopped
/// before opening the glass (a refused preflight, a crash), this one picks it up.
fn declared_not_opened(
    flow: &Flow,
    id: &str,
    args: &ActivateArgs,
) -> Result<Option<String>, crate::flow::FlowError> {
    use crate::incident::Phase;
    match flow.incident(id) {
        Ok(incident)
            if matches!(incident.phase, Phase::Declared | Phase::Preflighted)
                && incident.repo == args.repo.to_string()
                && incident.branch == args.branch =>
        {
            Ok(Some(incident.declared_at.to_rfc3339()))
        }
        Ok(_) | Err(crate::flow::FlowError::UnknownIncident { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn push(args: PushArgs) -> anyhow::Result<u8> {
    let overrides = ConfigOverrides {
        remote: args.remote.clone(),
        ..ConfigOverrides::default()
    };
    let acts_on = ActsOn::Incident(args.incident.as_deref());
    let flow = connect("breakglass push", &args.forge, overrides, acts_on).await?;
    recover_and_report(&flow).await?;
    let id = flow.resolve_incident(args.incident.as_deref())?;
    // Without an open glass, `push` is the whole window as one confirmed action.
    let glass_open = match flow.incident(&id) {
        Ok(incident) => incident.glass_possibly_open(),
        Err(crate::flow::FlowError::UnknownIncident { .. }) => false,
        Err(e) => return Err(e.into()),
    };
    if !glass_open {
        return super::window::one_shot(&flow, &id, &args).await;
    }
    let report = interruptible(
        &flow,
        &id,
        flow.push(&id, args.repo_dir.as_deref(), args.remote.as_deref()),
    )
    .await?;
    if args.json {
        print_json(&report);
    } else {
        println!(
            "incident {id}: pushed {} commit(s); {} is now at {}",
            report.commits.len(),
            flow.incident(&id)?.branch,
            report.new_sha
        );
        for line in &report.remote_lines {
            println!("remote: {line}");
        }
        // Separate steps keep the glass open between commands: say for how long, every time.
        let open_for = flow.incident(&id)?.open_time(flow.clock().now());
        println!(
            "the glass has been OPEN for {} s; close it as soon as the push is checked",
            open_for.num_seconds()
        );
        println!("next: breakglass restore --incident {id}");
    }
    Ok(exit::OK)
}

pub async fn restore(restore: RestoreArgs) -> anyhow::Result<u8> {
    let args = restore.incident;
    let flow = connect(
        "breakglass restore",
        &args.forge,
        ConfigOverrides::default(),
        ActsOn::Incident(args.incident.as_deref()),
    )
    .await?;
    let recovery = recover_and_report(&flow).await?;
    let id = match flow.resolve_incident(args.incident.as_deref()) {
        Ok(id) => id,
        // Recovery may have just closed the only open glass.
        Err(crate::flow::FlowError::NoOpenIncident) if !recovery.restored.is_empty() => {
            recovery.restored[0].incident.clone()
        }
        Err(e) => return Err(e.into()),
    };
    let outcome = flow
        .restore_with(&id, RestoreTrigger::Operator, restore.on_drift.into())
        .await?;
    print_restore(args.json, &outcome);
    Ok(restore_exit(&outcome))
}

pub async fn review(args: IncidentArgs) -> anyhow::Result<u8> {
    open_review(args).await.map(|_| exit::OK)
}

/// Opens (or finds again: it is idempotent) the retroactive review pull request and
/// returns the incident it belongs to.
pub async fn open_review(args: IncidentArgs) -> anyhow::Result<String> {
    let mut flow = connect(
        "breakglass review",
        &args.forge,
        ConfigOverrides::default(),
        ActsOn::Review(args.incident.as_deref()),
    )
    .await?;
    recover_and_report(&flow).await?;
    flow.set_reviewers(args.reviewers.clone());
    let id = match args.incident.as_deref() {
        Some(id) => id.to_owned(),
        None => super::review::incident_to_review(&flow.ledger())?,
    };
    let report = flow.open_review_and_check_sign_off(&id).await?;
    if args.json {
        print_json(&report);
    } else {
        println!("incident {id}: retroactive review open: {}", report.pr_url);
        println!("diff: {} → {}", report.after_ref, report.before_ref);
        if let Some(sign_off) = &report.sign_off {
            println!("{}", sign_off.summary(&id));
        }
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
    }
    Ok(id)
}

pub fn print_restore(json: bool, outcome: &RestoreOutcome) {
    if json {
        print_json(outcome);
    } else {
        println!("{}", outcome.summary());
        if let Some(seconds) = outcome.exposure_seconds {
            println!("exposure window: {seconds:.3} s");
        }
    }
}

pub fn restore_exit(outcome: &RestoreOutcome) -> u8 {
    if outcome.needs_attention() {
        exit::RESTORE_FAILED
    } else {
        exit::OK
    }
}

/// Prints `value` as one JSON document on stdout. A reader that went away (`… --json |
/// head -1`) is no error: the rest is dropped quietly and the command ends with its own
/// exit code, where `println!` would panic on the broken pipe.
pub fn print_json<T: Serialize>(value: &T) {
    use std::io::Write as _;
    let text = serde_json::to_string_pretty(value).expect("reports always serialise");
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("warning: the JSON report could not be written to stdout: {e}"),
    }
}
