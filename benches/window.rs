//! The machine part of a break-glass against the sandbox forge with 50 ms injected on every
//! request, as `breakglass drill --headless --json` reports it: the exposure window
//! (activated → restored; goal ≤ 1.15 × 6 × 50 ms + 40 ms) and preflight (goal 3 × 50 ms
//! deep, ≤ 8 requests). Each sample is one whole drill of the real binary; only the step's
//! own figure is counted, so process start-up and the review do not blur it.
//!
//! `cargo bench --bench window -- --sample-size 10`. Under `cargo test --benches` it runs
//! one drill per figure, to keep it compiling and working.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::Value;
use std::time::Duration;

const LATENCY: &str = "*:*=latency:50ms";

/// One drill with the latency fault; its JSON report.
fn drill() -> Value {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_breakglass"))
        .args(["drill", "--headless", "--json", "--fault", LATENCY])
        .env("BREAKGLASS_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the drill failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap()
}

/// Runs `iterations` drills and adds up the figure `measure` takes from each.
fn total(iterations: u64, measure: impl Fn(&Value) -> u64) -> Duration {
    (0..iterations)
        .map(|_| Duration::from_millis(measure(&drill())))
        .sum()
}

fn bench_window(c: &mut Criterion) {
    let report = drill();
    // The drill runs the default runbook's window: activate, push and restore as one step.
    let window = step(&report, "window")["requests"].as_u64().unwrap();
    eprintln!(
        "window: {window} forge requests; preflight: {} requests",
        step(&report, "preflight")["requests"]
    );
    let mut group = c.benchmark_group("latency_50ms");
    group.sample_size(10);
    group.bench_function("exposure_window", |b| {
        b.iter_custom(|n| total(n, |r| r["exposure_millis"].as_u64().unwrap()))
    });
    group.bench_function("preflight", |b| {
        b.iter_custom(|n| total(n, |r| step(r, "preflight")["millis"].as_u64().unwrap()))
    });
    group.finish();
}

criterion_group!(benches, bench_window);
criterion_main!(benches);
