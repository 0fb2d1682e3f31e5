//! Inputs crafted against each part of the analyzer (brackets for the link
//! parser, endless greetings, thousands of fences or role markers, one huge
//! token, ...) take time linear in their size: growing one eightfold must not
//! cost anywhere near the 64-fold a quadratic step would.
//!
//! Times are the thread's CPU time where available (Linux), so that a busy
//! machine does not fail the test.

use std::time::Instant;

use chrono::DateTime;
use memo_core::{Analyzer, CaptureInput};
use serde_json::json;

const SMALL: usize = 8 << 10;
const LARGE: usize = 64 << 10;
/// Linear growth gives 8; allow for noise, reject quadratic behaviour.
const MAX_RATIO: f64 = 24.0;

fn repeat_to(unit: &str, size: usize) -> String {
    let mut text = unit.repeat(size / unit.len().max(1) + 1);
    let mut end = size.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text
}

fn distinct_words(size: usize) -> String {
    let mut text = String::with_capacity(size + 16);
    let mut n = 0u64;
    while text.len() < size {
        text.push_str(&format!("w{n:x}q "));
        n = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    }
    text
}

fn cjk_pairs(size: usize) -> String {
    let mut text = String::with_capacity(size + 8);
    let mut c = 0x4E00u32;
    while text.len() < size {
        text.push(char::from_u32(c).unwrap_or('字'));
        c = 0x4E00 + (c * 31 + 7) % 0x5000;
    }
    text
}

/// Seconds of CPU time this thread has used, or of wall time elsewhere.
fn now() -> f64 {
    #[cfg(target_os = "linux")]
    {
        let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `now` is a valid, writable timespec for the call's duration.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) } == 0 {
            return now.tv_sec as f64 + now.tv_nsec as f64 * 1e-9;
        }
    }
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// The best of three runs, in seconds, of one analysis.
fn time(analyzer: &Analyzer, content: &str, title: Option<&str>, tags: &[String]) -> f64 {
    let metadata = json!({"url": "https://example.com/a", "richContent": {"codeBlocks": [{"language": "rust"}]}});
    (0..3)
        .map(|_| {
            let start = now();
            std::hint::black_box(analyzer.analyze(&CaptureInput {
                content,
                source: Some("web-clipper"),
                title,
                tags,
                metadata: Some(&metadata),
                captured_at: DateTime::default(),
            }));
            now() - start
        })
        .fold(f64::INFINITY, f64::min)
        .max(1e-4)
}

#[test]
fn adversarial_inputs_take_linear_time() {
    let analyzer = Analyzer::new();
    let units = [
        "[",
        "![",
        "[a](",
        "<http",
        "hi! ",
        "Hi, hello! ",
        "#",
        "# ",
        "```x\n",
        "```\n",
        "~~~~\n",
        "User: a\n",
        "Assistant: b\n",
        "**",
        "*_",
        "a-",
        "a.",
        "c++",
        "'",
        "a",
        "a ",
        "\n",
        ". ",
        "?",
        "🎉",
        "👨\u{200d}👩\u{200d}👧",
        "e\u{301}",
        "机器学习",
        "の",
        "コーヒー",
        "- [x] ",
        "> ",
        "1. ",
        "-- ",
        "http://x.y/ ",
        "rust ",
        "machine learning ",
    ];
    let mut report = Vec::new();
    let mut check = |name: &str, small: f64, large: f64| {
        let ratio = large / small;
        report.push(format!("{name:>28}: {:>8.2} ms → {:>8.2} ms (×{ratio:.1})", small * 1e3, large * 1e3));
        assert!(ratio < MAX_RATIO, "{name}: ×{ratio:.1} from {SMALL} to {LARGE} bytes");
    };
    for unit in units {
        let (small, large) = (repeat_to(unit, SMALL), repeat_to(unit, LARGE));
        check(&format!("{unit:?} as content"), time(&analyzer, &small, None, &[]), time(&analyzer, &large, None, &[]));
        check(
            &format!("{unit:?} as title"),
            time(&analyzer, "", Some(&small), &[]),
            time(&analyzer, "", Some(&large), &[]),
        );
    }
    let (small, large) = (distinct_words(SMALL), distinct_words(LARGE));
    check("distinct words", time(&analyzer, &small, None, &[]), time(&analyzer, &large, None, &[]));
    let (small, large) = (cjk_pairs(SMALL), cjk_pairs(LARGE));
    check("distinct Han pairs", time(&analyzer, &small, None, &[]), time(&analyzer, &large, None, &[]));
    let tags = |n: usize| (0..n).map(|i| format!("tag {i}")).collect::<Vec<_>>();
    let (small, large) = (tags(SMALL / 16), tags(LARGE / 16));
    check("many user tags", time(&analyzer, "x", None, &small), time(&analyzer, "x", None, &large));
    println!("{}", report.join("\n"));
}
