//! Verification throughput of a 1,000,000-event audit log, in events/s and MB/s, next to
//! plain SHA-256 of the same file as a reference, and the peak memory one verification
//! adds (Linux: the resident high-water mark, reset just before it).
//!
//! `cargo bench --bench audit_verify -- --sample-size 10`. Under `cargo test --benches`
//! (no `--bench` argument) it runs once over 1,000 events, to keep it compiling and working.
//! Set `BREAKGLASS_BENCH_LOG=FILE` to keep the generated log there (to time `sha256sum FILE`).

use breakglass::audit::{BulkWriter, NewEntry, verify_file};
use breakglass::clock::FakeClock;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sha2::{Digest, Sha256};
use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;

fn event_count() -> u64 {
    if std::env::args().any(|a| a == "--bench") {
        1_000_000
    } else {
        1_000
    }
}

/// A log shaped like real incidents: ~30 events per incident, typical payload sizes.
fn generate(path: &Path, events: u64) {
    let clock = FakeClock::default_start();
    let mut writer = BulkWriter::create(path, Arc::new(clock.clone())).unwrap();
    for i in 0..events {
        clock.advance(chrono::Duration::milliseconds(250));
        writer
            .append(NewEntry {
                incident: Some(format!("INC-{}", i / 30)),
                actor: "commander".into(),
                kind: "pushed".into(),
                data: serde_json::json!({
                    "repo": "acme/api",
                    "branch": "main",
                    "commit": format!("{:040x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15),
                    "remote": "ok refs/heads/main",
                }),
            })
            .unwrap();
    }
    writer.finish().unwrap();
}

fn bench_verify(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("BREAKGLASS_BENCH_LOG")
        .map_or_else(|| dir.path().join("audit.jsonl"), std::path::PathBuf::from);
    let events = event_count();
    generate(&path, events);
    let bytes = std::fs::metadata(&path).unwrap().len();
    eprintln!(
        "audit_verify: {events} events, {bytes} bytes at {}",
        path.display()
    );

    if let Some(peak) = peak_rss_of(|| verify_file(&path, None).unwrap()) {
        eprintln!("audit_verify: peak resident memory while verifying: {peak} kB");
    }

    let mut group = c.benchmark_group("audit_verify");
    group.throughput(Throughput::Elements(events));
    group.bench_function("events", |b| {
        b.iter(|| black_box(verify_file(&path, None).unwrap()))
    });
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("bytes", |b| {
        b.iter(|| black_box(verify_file(&path, None).unwrap()))
    });
    // Reference: read the same file and hash it once, on one core (what sha256sum does).
    group.bench_function("sha256_whole_file", |b| {
        b.iter(|| black_box(Sha256::digest(std::fs::read(&path).unwrap())))
    });
    group.finish();
}

/// The process's peak resident memory (kB) over `work`, or `None` where Linux's
/// `clear_refs` reset of the high-water mark is not available.
fn peak_rss_of<T>(work: impl FnOnce() -> T) -> Option<u64> {
    std::fs::write("/proc/self/clear_refs", "5").ok()?;
    black_box(work());
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
