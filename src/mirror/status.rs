//! The incident issue's body: a live status table rendered from the folded incident (the
//! model's values, formatted; nothing recomputed). Pure text.

use crate::forge::plan::RelaxPlan;
use crate::incident::Incident;
use chrono::{DateTime, SecondsFormat, Utc};

/// The issue body for `incident` as of `now`: who, what, the lease, the plan in words,
/// the pushes, the restore and the review, as a Markdown table.
pub fn status_body(incident: &Incident, now: DateTime<Utc>) -> String {
    let rows = [
        ("Phase", phase(incident)),
        ("Commander", incident.declared_by.clone()),
        (
            "Repository",
            format!("{} `{}`", incident.repo, incident.branch),
        ),
        ("Lease deadline", lease(incident, now)),
        ("Relax plan", plan(incident)),
        ("Commits pushed", pushed(incident)),
        ("Restore", restore(incident)),
        ("Review PR", review(incident)),
    ];
    let mut body = format!(
        "Break-glass incident **{}**{}\n\n> {}\n\n| | |\n|---|---|\n",
        cell(&incident.id),
        if incident.drill { " (drill)" } else { "" },
        cell(&incident.reason),
    );
    for (name, value) in rows {
        body.push_str(&format!("| {name} | {} |\n", cell(&value)));
    }
    body.push_str(&format!(
        "\nUpdated {} by breakglass from the audit log; each comment below carries the \
         events' seq, kind, time and the audit chain's head after them.",
        time(now)
    ));
    body
}

/// A table cell: one line, no pipes that would split it, no control characters.
fn cell(text: &str) -> String {
    crate::text::sanitize_line(text)
        .replace('\n', " ")
        .replace('|', "\\|")
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn phase(incident: &Incident) -> String {
    let mut text = incident.phase.name().to_owned();
    if incident.glass_possibly_open() {
        text.push_str(" — the glass may be open");
    }
    text
}

fn lease(incident: &Incident, now: DateTime<Utc>) -> String {
    match &incident.lease {
        Some(lease) if incident.glass_possibly_open() => {
            let left = lease.remaining(now).num_seconds().max(0);
            format!(
                "{} ({} min {} s left at the update)",
                time(lease.deadline),
                left / 60,
                left % 60
            )
        }
        Some(lease) => format!("{} (the glass is closed)", time(lease.deadline)),
        None => "not open yet".to_owned(),
    }
}

fn plan(incident: &Incident) -> String {
    let Some(activation) = &incident.activation else {
        return "not activated yet".to_owned();
    };
    match serde_json::from_value::<RelaxPlan>(activation.plan.clone()) {
        Ok(plan) => plan.describe(),
        Err(_) => "recorded in the audit log (activation_intended)".to_owned(),
    }
}

fn pushed(incident: &Incident) -> String {
    let commits: Vec<String> = incident
        .pushes
        .iter()
        .flat_map(|p| p.commits.iter())
        .map(|sha| format!("`{}`", sha.chars().take(12).collect::<String>()))
        .collect();
    let mut text = if commits.is_empty() {
        "none".to_owned()
    } else {
        commits.join(", ")
    };
    if !incident.push_rejections.is_empty() {
        text.push_str(&format!(
            " ({} push(es) refused)",
            incident.push_rejections.len()
        ));
    }
    text
}

fn restore(incident: &Incident) -> String {
    if let Some(failing) = incident.restore_failing() {
        return failing.summary();
    }
    match (incident.restore.restored_at, incident.restore.verified) {
        (Some(at), true) => format!("verified at {} (read back equals the snapshot)", time(at)),
        (Some(at), false) => format!(
            "NOT VERIFIED at {}: the read-back differs from the snapshot",
            time(at)
        ),
        (None, _) if incident.glass_possibly_open() => "pending".to_owned(),
        (None, _) => "not needed yet".to_owned(),
    }
}

fn review(incident: &Incident) -> String {
    let pr = incident.review.pull_request.as_ref();
    let mut text = match (pr, incident.review.submitted_at) {
        (Some(pr), Some(at)) => format!("#{} {} — submitted {}", pr.number, pr.url, time(at)),
        (Some(pr), None) => format!("#{} {} — open", pr.number, pr.url),
        (None, _) => "not opened yet".to_owned(),
    };
    if let Some(signed) = &incident.review.signed_off {
        text.push_str(&format!(
            " — signed off by {} {}",
            signed.reviewer,
            time(signed.at)
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{at, sample, t};
    use crate::incident::fold;

    #[test]
    fn the_body_follows_the_incident() {
        let kinds = [
            "declared",
            "preflighted",
            "activation_intended",
            "activated",
        ];
        let history: Vec<_> = kinds
            .iter()
            .enumerate()
            .map(|(i, k)| at(i as i64, sample(k)))
            .collect();
        let open = status_body(&fold(&history).unwrap(), t(60));
        assert!(
            open.contains("| Phase | active — the glass may be open |"),
            "{open}"
        );
        assert!(open.contains("| Commander | commander |"), "{open}");
        assert!(
            open.contains("2026-01-01T09:30:00Z (29 min 0 s left"),
            "{open}"
        );
        assert!(open.contains("| Restore | pending |"), "{open}");
        let declared = status_body(&fold(&history[..1]).unwrap(), t(60));
        assert!(
            declared.contains("| Relax plan | not activated yet |"),
            "{declared}"
        );
        assert!(
            declared.contains("| Review PR | not opened yet |"),
            "{declared}"
        );
        let closed = status_body(
            &fold(&crate::incident::fixtures::history_to(
                crate::incident::Phase::Closed,
            ))
            .unwrap(),
            t(200),
        );
        assert!(
            closed.contains(" — signed off by dana 2026-01-01T09:01:40Z |"),
            "the sign-off that closes the issue is in its body: {closed}"
        );
    }

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
