//! `breakglass review`: the retroactive review pull request and, on a terminal, the
//! lessons-learned form for the same incident right after it; only the form (`--form`,
//! no token needed); or that form as Markdown (`--export FILE`).

use super::steps::{self, IncidentArgs};
use crate::flow::{ChainState, LedgerView, awaits_review};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub target: IncidentArgs,
    /// Open only the lessons-learned form in the TUI (autosaved; Ctrl-S submits it to
    /// the audit log), without touching the forge.
    #[arg(long, conflicts_with = "export")]
    pub form: bool,
    /// Write the lessons-learned review as Markdown to FILE (the submitted form, else
    /// the saved draft) instead of opening the retroactive review pull request.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
}

pub async fn run(args: ReviewArgs) -> anyhow::Result<u8> {
    if let Some(file) = &args.export {
        return super::tui::export_review(args.target.incident.clone(), file);
    }
    if args.form {
        return super::tui::review_form(args.target.incident.clone()).await;
    }
    // Scripts (no terminal, or --json) get the pull request alone; an operator at a
    // terminal goes straight on to the form while the details are fresh.
    let interactive =
        !args.target.json && std::io::stdout().is_terminal() && std::io::stdin().is_terminal();
    if !interactive {
        return steps::review(args.target).await;
    }
    let incident = steps::open_review(args.target).await?;
    super::tui::review_form(Some(incident)).await
}

/// The incident `breakglass review` means when no `--incident` is given: the one whose
/// review is due or under way ([`awaits_review`], the one rule), oldest first when naming
/// several. Refuses to guess when the log cannot be read or several are waiting.
pub(super) fn incident_to_review(ledger: &LedgerView) -> anyhow::Result<String> {
    if let ChainState::Unreadable { why } = &ledger.chain {
        anyhow::bail!(
            "the audit log cannot be read: {why} — run `breakglass audit verify`, or pass \
             --incident ID"
        );
    }
    let mut waiting: Vec<_> = ledger
        .incidents
        .iter()
        .filter(|i| awaits_review(i))
        .collect();
    waiting.sort_by_key(|i| i.declared_at);
    match waiting.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => anyhow::bail!("no restored incident awaits its review; pass --incident ID"),
        many => anyhow::bail!(
            "several incidents await their review ({}); pass --incident ID",
            many.iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
