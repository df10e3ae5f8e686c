use super::*;

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
