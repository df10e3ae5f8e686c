//! The flow's step results as the checklist's panes: the relax plan in words and as a
//! diff, the commits and trailers a push sends, the remote's verdict, and the restore's
//! read-back with the drift three-way and the operator's next action.

use crate::forge::diff::{Difference, ThreeWayDifference};
use crate::git::{AUDIT_TRAILER, INCIDENT_TRAILER, OutgoingCommit, Trailers};
use crate::text::sanitize_line;
use crate::tui::view::{
    CommitRow, PlanView, PushView, RemoteLines, RestoreView, ThreeWay, ThreeWayRow, WindowConfirm,
    WindowResult,
};
use serde_json::Value;

/// The plan as preflight describes it (one sentence per line) and as a diff of the
/// protection before → during the window.
pub fn plan_view(words: &str, diff: &[Difference]) -> PlanView {
    PlanView {
        words: words
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(sanitize_line)
            .collect(),
        diff_lines: diff.iter().flat_map(diff_lines).collect(),
    }
}

fn diff_lines(difference: &Difference) -> Vec<String> {
    let path = if difference.path.is_empty() {
        "(whole protection)"
    } else {
        difference.path.as_str()
    };
    let mut lines = Vec::with_capacity(2);
    if let Some(before) = &difference.before {
        lines.push(sanitize_line(&format!("- {path}: {}", show(before))));
    }
    if let Some(after) = &difference.after {
        lines.push(sanitize_line(&format!("+ {path}: {}", show(after))));
    }
    lines
}

fn show(value: &Value) -> String {
    sanitize_line(&value.to_string())
}

fn show_opt(value: &Option<Value>) -> String {
    value.as_ref().map_or_else(|| "(absent)".to_owned(), show)
}

/// The commits a push would send, oldest first.
pub fn commit_rows(commits: &[OutgoingCommit]) -> Vec<CommitRow> {
    commits
        .iter()
        .map(|c| CommitRow {
            sha: c.sha.to_string().chars().take(7).collect(),
            summary: sanitize_line(&c.summary),
            author: sanitize_line(&c.author),
        })
        .collect()
}

/// The trailer lines every pushed commit will carry.
pub fn trailer_lines(trailers: &Trailers) -> Vec<String> {
    vec![
        sanitize_line(&format!("{INCIDENT_TRAILER}: {}", trailers.incident)),
        sanitize_line(&format!("{AUDIT_TRAILER}: {}", trailers.audit_head)),
    ]
}

/// What push will send, for the confirmation.
pub fn push_view(commits: &[OutgoingCommit], trailers: &Trailers) -> PushView {
    PushView {
        commits: commit_rows(commits),
        trailers: trailer_lines(trailers),
    }
}

/// The remote's verdict: its refusal reason first (when refused), then its `remote:` lines.
pub fn remote_lines(accepted: bool, status: Option<&str>, lines: &[String]) -> RemoteLines {
    let mut out: Vec<String> = status
        .filter(|_| !accepted)
        .map(|s| format!("refused: {}", sanitize_line(s)))
        .into_iter()
        .collect();
    out.extend(lines.iter().map(|l| sanitize_line(l)));
    RemoteLines {
        accepted,
        lines: out,
    }
}

/// The restore's outcome. `verified` is the read-back; drift (someone else's changes
/// during the window) is shown as snapshot / what we wrote / what is there now, with what
/// to do about it; a failure carries its error and the command that retries.
pub fn restore_view(
    incident: &str,
    verified: bool,
    differences: &[Difference],
    drift: &[ThreeWayDifference],
    error: Option<&str>,
) -> RestoreView {
    let drift_table = (!drift.is_empty()).then(|| ThreeWay {
        rows: drift
            .iter()
            .map(|d| ThreeWayRow {
                setting: sanitize_line(&d.path),
                before: show_opt(&d.snapshot),
                during: show_opt(&d.ours),
                now: show_opt(&d.theirs),
            })
            .collect(),
    });
    let mut lines: Vec<String> = differences
        .iter()
        .map(|d| sanitize_line(&d.to_string()))
        .collect();
    if let Some(error) = error {
        lines.insert(0, sanitize_line(error));
    }
    let advice = if !verified {
        Some(format!(
            "the glass may still be open: press R to restore again, or run `breakglass restore \
             --incident {}`; if it keeps failing, put the protection back by hand on the forge",
            sanitize_line(incident)
        ))
    } else if drift_table.is_some() {
        Some(
            "the snapshot is back, but someone changed protection during the window: check \
             the changes below with them and re-apply any that should stay"
                .to_owned(),
        )
    } else {
        None
    };
    RestoreView {
        verified,
        differences: lines,
        drift: drift_table,
        advice,
    }
}

/// The window's confirmation from the prepared window.
pub fn window_confirm(prepared: &crate::flow::WindowPlan) -> WindowConfirm {
    WindowConfirm {
        number: prepared.number,
        plan: plan_view(&prepared.plan_words, &prepared.plan_diff),
        push: push_view(&prepared.commits, &prepared.trailer_values()),
        lease: prepared.lease,
        prepared: prepared.clone(),
    }
}

/// What the window did, with the next steps for the clone's `remote` and `branch`.
pub fn window_result(
    report: &crate::flow::WindowReport,
    remote: &str,
    branch: &str,
) -> WindowResult {
    let restore = &report.restore;
    WindowResult {
        number: report.number,
        length: report.exposure_seconds.map(|s| format!("{s:.3} s")),
        remote: remote_lines(
            report.push.accepted,
            report.push.status.as_deref(),
            &report.push.remote_lines,
        ),
        restore: restore_view(
            &report.incident,
            restore.verified,
            &restore.differences,
            &restore.drift,
            restore.error.as_deref(),
        ),
        next: report
            .next_steps(remote, branch)
            .iter()
            .map(|l| sanitize_line(l))
            .collect(),
    }
}
