//! `breakglass review --export` after a real headless drill on the sandbox: the Markdown
//! opens with every fact the audit log holds about the drill, marked as a drill.

use breakglass::paths::Paths;
use breakglass::review::{ReviewForm, save_draft};
use serde_json::Value;
use std::path::Path;

fn breakglass(home: &Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(args)
        .env("BREAKGLASS_HOME", home)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn the_export_of_a_drill_opens_with_every_fact_of_its_log() {
    let home = tempfile::tempdir().unwrap();
    let out = breakglass(home.path(), &["drill", "--headless", "--json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = report["incident"].as_str().unwrap().to_owned();
    // The lessons-learned part is a draft the team started; the facts are the log's.
    let drafts = Paths::under(home.path()).data_dir.join("reviews");
    save_draft(&drafts, &ReviewForm::new(id.clone())).unwrap();
    let file = home.path().join("review.md");
    breakglass(
        home.path(),
        &[
            "review",
            "--export",
            file.to_str().unwrap(),
            "--incident",
            &id,
        ],
    );
    let md = std::fs::read_to_string(&file).unwrap();
    let facts_end = md.find("## Summary").expect("the form follows the facts");
    let facts = &md[..facts_end];
    let expected = [
        format!("# Post-incident review: {id} (drill)"),
        "> **DRILL** — this review is of a rehearsal".to_owned(),
        "- **Drill:** yes".to_owned(),
        "- **Repository:** acme/api main".to_owned(),
        "- **Commander:** commander (admin on the repository)".to_owned(),
        // The drill's second person: the sandbox's reviewer, with their own token.
        "- **Approval:** reviewer approved at ".to_owned(),
        format!("- **Reason:** Drill: checkout returns 500 — https://tickets.example.com/{id}"),
        format!("- **Ticket:** https://tickets.example.com/{id}"),
        "- **Glass:** open ".to_owned(),
        " in total over 1 window(s)\n  - opened ".to_owned(),
        // The relax plan in the planner's words: an admin's relaxation.
        "- **Relax plan:** Turn off 'Do not allow bypassing the above settings' on acme/api \
         main so that commander (admin) can push"
            .to_owned(),
        "- **Commits:** 1 pushed to main\n".to_owned(),
        " Fix checkout timeouts — Drill Commander <commander@example.com>".to_owned(),
        // The number follows the incident issue's: issues and pulls share one sequence.
        "- **Retroactive review:** #".to_owned(),
        "/acme/api/pull/".to_owned(),
        ", not signed off yet".to_owned(),
        "- **Restore:** restored and verified by read-back ".to_owned(),
        "- **Drift:** none".to_owned(),
        "- **Glass closed by:** the commander (commander)".to_owned(),
        "- **Checklist:** runbook ".to_owned(),
        " against ".to_owned(),
    ];
    for fact in &expected {
        assert!(
            facts.contains(fact.as_str()),
            "missing {fact:?} in\n{facts}"
        );
    }
    // Every pushed sha is listed with its title and author.
    assert!(!facts.contains("not recorded"), "{facts}");
}
