//! Throughput of `Analyzer::analyze` on 4 KB, 64 KB and 1 MB captures.
//!
//! Run: `cargo bench -p memo-core --bench analyze`.

mod input;

use std::hint::black_box;

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use memo_core::{Analyzer, CaptureInput};
use serde_json::json;

fn analyze(c: &mut Criterion) {
    let analyzer = Analyzer::new();
    let metadata = json!({"url": "https://chatgpt.com/c/6750a1b2", "messageCount": 4});
    let tags = vec!["work".to_owned()];
    let captured_at = Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap();
    let mut group = c.benchmark_group("analyze");
    for (label, size) in [("4KB", 4 << 10), ("64KB", 64 << 10), ("1MB", 1 << 20)] {
        let content = input::input(size);
        group.throughput(Throughput::Bytes(content.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(label), &content, |b, content| {
            b.iter(|| {
                analyzer.analyze(black_box(&CaptureInput {
                    content,
                    source: Some("chatgpt-extension-v2"),
                    title: None,
                    tags: &tags,
                    metadata: Some(&metadata),
                    captured_at,
                }))
            })
        });
    }
    group.finish();
}

fn analyzer_new(c: &mut Criterion) {
    c.bench_function("analyzer_new", |b| b.iter(Analyzer::new));
}

criterion_group!(benches, analyze, analyzer_new);
criterion_main!(benches);
