//! `breakglass audit verify --against-forge`: each incident's local events against the
//! chain heads its issue holds, naming the first disagreement. Read-only on both sides.

use crate::audit::read_verified;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, ConfigOverrides};
use crate::flow::{connect_forge, forge_for};
use crate::mirror::{
    ForgeComparison, compare, find, incident_records, mirror_repo, mirrored_events,
};
use crate::paths::Paths;
use std::path::Path;
use std::sync::Arc;

pub fn run(log: &Path, only: Option<&str>) -> anyhow::Result<u8> {
    tokio::runtime::Runtime::new()?.block_on(check(log, only))
}

async fn check(log: &Path, only: Option<&str>) -> anyhow::Result<u8> {
    let paths = Paths::from_env()?;
    let config = Config::load(&paths, &ConfigOverrides::default())?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let records = read_verified(log)?;
    let mut ids: Vec<String> = Vec::new();
    for id in records.iter().filter_map(|r| r.incident.clone()) {
        if !ids.contains(&id) && only.is_none_or(|o| o == id) {
            ids.push(id);
        }
    }
    if let Some(only) = only.filter(|_| ids.is_empty()) {
        anyhow::bail!(
            "the audit log has no incident {} — check the id with `breakglass audit show`",
            crate::text::sanitize_line(only)
        );
    }
    let mut failed = false;
    for id in ids {
        let (incident, mine) = incident_records(&records, &id)?;
        let api_url = forge_for(Some(&incident), &config)?;
        let (forge, _token) = connect_forge(&api_url, clock.clone())?;
        let repo = mirror_repo(&config, &incident)?;
        let shown = crate::text::sanitize_line(&id);
        let Some(issue) = find(forge.as_ref(), &repo, &id).await? else {
            println!(
                "{shown}: no incident issue in {repo} — nothing on the forge to check against \
                 (run any breakglass command to open it)"
            );
            failed = true;
            continue;
        };
        let comments = forge.issue_comments(&repo, issue.number, None).await?;
        let comparison = compare(&id, &mine, &mirrored_events(&comments, &id));
        failed |= !comparison.agrees();
        report(&shown, &issue.html_url, &comparison);
    }
    Ok(if failed {
        super::exit::ERROR
    } else {
        super::exit::OK
    })
}

fn report(id: &str, url: &str, comparison: &ForgeComparison) {
    match &comparison.disagreement {
        None => println!(
            "ok: {id}: {} events agree with the heads on {url}{}",
            comparison.agreeing,
            match comparison.not_yet_mirrored {
                0 => String::new(),
                n => format!(" ({n} newer events not mirrored yet)"),
            }
        ),
        Some(d) => println!(
            "MISMATCH: {id}: {} (first disagreement at seq {}, {} earlier events agree; \
             the issue {url} holds the original heads)",
            d.what, d.seq, comparison.agreeing
        ),
    }
}
