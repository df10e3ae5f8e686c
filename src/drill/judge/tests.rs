//! The drill rule on real folds of the model's histories (the incident fixtures), with and
//! without the forge's word.

use super::*;
use crate::incident::fixtures::{at, history_to, sample};
use crate::incident::{Phase, fold};

fn folded(phase: Phase, more: &[&str]) -> Incident {
    let mut events = history_to(phase);
    for (i, kind) in more.iter().enumerate() {
        events.push(at(1000 + i as i64, sample(kind)));
    }
    fold(&events).expect("the fixture history folds")
}

fn forge(on_branch: bool, read_back: Result<bool, String>) -> ForgeEvidence {
    ForgeEvidence {
        fix_on_branch: Some(on_branch),
        read_back_equal: Some(read_back),
    }
}

#[test]
fn a_pushed_restored_and_reviewed_drill_passes_on_the_log_and_on_the_forge() {
    let incident = folded(Phase::Reviewed, &[]);
    for evidence in [ForgeEvidence::default(), forge(true, Ok(true))] {
        let verdict = judge(&incident, &evidence);
        assert!(verdict.passed, "{:?}", verdict.problems);
        assert!(verdict.problems.is_empty());
        assert_eq!(
            verdict.review_pr.as_deref(),
            Some("http://127.0.0.1/acme/api/pull/7")
        );
        assert!(!verdict.protection_at_risk());
    }
}

#[test]
fn the_forge_overrules_the_log_when_it_can_still_be_asked() {
    let incident = folded(Phase::Reviewed, &[]);
    let missing_fix = judge(&incident, &forge(false, Ok(true)));
    assert!(!missing_fix.passed);
    assert_eq!(missing_fix.problems, ["the fix did not land on main"]);
    assert!(!missing_fix.protection_at_risk());

    let differs = judge(&incident, &forge(true, Ok(false)));
    assert!(!differs.passed && differs.protection_at_risk());
    assert_eq!(
        differs.problems,
        ["the protection does not read back equal to the snapshot"]
    );

    let unreadable = judge(&incident, &forge(true, Err("503 from the forge".into())));
    assert!(unreadable.protection_at_risk());
    assert_eq!(
        unreadable.problems,
        ["reading the protection back failed: 503 from the forge"]
    );
}

#[test]
fn a_drill_without_its_review_failed_but_left_protection_as_it_was() {
    let verdict = judge(&folded(Phase::Restored, &[]), &ForgeEvidence::default());
    assert!(!verdict.passed);
    assert_eq!(verdict.problems, ["no retroactive review was opened"]);
    assert!(!verdict.protection_at_risk());
}

#[test]
fn drift_fails_the_drill_and_puts_protection_at_risk_even_when_reviewed() {
    let verdict = judge(
        &folded(Phase::Drift, &["review_opened"]),
        &ForgeEvidence::default(),
    );
    assert!(verdict.drift_found && verdict.restored_exactly && verdict.review_pr.is_some());
    assert!(!verdict.passed && verdict.protection_at_risk());
    assert_eq!(verdict.problems.len(), 1, "{:?}", verdict.problems);
}

#[test]
fn a_failed_restore_leaves_the_glass_open_and_says_so() {
    let verdict = judge(
        &folded(Phase::RestoreFailed, &[]),
        &ForgeEvidence::default(),
    );
    assert!(verdict.push_landed, "the push itself was recorded");
    assert!(!verdict.restored_exactly && verdict.protection_at_risk());
    assert_eq!(
        verdict.problems,
        [
            "the glass is still open",
            "no retroactive review was opened"
        ]
    );
}

#[test]
fn a_drill_that_stopped_before_the_glass_opened_failed_without_risk() {
    let verdict = judge(&folded(Phase::Preflighted, &[]), &ForgeEvidence::default());
    assert!(!verdict.push_landed && !verdict.passed);
    assert!(verdict.restored_exactly, "the protection was never changed");
    assert!(!verdict.protection_at_risk());
    assert_eq!(
        verdict.problems,
        [
            "the fix did not land on main",
            "no retroactive review was opened"
        ]
    );
}
