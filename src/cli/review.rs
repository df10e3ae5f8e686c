//! `breakglass review`: the retroactive review pull request (headless, the default), the
//! lessons-learned form in the TUI (`--form`), or that form as Markdown (`--export FILE`).

use super::steps::{self, IncidentArgs};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReviewArgs {
    #[command(flatten)]
    pub target: IncidentArgs,
    /// Open the lessons-learned form in the TUI (autosaved; Ctrl-S submits it to the
    /// audit log) instead of opening the retroactive review pull request.
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
    steps::review(args.target).await
}
