use super::*;
use crate::incident::fixtures::{sample, t};
use crate::incident::{IncidentEvent, Phase};
use serde_json::{Value, json};

struct Row {
    incident: Option<&'static str>,
    kind: String,
    data: Value,
}

fn row(incident: Option<&'static str>, event: IncidentEvent) -> Row {
    let (kind, data) = event.to_parts();
    Row {
        incident,
        kind,
        data,
    }
}

fn declared(id: &str) -> IncidentEvent {
    let IncidentEvent::Declared {
        repo,
        branch,
        reason,
        ttl,
        cap,
        runbook,
        drill,
        api_url,
        remote_url,
        ..
    } = sample("declared")
    else {
        unreachable!()
    };
    IncidentEvent::Declared {
        id: id.into(),
        repo,
        branch,
        reason,
        ttl,
        cap,
        runbook,
        drill,
        api_url,
        remote_url,
        scenario: None,
    }
}

fn records(rows: &[Row]) -> impl Iterator<Item = LogRecord<'_>> {
    rows.iter().enumerate().map(|(i, r)| LogRecord {
        seq: i as u64 + 1,
        ts: t(10 * i as i64),
        incident: r.incident,
        actor: "commander",
        kind: &r.kind,
        data: &r.data,
    })
}

#[test]
fn interleaved_incidents_fold_separately_and_log_level_records_are_skipped() {
    let rows = vec![
        row(Some("A"), declared("A")),
        Row {
            incident: None,
            kind: "recovered".into(),
            data: json!({"len": 12}),
        },
        row(Some("B"), declared("B")),
        row(Some("A"), sample("preflighted")),
        row(Some("B"), sample("closed")),
    ];
    let incidents = fold_many(records(&rows)).unwrap();
    let summary: Vec<(&str, Phase)> = incidents.iter().map(|i| (i.id.as_str(), i.phase)).collect();
    assert_eq!(summary, [("A", Phase::Preflighted), ("B", Phase::Closed)]);
}

#[test]
fn an_unknown_kind_on_an_incident_is_an_error_for_that_incident_only() {
    let rows = vec![
        row(Some("A"), declared("A")),
        Row {
            incident: Some("A"),
            kind: "teleported".into(),
            data: json!({}),
        },
        row(Some("B"), declared("B")),
    ];
    let each = fold_each(records(&rows));
    assert!(matches!(
        &each[0].1,
        Err(IncidentLogError::Decode { seq: 2, .. })
    ));
    assert_eq!(each[1].1.as_ref().unwrap().id, "B");
    let err = fold_many(records(&rows)).unwrap_err();
    assert_eq!(err.incident(), "A");
    assert!(err.to_string().contains("seq 2"), "{err}");
}

#[test]
fn a_declaration_under_another_incidents_id_is_refused() {
    let rows = vec![row(Some("A"), declared("B"))];
    assert!(matches!(
        fold_many(records(&rows)),
        Err(IncidentLogError::IdMismatch { seq: 1, .. })
    ));
}

#[test]
fn an_illegal_sequence_names_the_incident_and_the_event() {
    let rows = vec![
        row(Some("A"), declared("A")),
        row(Some("A"), sample("pushed")),
    ];
    let err = fold_many(records(&rows)).unwrap_err();
    assert!(matches!(
        &err,
        IncidentLogError::Fold { incident, source: FoldError::Illegal { index: 1, .. } } if incident == "A"
    ));
}
