//! The review's read-only facts, built from the audit log alone: who commanded and who
//! approved, why, when the glass was open and for how long, what the relax plan changed,
//! which commits were pushed, how the restore went and who closed the glass, and each
//! checklist step against its target. Pure: from the folded incident, its runbook and a
//! `now` the caller reads from its clock; never reads a file or the forge.

use crate::forge::plan::RelaxPlan;
use crate::incident::{
    ExposureWindow, Incident, Pace, RestoreAttempt, RestoreTrigger, StepStatus, progress,
};
use crate::runbook::Runbook;
use crate::text::sanitize_line;
use chrono::{DateTime, Duration, Utc};
use std::fmt::Write as _;

/// One fact: a label and its text; `items` are listed under it (commits, windows, steps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub label: &'static str,
    pub text: String,
    pub items: Vec<String>,
}

/// The facts of one incident, in the order a reviewer reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFacts {
    pub incident: String,
    pub drill: bool,
    pub facts: Vec<Fact>,
}

fn fact(label: &'static str, text: impl Into<String>) -> Fact {
    Fact {
        label,
        text: text.into(),
        items: Vec::new(),
    }
}

impl ReviewFacts {
    /// The facts of `incident`, its steps timed against `runbook`.
    pub fn of(incident: &Incident, runbook: &Runbook, now: DateTime<Utc>) -> ReviewFacts {
        let mut facts = Vec::new();
        if incident.drill {
            facts.push(fact(
                "Drill",
                "yes — a timed rehearsal against the sandbox forge, not a real incident",
            ));
        }
        facts.push(fact(
            "Repository",
            format!("{} {}", incident.repo, incident.branch),
        ));
        facts.push(fact("Commander", commander(incident)));
        facts.push(fact("Approval", approval_lines(incident).join("; ")));
        facts.push(fact("Reason", sanitize_line(&incident.reason)));
        facts.push(fact("Ticket", ticket_link(&incident.reason)));
        facts.push(glass_fact(incident, now));
        facts.push(fact("Relax plan", relax_plan_words(incident)));
        facts.push(commits_fact(incident));
        facts.push(fact("Retroactive review", retro_review(incident)));
        facts.push(fact("Restore", restore_words(incident)));
        facts.push(drift_fact(incident));
        facts.push(fact("Glass closed by", closed_by(incident)));
        facts.push(steps_fact(incident, runbook, now));
        ReviewFacts {
            incident: incident.id.clone(),
            drill: incident.drill,
            facts,
        }
    }

    /// "Label: text" lines with items indented under them, for the TUI.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for f in &self.facts {
            lines.push(format!("{}: {}", f.label, f.text));
            lines.extend(f.items.iter().map(|item| format!("  · {item}")));
        }
        lines
    }

    /// The facts as a Markdown section.
    pub fn to_markdown(&self) -> String {
        let mut md = String::from("## Facts from the audit log\n\n");
        if self.drill {
            md.push_str("> **DRILL** — this review is of a rehearsal, not a real incident.\n\n");
        }
        for f in &self.facts {
            let _ = writeln!(md, "- **{}:** {}", f.label, f.text);
            for item in &f.items {
                let _ = writeln!(md, "  - {item}");
            }
        }
        md.push('\n');
        md
    }
}

/// The runbook `incident` ran under: the configured one when it has the recorded name,
/// else the embedded default when that has it, else the configured one.
pub fn runbook_for(recorded: &str, configured: &Runbook) -> Runbook {
    if configured.name == recorded {
        return configured.clone();
    }
    let default = Runbook::default_github();
    if default.name == recorded {
        default
    } else {
        configured.clone()
    }
}

fn commander(incident: &Incident) -> String {
    let who = sanitize_line(&incident.declared_by);
    match &incident.preflight {
        Some(p) if p.login != incident.declared_by => format!(
            "{who} (the forge knew the token as {}, {})",
            sanitize_line(&p.login),
            sanitize_line(&p.permission)
        ),
        Some(p) => format!("{who} ({} on the repository)", sanitize_line(&p.permission)),
        None => who,
    }
}

/// Who approved the break-glass, as the log says: the second person, or the self-approval
/// and its reason (something for the review to discuss), or how the request ended.
pub fn approval_lines(incident: &Incident) -> Vec<String> {
    use crate::incident::ApprovalDecision as D;
    let Some(decision) = &incident.approval.decision else {
        return vec![match incident.approval.pending() {
            Some(request) => format!("requested at {}, still unanswered", at(request.at)),
            None => "no approval recorded".to_owned(),
        }];
    };
    vec![match decision {
        D::Approved {
            at: when,
            approver,
            how,
            ..
        } => format!(
            "{} approved at {} (by {})",
            sanitize_line(approver),
            at(*when),
            match how {
                crate::incident::ApprovalHow::Command => "`breakglass approve`",
                crate::incident::ApprovalHow::Comment => "a /approve comment",
            }
        ),
        D::SelfApproved {
            at: when,
            by,
            reason,
        } => format!(
            "SELF-APPROVED by {} at {} without a second person: {} — discuss in the review",
            sanitize_line(by),
            at(*when),
            sanitize_line(reason)
        ),
        D::Denied {
            at: when,
            by,
            reason,
        } => format!(
            "denied by {} at {}: {}",
            sanitize_line(by),
            at(*when),
            sanitize_line(reason)
        ),
        D::TimedOut { at: when } => format!("the request timed out at {}", at(*when)),
    }]
}

/// The first web link in the reason, which the runbook asks to be the ticket.
fn ticket_link(reason: &str) -> String {
    reason
        .split_whitespace()
        .find(|w| w.starts_with("https://") || w.starts_with("http://"))
        .map(|w| sanitize_line(w.trim_end_matches(['.', ',', ')', ';'])))
        .unwrap_or_else(|| "no ticket link in the reason".to_owned())
}

/// The spans the glass was open: one per window (a follow-up fix opens another on the
/// same snapshot); the total below sums them.
fn glass_windows(incident: &Incident) -> Vec<ExposureWindow> {
    incident.windows.clone()
}

fn at(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A length as people say it; under a minute to the tenth of a second, since a drill's
/// window lasts well under one.
fn length(duration: Duration) -> String {
    if duration < Duration::minutes(1) {
        format!("{:.1}s", duration.num_milliseconds().max(0) as f64 / 1000.0)
    } else {
        crate::config::format_duration(duration)
    }
}

fn glass_fact(incident: &Incident, now: DateTime<Utc>) -> Fact {
    let windows = glass_windows(incident);
    if windows.is_empty() {
        return fact("Glass", "never opened");
    }
    let total = windows
        .iter()
        .fold(Duration::zero(), |sum, w| sum + w.length(now));
    let items = windows
        .iter()
        .map(|w| {
            let span = match w.closed_at {
                Some(closed) => format!(
                    "opened {}, closed {}, open {}",
                    at(w.opened_at),
                    at(closed),
                    length(w.length(now))
                ),
                None => format!(
                    "opened {}, NOT closed — open {} so far",
                    at(w.opened_at),
                    length(w.length(now))
                ),
            };
            match &w.reason {
                Some(reason) => format!("{span} — reason: {}", sanitize_line(reason)),
                None => span,
            }
        })
        .collect();
    Fact {
        label: "Glass",
        text: format!(
            "open {} in total over {} window(s)",
            length(total),
            windows.len()
        ),
        items,
    }
}

fn relax_plan_words(incident: &Incident) -> String {
    let Some(activation) = &incident.activation else {
        return "none: the glass was never opened".to_owned();
    };
    let words = match serde_json::from_value::<RelaxPlan>(activation.plan.clone()) {
        Ok(plan) => plan.describe(),
        Err(_) => "recorded in a form this breakglass cannot read; see the `activation_intended` \
                   event"
            .to_owned(),
    };
    match &activation.error {
        Some(error) => format!("{words} Activation FAILED: {}", sanitize_line(error)),
        None => words,
    }
}

fn commits_fact(incident: &Incident) -> Fact {
    let described = incident
        .review
        .pull_request
        .as_ref()
        .map(|pr| pr.commits.as_slice())
        .unwrap_or_default();
    let items: Vec<String> = incident
        .pushes
        .iter()
        .flat_map(|p| p.commits.iter())
        .map(|sha| {
            let short = sha.get(..12).unwrap_or(sha);
            match described.iter().find(|c| &c.sha == sha) {
                Some(c) => format!(
                    "{short} {} — {}",
                    sanitize_line(&c.title),
                    sanitize_line(&c.author)
                ),
                None => format!("{short} (title and author not recorded: the review is not open)"),
            }
        })
        .collect();
    let text = match items.len() {
        0 => "none pushed".to_owned(),
        n => format!("{n} pushed to {}", sanitize_line(&incident.branch)),
    };
    Fact {
        label: "Commits",
        text,
        items,
    }
}

fn retro_review(incident: &Incident) -> String {
    match &incident.review.pull_request {
        Some(pr) => {
            let signed = match &incident.review.signed_off {
                Some(s) => format!(
                    ", signed off by {} {}",
                    sanitize_line(&s.reviewer),
                    at(s.at)
                ),
                None => ", not signed off yet".to_owned(),
            };
            format!("#{} {}{signed}", pr.number, sanitize_line(&pr.url))
        }
        None if incident.pushes.is_empty() => "none: nothing was pushed".to_owned(),
        None => "not opened yet — `breakglass review --incident ID` opens it".to_owned(),
    }
}

fn restore_words(incident: &Incident) -> String {
    let r = &incident.restore;
    if let Some(failing) = incident.restore_failing() {
        return failing.summary();
    }
    let failures = incident
        .restore
        .attempts
        .len()
        .saturating_sub(usize::from(r.restored_at.is_some()));
    let retried = match failures {
        0 => String::new(),
        n => format!(" after {n} failed attempt(s)"),
    };
    match r.restored_at {
        Some(when) if r.verified => {
            format!("restored and verified by read-back {}{retried}", at(when))
        }
        Some(when) => format!(
            "restored {} but NOT verified by read-back{retried}",
            at(when)
        ),
        None if incident.glass_possibly_open() => "NOT restored: the glass may be open".to_owned(),
        None => "nothing to restore".to_owned(),
    }
}

fn drift_fact(incident: &Incident) -> Fact {
    if incident.drift.is_empty() {
        return fact(
            "Drift",
            "none: nobody else changed protection during the window",
        );
    }
    let mut items: Vec<String> = incident
        .drift
        .iter()
        .map(|diff| {
            let text = sanitize_line(&diff.to_string());
            match text.char_indices().nth(200) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            }
        })
        .collect();
    items.extend(incident.drift_decisions.iter().map(|d| {
        format!(
            "decided {} by {} {}",
            d.choice.name(),
            sanitize_line(&d.by),
            at(d.at)
        )
    }));
    Fact {
        label: "Drift",
        text: format!(
            "{} change(s) by someone else during the window",
            incident.drift.len()
        ),
        items,
    }
}

/// Who closed the glass: the restore attempt that succeeded (the last one).
fn closed_by(incident: &Incident) -> String {
    if let Some(guard) = &incident.restore.by_guard {
        return format!(
            "breakglass guard {}, run elsewhere after the lease ran out",
            sanitize_line(guard)
        );
    }
    match (
        incident.restore.restored_at,
        incident.restore.attempts.last(),
    ) {
        (Some(_), Some(attempt)) => trigger_words(attempt),
        (None, Some(_)) => "nobody yet: the restore has not succeeded".to_owned(),
        (_, None) => "nobody: the glass was never opened".to_owned(),
    }
}

fn trigger_words(attempt: &RestoreAttempt) -> String {
    let actor = sanitize_line(&attempt.actor);
    match attempt.trigger {
        RestoreTrigger::Operator => format!("the commander ({actor})"),
        RestoreTrigger::Deadline => format!("the lease deadline, in {actor}'s breakglass"),
        RestoreTrigger::Watchdog => format!("the watchdog, for {actor}, at the deadline"),
        RestoreTrigger::Recovery => format!("a later breakglass run by {actor} (recovery)"),
        RestoreTrigger::Interrupt => format!("Ctrl-C or SIGTERM in {actor}'s breakglass"),
        RestoreTrigger::Failure => format!("{actor}'s breakglass, after a failure in the window"),
        RestoreTrigger::Guard => format!("breakglass guard, recorded by {actor}'s breakglass"),
    }
}

fn steps_fact(incident: &Incident, runbook: &Runbook, now: DateTime<Utc>) -> Fact {
    let progress = progress(incident, runbook, now);
    let items = progress
        .steps
        .iter()
        .zip(&runbook.steps)
        .map(|(p, step)| {
            let target = length(p.target);
            let title = sanitize_line(&step.title);
            match (p.status, p.elapsed) {
                (StepStatus::Done | StepStatus::Failed, Some(took)) => format!(
                    "{}. {title}: {} against {target} — {}{}",
                    p.index + 1,
                    length(took),
                    pace_words(p.pace),
                    if p.status == StepStatus::Failed {
                        " (FAILED)"
                    } else {
                        ""
                    }
                ),
                (StepStatus::Current, Some(took)) => format!(
                    "{}. {title}: under way for {} against {target} — {}",
                    p.index + 1,
                    length(took),
                    pace_words(p.pace)
                ),
                (StepStatus::Skipped, _) => format!("{}. {title}: skipped", p.index + 1),
                _ => format!("{}. {title}: not done (target {target})", p.index + 1),
            }
        })
        .collect();
    Fact {
        label: "Checklist",
        text: format!(
            "runbook {}, {} from declaration to {}",
            sanitize_line(&runbook.name),
            length(progress.total_elapsed),
            if incident.closed.is_some() {
                "close"
            } else {
                "now"
            }
        ),
        items,
    }
}

fn pace_words(pace: Option<Pace>) -> &'static str {
    match pace {
        Some(Pace::OnTime) | None => "on time",
        Some(Pace::Amber) => "AMBER (past the target)",
        Some(Pace::Red) => "RED (past twice the target)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::fixtures::{at as event_at, history_to, sample, t};
    use crate::incident::{IncidentEvent, Phase, fold};

    fn signed_off() -> Incident {
        let mut events = history_to(Phase::Reviewed);
        events.push(event_at(200, sample("review_submitted")));
        events.push(event_at(210, sample("review_signed_off")));
        fold(&events).unwrap()
    }

    #[test]
    fn the_facts_say_who_why_when_what_and_how_it_closed() {
        let md = ReviewFacts::of(&signed_off(), &Runbook::default_github(), t(300)).to_markdown();
        for expected in [
            "- **Commander:** commander (admin on the repository)",
            "- **Approval:** no approval recorded",
            "- **Reason:** checkout 500s https://tickets.acme.dev/INC-42",
            "- **Ticket:** https://tickets.acme.dev/INC-42",
            // Activation intended at t(20), restored at t(70).
            "- **Glass:** open 50.0s in total over 1 window(s)",
            "  - opened 2026-01-01 09:00:20 UTC, closed 2026-01-01 09:01:10 UTC, open 50.0s",
            "- **Commits:** 1 pushed to main",
            "  - bbbb Fix checkout timeouts — Dana <dana@acme.dev> (dana)",
            "- **Retroactive review:** #7 http://127.0.0.1/acme/api/pull/7, signed off by dana \
             2026-01-01 09:03:30 UTC",
            "- **Restore:** restored and verified by read-back 2026-01-01 09:01:10 UTC",
            "- **Drift:** none",
            "- **Glass closed by:** the commander (commander)",
            "- **Checklist:** runbook github, 3m 30s from declaration to close",
        ] {
            assert!(md.contains(expected), "missing {expected:?} in\n{md}");
        }
        assert!(!md.contains("DRILL"), "{md}");
    }

    #[test]
    fn each_step_is_timed_against_its_target_with_its_pace() {
        let facts = ReviewFacts::of(&signed_off(), &Runbook::default_github(), t(300));
        let steps = facts.facts.iter().find(|f| f.label == "Checklist").unwrap();
        assert_eq!(steps.items.len(), Runbook::default_github().steps.len());
        // Preflight at t(10), 10 s after the declaration, against a 30 s target.
        assert!(
            steps
                .items
                .iter()
                .any(|i| i.contains(": 10.0s against 30.0s — on time")),
            "{:?}",
            steps.items
        );
    }

    #[test]
    fn drills_drift_and_the_watchdog_are_said() {
        let mut events = history_to(Phase::Drift);
        if let IncidentEvent::Declared { drill, .. } = &mut events[0].event {
            *drill = true;
        }
        if let IncidentEvent::RestoreIntended { trigger } = &mut events[6].event {
            *trigger = RestoreTrigger::Watchdog;
        }
        let incident = fold(&events).unwrap();
        let md = ReviewFacts::of(&incident, &Runbook::default_github(), t(300)).to_markdown();
        assert!(md.contains("> **DRILL**"), "{md}");
        assert!(
            md.contains("- **Drift:** 1 change(s) by someone else"),
            "{md}"
        );
        assert!(md.contains("required_status_checks"), "{md}");
        assert!(md.contains("- **Glass closed by:** the watchdog"), "{md}");
        assert!(
            md.contains("- **Retroactive review:** not opened yet"),
            "{md}"
        );
        assert!(md.contains("bbbb (title and author not recorded"), "{md}");
    }

    #[test]
    fn a_reason_without_a_link_says_so() {
        assert_eq!(
            ticket_link("checkout is down"),
            "no ticket link in the reason"
        );
        assert_eq!(
            ticket_link("down (see https://t.example/1)."),
            "https://t.example/1"
        );
    }

    #[test]
    fn the_approval_names_the_second_person_or_the_loud_self_approval() {
        let mut events = history_to(Phase::Preflighted);
        assert_eq!(
            approval_lines(&fold(&events).unwrap()),
            ["no approval recorded"]
        );
        events.push(event_at(100, sample("approval_requested")));
        let asked = approval_lines(&fold(&events).unwrap());
        assert!(asked[0].ends_with("still unanswered"), "{asked:?}");
        let mut approved = events.clone();
        approved.push(event_at(110, sample("approved")));
        let line = &approval_lines(&fold(&approved).unwrap())[0];
        assert!(line.starts_with("reviewer approved at "), "{line}");
        assert!(line.ends_with("(by `breakglass approve`)"), "{line}");
        events.push(event_at(120, sample("self_approved")));
        let line = &approval_lines(&fold(&events).unwrap())[0];
        assert!(line.starts_with("SELF-APPROVED by "), "{line}");
        assert!(line.contains("reviewer unreachable at 3 am"), "{line}");
    }
}
