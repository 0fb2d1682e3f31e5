//! Throughput of `Analyzer::analyze` on 4 KB, 64 KB and 1 MB captures.
//!
//! Run: `cargo bench -p memo-core --bench analyze`.
//!
//! On a shared machine, wall time counts the time other processes hold the
//! CPU. With `MEMO_BENCH_CPU_TIME=1` (Linux) the bench times the CPU time of
//! its own thread instead (`CLOCK_THREAD_CPUTIME_ID`).

mod input;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use memo_core::Analyzer;

/// Nanoseconds this thread has run on a CPU.
#[cfg(target_os = "linux")]
fn thread_cpu_nanos() -> Option<u64> {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    let nanos = u64::try_from(now.tv_sec).ok()? * 1_000_000_000 + u64::try_from(now.tv_nsec).ok()?;
    (status == 0).then_some(nanos)
}

#[cfg(not(target_os = "linux"))]
fn thread_cpu_nanos() -> Option<u64> {
    None
}

/// Runs `routine` `iterations` times and returns the time it took: the
/// thread's CPU time when asked for and available, else wall time.
fn timed(iterations: u64, mut routine: impl FnMut()) -> Duration {
    let cpu_time = std::env::var_os("MEMO_BENCH_CPU_TIME").is_some();
    let wall = Instant::now();
    let cpu = if cpu_time { thread_cpu_nanos() } else { None };
    for _ in 0..iterations {
        routine();
    }
    match (cpu, thread_cpu_nanos().filter(|_| cpu_time)) {
        (Some(start), Some(end)) => Duration::from_nanos(end.saturating_sub(start)),
        _ => wall.elapsed(),
    }
}

fn analyze(c: &mut Criterion) {
    let analyzer = Analyzer::new();
    let extras = input::Extras::default();
    let mut group = c.benchmark_group("analyze");
    for (label, size) in [("4KB", 4 << 10), ("64KB", 64 << 10), ("1MB", 1 << 20)] {
        let content = input::input(size);
        let capture = extras.capture(&content);
        group.throughput(Throughput::Bytes(content.len() as u64));
        group.bench_function(BenchmarkId::from_parameter(label), |b| {
            b.iter_custom(|iterations| {
                timed(iterations, || {
                    black_box(analyzer.analyze(black_box(&capture)));
                })
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
