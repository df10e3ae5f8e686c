//! The drill picker's rows: each scenario with the team's times for it, from the drill
//! runs in the log ([`crate::drill::scorecard`]'s history and comparison).

use crate::drill::Scenario;
use crate::drill::scorecard::{comparison, history};
use crate::incident::Incident;
use crate::runbook::Runbook;
use crate::tui::view::ScenarioChoice;

/// One row per scenario, in the order given, with its runs' count, best and last totals.
pub fn scenario_choices(
    scenarios: &[Scenario],
    incidents: &[Incident],
    runbook: &Runbook,
) -> Vec<ScenarioChoice> {
    scenarios
        .iter()
        .map(|scenario| {
            let totals: Vec<f64> = history(incidents, runbook, Some(&scenario.id))
                .iter()
                .map(|run| run.total_seconds)
                .collect();
            let earlier = comparison(&totals);
            ScenarioChoice {
                id: scenario.id.clone(),
                title: scenario.title.clone(),
                story: scenario.story.clone(),
                runs: totals.len(),
                best_seconds: earlier.as_ref().map(|c| c.best_seconds),
                last_seconds: earlier.as_ref().map(|c| c.last_seconds),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drill::scenario::built_in;
    use crate::incident::fixtures::{history_to, t};
    use crate::incident::{IncidentEvent, Phase, Recorded, fold};

    /// A restored drill of `scenario` declared `start` s after the fixtures' start, its
    /// deploy watched (its last event) `total` s after that.
    fn run_of(id: &str, scenario: Option<&str>, start: i64, total: i64) -> Incident {
        let mut events = history_to(Phase::Restored);
        events[0].event = IncidentEvent::Declared {
            id: id.into(),
            repo: "acme/api".into(),
            branch: "main".into(),
            reason: "drill https://t/1".into(),
            ttl: 1800,
            cap: 7200,
            runbook: "github".into(),
            drill: true,
            api_url: None,
            remote_url: None,
            scenario: scenario.map(str::to_owned),
        };
        for event in &mut events {
            event.ts += chrono::Duration::seconds(start);
        }
        events.push(Recorded {
            ts: t(start + total),
            actor: "commander".into(),
            event: IncidentEvent::StepDone {
                step: "watch-deploy".into(),
                note: None,
            },
        });
        fold(&events).expect("the fixture history folds")
    }

    #[test]
    fn each_scenario_shows_its_best_and_last_run_and_none_when_never_drilled() {
        let incidents = vec![
            run_of("D-1", Some("clean-run"), 0, 190),
            run_of("D-2", Some("clean-run"), 1, 160),
            run_of("D-3", Some("clean-run"), 2, 175),
            run_of("D-4", Some("restore-5xx"), 3, 140),
            // Not a scenario's run: counted for none.
            run_of("D-5", None, 4, 110),
        ];
        let choices = scenario_choices(&built_in(), &incidents, &Runbook::default_github());
        let clean = &choices[0];
        assert_eq!(clean.id, "clean-run");
        assert_eq!(clean.title, "Clean run");
        assert!(clean.story.starts_with("Checkout returns 500"));
        assert_eq!(
            (clean.runs, clean.best_seconds, clean.last_seconds),
            (3, Some(160.0), Some(175.0))
        );
        let five = choices.iter().find(|c| c.id == "restore-5xx").unwrap();
        assert_eq!((five.runs, five.best_seconds), (1, Some(140.0)));
        let never = choices.iter().find(|c| c.id == "main-moved").unwrap();
        assert_eq!(
            (never.runs, never.best_seconds, never.last_seconds),
            (0, None, None)
        );
    }
}
