use super::*;

fn filled() -> ReviewForm {
    ReviewForm {
        incident: "INC-42".into(),
        summary: "Checkout returned 500s for 14 minutes.".into(),
        impact: "All EU customers.".into(),
        trigger: "Deploy 812 shipped a null price.".into(),
        detection: "The checkout error-rate alert paged at 09:02.".into(),
        resolution: "Pushed the guard through the glass at 09:08.".into(),
        root_causes: "A null price in the cart.".into(),
        went_well: "Push landed in 40 s.".into(),
        went_wrong: String::new(),
        where_we_got_lucky: "It happened before the EU peak.".into(),
        action_items: vec![ActionItem {
            what: "Add a price | null check".into(),
            kind: Some(ActionKind::Prevent),
            owner: "dev".into(),
            due: NaiveDate::from_ymd_opt(2026, 1, 15),
            tracking_link: "https://tickets.example.com/OPS-7".into(),
        }],
        lessons: "Rehearse monthly.".into(),
        timeline: String::new(),
        submitted_at: None,
    }
}

/// The headings reviewers know, written out here rather than taken from `Section`.
const REVIEWERS_ORDER: [&str; 11] = [
    "Summary",
    "Impact",
    "Trigger",
    "Detection",
    "Resolution",
    "Root causes",
    "What went well",
    "What went wrong",
    "Where we got lucky",
    "Action items",
    "Lessons learned",
];

fn headings(md: &str) -> Vec<&str> {
    md.lines().filter_map(|l| l.strip_prefix("## ")).collect()
}

#[test]
fn markdown_has_every_section_and_escapes_table_pipes() {
    let md = filled().to_markdown();
    insta::assert_snapshot!(md);
    assert_eq!(headings(&md), REVIEWERS_ORDER);
    assert!(md.contains(
        "| Add a price \\| null check | prevent | dev | 2026-01-15 | https://tickets.example.com/OPS-7 |"
    ));
    assert!(md.contains("## What went wrong\n\n_Not filled in._"));
}

#[test]
fn each_section_edits_its_own_field() {
    let mut form = ReviewForm::new("INC-1");
    for section in Section::ALL {
        if let Some(text) = form.text_mut(section) {
            *text = section.title().to_owned();
        }
    }
    let texts: Vec<_> = Section::ALL.iter().filter_map(|s| form.text(*s)).collect();
    let mut titles: Vec<_> = REVIEWERS_ORDER.to_vec();
    titles.retain(|t| *t != "Action items");
    assert_eq!(texts, titles);
    let json = serde_json::to_value(&form).unwrap();
    let distinct: std::collections::BTreeSet<_> = json
        .as_object()
        .unwrap()
        .values()
        .filter_map(|v| v.as_str())
        .filter(|v| REVIEWERS_ORDER.contains(v))
        .collect();
    assert_eq!(distinct.len(), 10, "one field per section: {json}");
}

/// A draft exactly as the form wrote it before the sections were aligned with reviewers'
/// templates: `root_cause`, `went_poorly`, a prefilled `timeline`, and action items with
/// no type or link.
const DRAFT_BEFORE_THE_SECTIONS: &str = r#"{
  "incident": "INC-42",
  "summary": "Checkout returned 500s.",
  "impact": "All EU customers.",
  "timeline": "09:00:00 declared — INC-42 declared\n09:05:00 activated — glass opened",
  "root_cause": "A null price in the cart.",
  "went_well": "Push landed in 40 s.",
  "went_poorly": "The pager went to the wrong rota.",
  "action_items": [
    {
      "what": "Add a price check",
      "owner": "dev",
      "due": "2026-01-15"
    }
  ],
  "lessons": "Rehearse monthly.",
  "submitted_at": null
}"#;

#[test]
fn a_draft_saved_before_the_sections_were_aligned_still_opens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("review-INC-42.json"),
        DRAFT_BEFORE_THE_SECTIONS,
    )
    .unwrap();
    let form = load_draft(dir.path(), "INC-42").unwrap().unwrap();
    assert_eq!(form.summary, "Checkout returned 500s.");
    assert_eq!(form.root_causes, "A null price in the cart.");
    assert_eq!(form.went_wrong, "The pager went to the wrong rota.");
    for missing in [
        &form.trigger,
        &form.detection,
        &form.resolution,
        &form.where_we_got_lucky,
    ] {
        assert_eq!(missing, "", "a section the old form lacked loads empty");
    }
    assert_eq!(
        form.action_items,
        vec![ActionItem {
            what: "Add a price check".into(),
            kind: None,
            owner: "dev".into(),
            due: NaiveDate::from_ymd_opt(2026, 1, 15),
            tracking_link: String::new(),
        }]
    );
    let md = form.to_markdown();
    assert_eq!(
        headings(&md),
        [&REVIEWERS_ORDER[..], &["Timeline (from the earlier form)"]].concat()
    );
    assert!(md.contains("- 09:05:00 activated — glass opened"), "{md}");
    assert!(
        md.contains("| Add a price check | — | dev | 2026-01-15 | — |"),
        "{md}"
    );
}

#[test]
fn a_new_form_saves_no_timeline() {
    let json = serde_json::to_value(filled()).unwrap();
    assert!(json.get("timeline").is_none(), "{json}");
    assert_eq!(json["action_items"][0]["type"], "prevent");
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

#[test]
fn the_issue_comment_is_the_review_with_its_facts_and_what_happens_next() {
    use crate::incident::fixtures::{history_to, t};
    let incident = crate::incident::fold(&history_to(crate::incident::Phase::Reviewed)).unwrap();
    let facts = ReviewFacts::of(
        &incident,
        &crate::runbook::Runbook::default_github(),
        t(100),
    );
    let body = incident_issue_comment(&filled(), &facts);
    let facts_at = body.find("## Facts from the audit log").unwrap();
    assert!(facts_at < body.find("## Summary").unwrap(), "{body}");
    assert!(body.contains("- **Commander:** commander"), "{body}");
    assert!(
        body.trim_end()
            .ends_with("as submitted, with the facts from the audit log._"),
        "{body}"
    );
}
