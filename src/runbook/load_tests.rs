use super::*;

const STEPS: &[(&str, &str)] = &[
    ("declare", "declare"),
    ("preflight", "preflight"),
    ("activate", "activate"),
    ("push", "push"),
    ("restore", "restore"),
];

fn runbook_text(steps: &[(&str, &str)]) -> String {
    let mut text = String::from("name = \"test\"\n");
    for (id, kind) in steps {
        text.push_str(&format!(
            "\n[[step]]\nid = \"{id}\"\ntitle = \"{id}\"\nkind = \"{kind}\"\ntarget = \"30s\"\n"
        ));
    }
    text
}

fn problem(text: &str) -> RunbookError {
    parse(text, "/cfg/runbook.toml").expect_err("the runbook should be refused")
}

#[test]
fn the_default_runbook_loads_with_its_steps_in_order_and_the_window_in_one() {
    let runbook = Runbook::default_github();
    let kinds: Vec<&str> = runbook.steps.iter().map(|s| s.kind.name()).collect();
    assert_eq!(
        kinds,
        [
            "declare",
            "manual",
            "preflight",
            "approve",
            "window",
            "manual",
            "review",
            "manual"
        ]
    );
    let targets: Vec<i64> = runbook
        .steps
        .iter()
        .map(|s| s.target.num_seconds())
        .collect();
    assert_eq!(targets, [120, 300, 30, 180, 30, 600, 60, 120]);
    assert!(runbook.steps.iter().all(|s| !s.detail.is_empty()));
    assert!(runbook.one_shot_window());
    // Watching the deploy comes after the glass is closed, never inside the window.
    let watch = runbook.step("watch-deploy").unwrap();
    let closing = runbook.closing_step().unwrap();
    assert!(runbook.steps[closing].kind == StepKind::Window);
    assert!(runbook.steps.iter().position(|s| s.id == watch.id).unwrap() > closing);
}

#[test]
fn a_window_step_stands_for_activate_push_and_restore() {
    let text = runbook_text(&[
        ("declare", "declare"),
        ("preflight", "preflight"),
        ("window", "window"),
        ("review", "review"),
    ]);
    let runbook = parse(&text, "x").unwrap();
    assert_eq!(runbook.closing_step(), Some(2));
    assert!(runbook.step_of(StepKind::Activate).is_none());
    // The separate steps stay valid without a window step.
    let separate = parse(&runbook_text(STEPS), "x").unwrap();
    assert!(!separate.one_shot_window());
    assert_eq!(separate.closing_step(), Some(4));
}

#[test]
fn a_window_step_with_separate_window_steps_is_refused_with_step_and_line() {
    for (steps, offender, kind, other) in [
        (
            vec![
                ("declare", "declare"),
                ("preflight", "preflight"),
                ("window", "window"),
                ("push", "push"),
            ],
            ("push", 4),
            StepKind::Push,
            "window",
        ),
        (
            vec![
                ("declare", "declare"),
                ("preflight", "preflight"),
                ("activate", "activate"),
                ("window", "window"),
            ],
            ("window", 4),
            StepKind::Window,
            "activate",
        ),
    ] {
        let err = problem(&runbook_text(&steps));
        assert!(
            matches!(&err.problem, RunbookProblem::WindowAndSeparate { step, kind: k, other: o, .. }
                if step.id == offender.0 && step.number == offender.1 && *k == kind && o.id == other),
            "{err:?}"
        );
        // Step 4's `kind` line: 4 lines of header, 6 lines per step, `kind` is its 4th.
        assert_eq!(err.line, Some(24), "{err}");
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "/cfg/runbook.toml line 24: step 4 (`{}`)",
                offender.0
            )),
            "{message}"
        );
        assert!(
            message.contains("separate `activate`, `push` and `restore`"),
            "{message}"
        );
    }
}

#[test]
fn a_window_step_keeps_its_place_in_the_order() {
    let text = runbook_text(&[
        ("declare", "declare"),
        ("window", "window"),
        ("preflight", "preflight"),
    ]);
    let err = problem(&text);
    assert!(
        matches!(&err.problem, RunbookProblem::OutOfOrder { step, kind: StepKind::Preflight, after, .. }
            if step.number == 3 && after.id == "window"),
        "{err:?}"
    );
}

#[test]
fn a_minimal_runbook_parses() {
    let runbook = parse(&runbook_text(STEPS), "x").unwrap();
    assert_eq!(runbook.step_of(StepKind::Restore).unwrap().id, "restore");
    assert!(runbook.step_of(StepKind::Review).is_none());
}

#[test]
fn unknown_kind_names_step_line_and_the_valid_kinds() {
    let text = runbook_text(&[("declare", "declare"), ("x", "teleport")]);
    let err = problem(&text);
    assert!(
        matches!(&err.problem, RunbookProblem::UnknownKind { step, kind }
            if step.number == 2 && step.id == "x" && kind == "teleport"),
        "{err:?}"
    );
    assert_eq!(err.line, Some(12));
    let message = err.to_string();
    assert!(
        message.starts_with("/cfg/runbook.toml line 12: step 2 (`x`)"),
        "{message}"
    );
    assert!(message.contains("use one of manual"), "{message}");
}

#[test]
fn duplicate_ids_are_refused() {
    let text = runbook_text(&[("declare", "declare"), ("declare", "manual")]);
    let err = problem(&text);
    assert!(
        matches!(&err.problem, RunbookProblem::DuplicateId { step, first: 1 } if step.number == 2),
        "{err:?}"
    );
    assert_eq!(err.line, Some(9));
}

#[test]
fn automated_steps_out_of_order_are_refused() {
    let text = runbook_text(&[
        ("declare", "declare"),
        ("activate", "activate"),
        ("preflight", "preflight"),
        ("restore", "restore"),
    ]);
    let err = problem(&text);
    assert!(
        matches!(&err.problem, RunbookProblem::OutOfOrder { step, kind: StepKind::Preflight, after, .. }
            if step.number == 3 && after.id == "activate"),
        "{err:?}"
    );
    assert!(err.to_string().contains("move it up"));
}

#[test]
fn a_repeated_automated_kind_is_refused() {
    let mut steps = STEPS.to_vec();
    steps.push(("push-again", "push"));
    let err = problem(&runbook_text(&steps));
    assert!(
        matches!(&err.problem, RunbookProblem::RepeatedKind { step, kind: StepKind::Push, first }
            if step.id == "push-again" && first.id == "push"),
        "{err:?}"
    );
}

#[test]
fn each_required_automated_step_must_be_present() {
    for missing in ["declare", "preflight", "activate", "restore"] {
        let steps: Vec<_> = STEPS
            .iter()
            .copied()
            .filter(|(id, _)| *id != missing)
            .collect();
        let err = problem(&runbook_text(&steps));
        assert!(
            matches!(err.problem, RunbookProblem::Missing { kind } if kind.name() == missing),
            "{missing}: {err:?}"
        );
        assert!(err.to_string().contains(&format!("kind = \"{missing}\"")));
    }
    // Without a window step, activate and restore are needed; with one, neither is.
    let err = problem(&runbook_text(&[
        ("declare", "declare"),
        ("preflight", "preflight"),
        ("review", "review"),
    ]));
    assert!(
        matches!(
            err.problem,
            RunbookProblem::Missing {
                kind: StepKind::Activate
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("a window (or activate and restore)")
    );
}

#[test]
fn unparsable_and_zero_targets_are_refused_with_their_line() {
    let text = runbook_text(STEPS).replacen("target = \"30s\"", "target = \"soon\"", 2);
    let err = problem(&text);
    assert!(
        matches!(&err.problem, RunbookProblem::BadTarget { step, target, .. }
            if step.number == 1 && target == "soon"),
        "{err:?}"
    );
    assert_eq!(err.line, Some(7));
    assert!(err.to_string().contains("\"2m\""));

    let text = runbook_text(STEPS).replacen("target = \"30s\"", "target = \"0s\"", 1);
    let err = problem(&text);
    assert!(matches!(&err.problem, RunbookProblem::ZeroTarget { step } if step.number == 1));
}

#[test]
fn toml_errors_and_unknown_fields_carry_the_line() {
    let err = problem("name = \"x\"\n[[step]]\nid = \"a\"\ntitel = \"typo\"\n");
    assert!(
        matches!(err.problem, RunbookProblem::Syntax { .. }),
        "{err:?}"
    );
    assert_eq!(err.line, Some(4), "{err}");

    let err = problem("name = \"x\"\nstep = [\n");
    assert!(matches!(err.problem, RunbookProblem::Syntax { .. }));
    assert!(err.line.is_some());
}

#[test]
fn empty_runbooks_and_empty_ids_are_refused() {
    assert_eq!(problem("name = \"x\"\n").problem, RunbookProblem::NoSteps);
    let text = runbook_text(&[("", "declare")]);
    assert_eq!(
        problem(&text).problem,
        RunbookProblem::EmptyId { number: 1 }
    );
}

#[test]
fn resolve_prefers_configured_path_then_user_file_then_embedded() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(Runbook::resolve(dir.path(), None).unwrap().name, "github");

    std::fs::write(dir.path().join("runbook.toml"), runbook_text(STEPS)).unwrap();
    assert_eq!(Runbook::resolve(dir.path(), None).unwrap().name, "test");

    let elsewhere = dir.path().join("team.toml");
    std::fs::write(
        &elsewhere,
        runbook_text(STEPS).replace("\"test\"", "\"team\""),
    )
    .unwrap();
    let runbook = Runbook::resolve(dir.path(), Some(&elsewhere)).unwrap();
    assert_eq!(runbook.name, "team");
    assert_eq!(runbook.origin, elsewhere.display().to_string());

    let err = Runbook::resolve(dir.path(), Some(&dir.path().join("nope.toml"))).unwrap_err();
    assert!(matches!(err.problem, RunbookProblem::Read { .. }));
    assert!(err.to_string().contains("nope.toml"));
}

#[test]
fn the_approve_step_comes_after_preflight_and_before_the_glass_opens() {
    let text = runbook_text(&[
        ("declare", "declare"),
        ("preflight", "preflight"),
        ("activate", "activate"),
        ("approve", "approve"),
        ("restore", "restore"),
    ]);
    let err = problem(&text);
    assert!(
        matches!(
            &err.problem,
            RunbookProblem::OutOfOrder {
                kind: StepKind::Approve,
                after_kind: StepKind::Activate,
                ..
            }
        ),
        "{err:?}"
    );
    let text = runbook_text(&[
        ("declare", "declare"),
        ("preflight", "preflight"),
        ("approve", "approve"),
        ("activate", "activate"),
        ("restore", "restore"),
    ]);
    let runbook = parse(&text, "x").unwrap();
    assert_eq!(runbook.step_of(StepKind::Approve).unwrap().id, "approve");
}
