//! Renders the audit timeline with 100,000 events into a 200×50 `TestBackend`: the frame
//! time must stay far under the 1-second tick (goal ≤ 2 ms). Run with
//! `cargo bench --bench tui_timeline`.

use breakglass::tui::view::{ChainStatus, TimelineRow};
use breakglass::tui::{App, Msg, Theme, render, update};
use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::sync::Arc;

const EVENTS: usize = 100_000;

fn rows() -> Arc<Vec<TimelineRow>> {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap();
    let kinds = [
        "declared",
        "preflight",
        "activated",
        "pushed",
        "restored",
        "review_opened",
    ];
    Arc::new(
        (0..EVENTS)
            .map(|i| {
                let kind = kinds[i % kinds.len()];
                TimelineRow {
                    seq: i as u64 + 1,
                    ts: start + Duration::seconds(i as i64),
                    actor: "commander".into(),
                    kind: kind.into(),
                    summary: format!("INC-{} {kind} on acme/api main", i / 10),
                    json: format!(
                        "{{\n  \"seq\": {},\n  \"incident\": \"INC-{}\",\n  \"kind\": \"{kind}\",\n  \"data\": {{ \"repo\": \"acme/api\" }}\n}}",
                        i + 1,
                        i / 10
                    ),
                }
            })
            .collect(),
    )
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn timeline_app(detail: bool) -> App {
    let mut app = App::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
        Theme::colored(),
    );
    update(&mut app, Msg::Resize(200, 50));
    update(&mut app, key('t'));
    update(
        &mut app,
        Msg::AuditChanged {
            rows: rows(),
            chain: ChainStatus::Verified {
                head_seq: EVENTS as u64,
                head_hash: "9a1f03c4e2b7d5a8".into(),
            },
        },
    );
    // Park the selection in the middle of the log, where scrolling happens.
    update(&mut app, key('g'));
    for _ in 0..1_000 {
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE)),
        );
    }
    if detail {
        update(
            &mut app,
            Msg::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)),
        );
    }
    app
}

fn bench_timeline(c: &mut Criterion) {
    for (name, detail) in [
        ("timeline_100k_200x50", false),
        ("timeline_100k_200x50_detail", true),
    ] {
        let app = timeline_app(detail);
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        c.bench_function(name, |b| {
            b.iter(|| {
                terminal
                    .draw(|frame| render(black_box(&app), frame))
                    .unwrap();
            })
        });
    }
    let mut app = timeline_app(false);
    c.bench_function("timeline_100k_scroll_one_row_and_render", |b| {
        let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
        let mut down = true;
        b.iter(|| {
            down = !down;
            update(&mut app, key(if down { 'j' } else { 'k' }));
            terminal.draw(|frame| render(&app, frame)).unwrap();
        })
    });
    c.bench_function("timeline_100k_filter_keystroke", |b| {
        let mut app = timeline_app(false);
        update(&mut app, key('/'));
        b.iter(|| {
            update(&mut app, key('x'));
            update(
                &mut app,
                Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
            );
        })
    });
}

criterion_group!(benches, bench_timeline);
criterion_main!(benches);
