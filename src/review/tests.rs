use super::*;

fn filled() -> ReviewForm {
    ReviewForm {
        incident: "INC-42".into(),
        summary: "Checkout returned 500s for 14 minutes.".into(),
        impact: "All EU customers.".into(),
        timeline: "09:00 declared\n09:05 glass opened\n09:12 restored".into(),
        root_cause: "A null price in the cart.".into(),
        went_well: "Push landed in 40 s.".into(),
        went_poorly: String::new(),
        action_items: vec![ActionItem {
            what: "Add a price | null check".into(),
            owner: "dev".into(),
            due: NaiveDate::from_ymd_opt(2026, 1, 15),
        }],
        lessons: "Rehearse monthly.".into(),
        submitted_at: None,
    }
}

#[test]
fn markdown_has_every_section_and_escapes_table_pipes() {
    let md = filled().to_markdown();
    insta::assert_snapshot!(md);
    assert!(md.contains("| Add a price \\| null check | dev | 2026-01-15 |"));
    assert!(md.contains("## What went poorly\n\n_Not filled in._"));
}

#[test]
fn markdown_neutralises_terminal_escapes() {
    let mut form = filled();
    form.summary = "ok\u{1b}[2Jgone".into();
    let md = form.to_markdown();
    assert!(crate::text::is_clean(&md));
    assert!(md.contains("ok\\u{1b}[2Jgone"));
}

#[test]
fn draft_round_trips_through_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(load_draft(dir.path(), "INC-42").unwrap(), None);
    let form = filled();
    let path = save_draft(&dir.path().join("reviews"), &form).unwrap();
    assert!(path.ends_with("reviews/review-INC-42.json"));
    let back = load_draft(&dir.path().join("reviews"), "INC-42").unwrap();
    assert_eq!(back, Some(form));
}

#[test]
fn a_later_save_replaces_the_draft_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut form = filled();
    save_draft(dir.path(), &form).unwrap();
    form.lessons = "Rehearse weekly.".into();
    save_draft(dir.path(), &form).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["review-INC-42.json".to_owned()]);
    let back = load_draft(dir.path(), "INC-42").unwrap().unwrap();
    assert_eq!(back.lessons, "Rehearse weekly.");
}

#[test]
fn corrupt_draft_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("review-INC-1.json"), "{not json").unwrap();
    let err = load_draft(dir.path(), "INC-1").unwrap_err();
    assert!(err.to_string().contains("move it aside"), "{err}");
}

#[test]
fn incident_ids_cannot_escape_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["../x", "a/b", "", ".hidden"] {
        assert!(matches!(
            draft_path(dir.path(), bad),
            Err(ReviewError::BadIncidentId(_))
        ));
    }
}
