use super::*;
use crate::drill::{ForgeEvidence, judge};
use crate::incident::Incident;

#[test]
fn comparison_takes_best_median_and_last_in_run_order() {
    assert_eq!(comparison(&[]), None);
    let c = comparison(&[30.0, 10.0, 50.0, 20.0]).unwrap();
    assert_eq!(
        (c.runs, c.best_seconds, c.median_seconds, c.last_seconds),
        (4, 10.0, 25.0, 20.0)
    );
    let c = comparison(&[7.0, 3.0, 5.0]).unwrap();
    assert_eq!((c.median_seconds, c.last_seconds), (5.0, 5.0));
}

fn run(steps: &[(&str, f64)]) -> DrillRun {
    DrillRun {
        incident: "DRILL-1".into(),
        scenario: Some("clean-run".into()),
        declared_at: chrono::DateTime::UNIX_EPOCH,
        steps: steps
            .iter()
            .map(|(id, seconds)| ScoredStep {
                id: (*id).into(),
                kind: "manual".into(),
                status: StepStatus::Done,
                seconds: *seconds,
                target_seconds: 0.0,
                pace: Pace::OnTime,
            })
            .collect(),
        total_seconds: 0.0,
        exposure_seconds: None,
        passed: true,
    }
}

#[test]
fn the_habitually_late_step_stands_out_with_advice() {
    let runbook = Runbook::default_github();
    let first = runbook.steps[0].id.clone();
    let target = secs(runbook.steps[0].target);
    let runs = [
        run(&[(&first, target * 3.0)]),
        run(&[(&first, target * 2.5)]),
        run(&[(&first, target / 2.0)]),
    ];
    let trends = step_trends(&runs, &runbook);
    assert_eq!(trends.len(), 1, "only steps that ran: {trends:?}");
    assert_eq!(trends[0].median_seconds, target * 2.5);
    assert_eq!(trends[0].pace, Pace::Red);
    let advice = advice(&trends);
    assert_eq!(advice.len(), 1);
    assert!(
        advice[0].contains(&format!("step `{first}` is late")),
        "{advice:?}"
    );
    assert!(advice[0].contains("practise it or change its target"));
}

/// An incident restored at the end of its window: as a drill of `scenario`, or real.
fn folded(id: &str, scenario: Option<&str>, drill: bool, start: i64) -> Incident {
    use crate::incident::fixtures::history_to;
    use crate::incident::{IncidentEvent, Phase, fold};
    let mut events = history_to(Phase::Restored);
    let first = events[0].ts;
    for event in &mut events {
        event.ts = crate::incident::fixtures::t(start) + (event.ts - first);
    }
    if let IncidentEvent::Declared {
        id: declared_id,
        drill: is_drill,
        scenario: declared_scenario,
        ..
    } = &mut events[0].event
    {
        *declared_id = id.into();
        *is_drill = drill;
        *declared_scenario = scenario.map(str::to_owned);
    }
    fold(&events).unwrap()
}

#[test]
fn history_keeps_real_incidents_out_and_groups_runs_by_their_recorded_scenario() {
    let runbook = Runbook::default_github();
    let incidents = [
        folded("DRILL-B", Some("clean-run"), true, 600),
        folded("INC-1", None, false, 0),
        folded("DRILL-A", Some("clean-run"), true, 0),
        folded("DRILL-C", Some("restore-5xx"), true, 300),
        folded("DRILL-OLD", None, true, 100),
    ];
    let ids =
        |runs: Vec<DrillRun>| -> Vec<String> { runs.into_iter().map(|r| r.incident).collect() };
    assert_eq!(
        ids(history(&incidents, &runbook, Some("clean-run"))),
        ["DRILL-A", "DRILL-B"]
    );
    assert_eq!(
        ids(history(&incidents, &runbook, None)),
        ["DRILL-A", "DRILL-OLD", "DRILL-C", "DRILL-B"],
        "every drill, oldest first; never the real incident"
    );
    let verdict = judge(&incidents[0], &ForgeEvidence::default());
    let card = scorecard(&incidents[0], &runbook, &incidents, verdict);
    let earlier = card.earlier.expect("DRILL-A ran before");
    assert_eq!(earlier.runs, 1);
    assert_eq!(
        earlier.last_seconds,
        drill_run(&incidents[2], &runbook).total_seconds
    );
    assert!(!card.run.steps.is_empty());
}
