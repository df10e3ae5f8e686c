use super::*;

fn error_of(text: &str) -> ScenarioError {
    parse(text, "drills/x.toml").unwrap_err()
}

const GOOD: &str = r#"id = "x"
title = "X"
story = "s"

[situation]
commander = "admin"
protection = "classic"

[expect]
outcome = "passed"
"#;

#[test]
fn every_built_in_scenario_validates_and_ids_are_unique() {
    let scenarios = built_in();
    assert_eq!(scenarios.len(), BUILT_IN.len());
    let mut ids: Vec<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), scenarios.len());
    let never = scenarios.iter().find(|s| s.id == "approval-never").unwrap();
    assert_eq!(never.second_person, Some(SecondPerson::Never));
    assert!(matches!(
        never.no_approval,
        Some(NoApproval {
            then: CommanderDecision::SelfApprove { .. },
            ..
        })
    ));
}

#[test]
fn a_scenario_reads_its_situation_faults_twists_and_expectation() {
    let text = format!(
        "{GOOD}\n[[fault]]\nspec = \"get:/user=429x1\"\nat = \"preflight\"\n\n[[fault]]\nspec = \"drift:acme/api:main\"\nafter = \"2s\"\n\n[[twist]]\nwhat = \"main-moves\"\nat = \"push\"\n\n[second_person]\napproves = \"after 30s\"\n"
    );
    let s = parse(&text, "drills/x.toml").unwrap();
    assert_eq!(s.commander_login(), "commander");
    assert_eq!(s.protection.repo(), "acme/api");
    assert_eq!(s.faults[0].timing, FaultTiming::AtStep("preflight".into()));
    assert_eq!(
        s.faults[1].timing,
        FaultTiming::After(Duration::from_secs(2))
    );
    assert_eq!(s.twists[0].what, TwistKind::MainMoves);
    assert_eq!(
        s.second_person,
        Some(SecondPerson::ApprovesAfter(Duration::from_secs(30)))
    );
    assert_eq!(s.no_approval, None);
    let aborting = parse(
        &format!("{text}\n[no_approval]\nwaits = \"10s\"\nthen = \"abort\"\n"),
        "drills/x.toml",
    )
    .unwrap();
    assert_eq!(
        aborting.no_approval,
        Some(NoApproval {
            waits: Duration::from_secs(10),
            then: CommanderDecision::Abort
        })
    );
}

#[test]
fn validation_errors_name_the_file_the_line_and_the_fix() {
    for (text, line, says) in [
        (GOOD.replace("\"x\"", "\"Bad Id\""), 1, "lower-case letters"),
        (GOOD.replace("admin", "root"), 6, "unknown variant `root`"),
        (
            format!("{GOOD}\n[[fault]]\nspec = \"fetch:/x=500\"\n"),
            13,
            "METHOD:PATH=ACTION",
        ),
        (
            format!("{GOOD}\n[[fault]]\nspec = \"get:/x=500\"\nat = \"deploy\"\n"),
            14,
            "name a step by its kind",
        ),
        (
            format!("{GOOD}\n[[fault]]\nspec = \"get:/x=500\"\nafter = \"soon\"\n"),
            14,
            "write it like \"30s\"",
        ),
        (
            format!("{GOOD}\n[second_person]\napproves = \"maybe\"\n"),
            13,
            "\"never\" or \"after 30s\"",
        ),
        (
            format!("{GOOD}\n[second_person]\napproves = \"never\"\n"),
            12,
            "say what the commander does",
        ),
        (
            format!("{GOOD}\n[no_approval]\nwaits = \"5s\"\nthen = \"self-approve\"\n"),
            14,
            "needs the commander's reason",
        ),
        (
            format!("{GOOD}\n[no_approval]\nwaits = \"5s\"\nthen = \"panic\"\n"),
            14,
            "\"self-approve\" or \"abort\"",
        ),
        (
            GOOD.replace("\"passed\"", "\"refused\""),
            9,
            "needs the step that says no",
        ),
        (
            format!("surprise = 1\n{GOOD}"),
            1,
            "unknown field `surprise`",
        ),
    ] {
        let error = error_of(&text);
        let shown = error.to_string();
        assert!(shown.starts_with("drills/x.toml line "), "{shown}");
        assert_eq!(error.line, Some(line), "{shown}");
        assert!(shown.contains(says), "{shown}");
    }
}

#[test]
fn a_team_scenario_is_added_or_replaces_a_built_in_and_a_bad_one_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ours.toml"),
        GOOD.replace("\"x\"", "\"ours\""),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("clean.toml"),
        GOOD.replace("\"x\"", "\"clean-run\"")
            .replace("\"X\"", "\"Our clean run\""),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.toml"), "id = ").unwrap();
    let (scenarios, errors) = load_all(dir.path());
    assert_eq!(scenarios.len(), BUILT_IN.len() + 1);
    let clean = scenarios.iter().find(|s| s.id == "clean-run").unwrap();
    assert_eq!(clean.title, "Our clean run");
    assert!(scenarios.iter().any(|s| s.id == "ours"));
    assert_eq!(errors.len(), 1);
    assert!(errors[0].origin.ends_with("broken.toml"), "{}", errors[0]);
}
