//! The audit log as the TUI's snapshots: re-read and verified when it changes on disk
//! (any process may append: the watchdog, a headless command), read as the one
//! [`LedgerView`] into the home screen (which names an unreadable log or incident instead
//! of leaving it out), the focused incident's checklist and the timeline. Blocking file reads: call
//! it off the async threads.

use crate::audit::{Record, read_verified};
use crate::flow::{ChainState, LedgerView};
use crate::incident::Incident;
use crate::runbook::Runbook;
use crate::text::sanitize_line;
use crate::tui::adapt::{chain_status, checklist_view, home_view, timeline_row};
use crate::tui::msg::Msg;
use crate::tui::view::{ChainStatus, HomeView, TimelineRow};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// What was last read from the log, and when the file looked like what.
#[derive(Debug)]
pub struct LogWatch {
    path: PathBuf,
    /// Length and modification time at the last read; `None` before the first.
    stamp: Option<(u64, Option<SystemTime>)>,
    rows: Arc<Vec<TimelineRow>>,
    /// The hash of the last record turned into a row, to extend the rows in place when
    /// the log only grew (it is append-only; a rewrite is caught and rebuilt).
    last_hash: Option<String>,
    /// Where the mirror notes how far each incident's issue holds the log; `None`: no
    /// "mirror behind" lines.
    mirror_state: Option<PathBuf>,
}

impl LogWatch {
    pub fn new(path: PathBuf) -> LogWatch {
        LogWatch {
            path,
            stamp: None,
            rows: Arc::new(Vec::new()),
            last_hash: None,
            mirror_state: None,
        }
    }

    /// Also shows "INC-1: mirror behind by N events" on home, from `state_dir`'s notes.
    pub fn with_mirror_state(mut self, state_dir: PathBuf) -> LogWatch {
        self.mirror_state = Some(state_dir);
        self
    }

    fn current_stamp(&self) -> (u64, Option<SystemTime>) {
        match std::fs::metadata(&self.path) {
            Ok(meta) => (meta.len(), meta.modified().ok()),
            Err(_) => (0, None),
        }
    }

    /// True when the file's length or modification time moved since the last read: one
    /// `stat`, cheap enough for every tick.
    pub fn changed(&self) -> bool {
        self.stamp != Some(self.current_stamp())
    }

    /// Re-reads the log: a fresh home screen, timeline and chain status, and the
    /// checklist of `focus` (the incident on screen) as it stands at `now`.
    pub fn refresh(
        &mut self,
        runbook: &Runbook,
        focus: Option<&str>,
        now: DateTime<Utc>,
    ) -> Vec<Msg> {
        // Stamped before reading, so an append during the read is seen next time.
        self.stamp = Some(self.current_stamp());
        let read = read_verified(&self.path);
        let chain = chain_status(&read);
        let ledger = LedgerView::from_records(read.as_deref());
        let records = read.unwrap_or_default();
        self.extend_rows(&records);
        let mut home = home_with_alerts(&ledger);
        if let Some(state_dir) = &self.mirror_state {
            home.alerts.extend(mirror_lag(state_dir, &records, &home));
        }
        let mut msgs = vec![
            Msg::HomeChanged(home),
            Msg::AuditChanged {
                rows: self.rows.clone(),
                chain,
            },
        ];
        if let Some(incident) = focus.and_then(|id| ledger.incident(id)) {
            msgs.push(Msg::IncidentChanged(checklist_view(incident, runbook, now)));
        }
        msgs
    }

    fn extend_rows(&mut self, records: &[Record]) {
        let known = self.rows.len();
        let grew = known <= records.len()
            && (known == 0 || self.last_hash.as_deref() == Some(records[known - 1].hash.as_str()));
        if records.is_empty() && known > 0 {
            // An unreadable log: keep showing what was read (the chain status says why).
            return;
        }
        if grew {
            if known < records.len() {
                Arc::make_mut(&mut self.rows).extend(records[known..].iter().map(timeline_row));
            }
        } else {
            self.rows = Arc::new(records.iter().map(timeline_row).collect());
        }
        self.last_hash = records.last().map(|r| r.hash.clone());
    }
}

/// The home screen with what must not be missed on top, in red: an unreadable log (not
/// shown as an empty one), each unreadable incident, and each restore that keeps failing.
fn home_with_alerts(ledger: &LedgerView) -> HomeView {
    let mut home = home_view(&ledger.incidents);
    home.chain = match &ledger.chain {
        ChainState::Verified {
            head_seq,
            head_hash,
        } => ChainStatus::Verified {
            head_seq: *head_seq,
            head_hash: head_hash.clone(),
        },
        ChainState::Unreadable { why } => ChainStatus::Unreadable {
            reason: why.clone(),
        },
    };
    home.alerts = ledger.problems();
    home.alerts.extend(ledger.incidents.iter().filter_map(|i| {
        i.restore_failing()
            .map(|f| format!("{}: {}", sanitize_line(&i.id), f.summary()))
    }));
    home
}

/// "INC-1: mirror behind by N events" for each incident home lists whose issue lags.
fn mirror_lag(state_dir: &std::path::Path, records: &[Record], home: &HomeView) -> Vec<String> {
    home.incidents
        .iter()
        .filter_map(|row| {
            crate::mirror::lag_summary(state_dir, records, &row.id)
                .map(|lag| format!("{}: {lag}", sanitize_line(&row.id)))
        })
        .collect()
}

/// Every incident the log's records fold into; unreadable incidents are left out (the
/// timeline still shows their events, and the flow refuses to act on them with the reason).
pub fn fold_all(records: &[Record]) -> Vec<Incident> {
    LedgerView::from_records(Ok(records)).incidents
}

/// One incident as the log says now, if the log holds it and it folds.
pub fn load_incident(path: &std::path::Path, id: &str) -> Option<Incident> {
    LedgerView::read(path).incident(id).cloned()
}
