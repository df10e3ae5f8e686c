//! `breakglass approve`: the second person approves an incident's break-glass with their
//! own token, by a marked `/approve` comment on the incident issue.

use super::connect::{ForgeArgs, load_config};
use super::exit;
use super::steps::print_json;
use crate::clock::{Clock, SystemClock};
use crate::config::ConfigOverrides;
use crate::flow::{approve_as_second_person, connect_forge, normalised};
use crate::forge::RepoId;
use crate::paths::Paths;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// The incident to approve, e.g. INC-1234.
    #[arg(long)]
    pub incident: String,
    /// The incident's repository, OWNER/NAME (your write access to it is checked).
    #[arg(long)]
    pub repo: RepoId,
    #[command(flatten)]
    pub forge: ForgeArgs,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: ApproveArgs) -> anyhow::Result<u8> {
    let paths = Paths::from_env()?;
    let overrides = ConfigOverrides {
        api_url: args.forge.api_url.clone(),
        ..ConfigOverrides::default()
    };
    let config = load_config(&paths, overrides)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let api_url = normalised(config.api_url.as_str());
    let (forge, _token) = connect_forge(&api_url, clock.clone())?;
    let issue_repo = config
        .mirror_repo
        .clone()
        .unwrap_or_else(|| args.repo.clone());
    let report = approve_as_second_person(
        forge.as_ref(),
        &args.repo,
        &issue_repo,
        &args.incident,
        clock.now(),
    )
    .await?;
    if args.json {
        print_json(&report);
    } else {
        println!(
            "incident {}: approved as {} on {}",
            report.incident, report.approver, report.comment_url
        );
        println!(
            "the commander's breakglass checks your access through the forge and then opens \
             the glass"
        );
    }
    Ok(exit::OK)
}

/// The approval gate for a headless command: asks (or self-approves) and waits, telling
/// the operator on stderr where to approve, how long is left, and any refused answer.
pub async fn gate(
    flow: &crate::flow::Flow,
    id: &str,
    self_approve: Option<&str>,
) -> Result<(), crate::flow::FlowError> {
    use crate::flow::{ApprovalCheck, ApprovalChoice, ApprovalWait};
    let choice = match self_approve {
        Some(reason) => ApprovalChoice::SelfApprove(reason.to_owned()),
        None => ApprovalChoice::Ask,
    };
    let mut last_minute = None;
    let mut on_wait = |wait: &ApprovalWait| {
        let minute = wait.remaining.num_minutes();
        if last_minute != Some(minute) {
            last_minute = Some(minute);
            eprintln!(
                "{}: a second person approves on {} (`breakglass approve --incident {id} \
                 --repo OWNER/NAME` or a `/approve` comment)",
                crate::incident::waiting_text(wait.remaining),
                wait.issue_url
            );
        }
        for refusal in &wait.refusals {
            eprintln!("approval refused: {}", refusal.why);
        }
    };
    match flow.await_approval(id, &choice, &mut on_wait).await? {
        ApprovalCheck::Granted {
            decision: crate::incident::ApprovalDecision::SelfApproved { reason, .. },
        } => eprintln!("SELF-APPROVED without a second person: {reason}"),
        ApprovalCheck::Granted {
            decision: crate::incident::ApprovalDecision::Approved { approver, .. },
        } => eprintln!("approved by {approver}"),
        _ => {}
    }
    Ok(())
}
