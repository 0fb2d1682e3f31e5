//! The golden corpus: realistic captures in `tests/golden/*.capture`, each
//! with the title, kind and tags a careful person would give it.
//!
//! A case file is a header of `key: value` lines, a `---` line, then the
//! content verbatim. Input keys: `source`, `title`, `tags` (comma-separated),
//! `metadata` (one line of JSON), `captured_at` (RFC 3339, default
//! 2026-11-03T09:30:00Z). Expectations: `expect_title`, `expect_kind`,
//! `expect_tags` (comma-separated, in order).
//!
//! `GOLDEN_SHOW=1 cargo test -p memo-core --test golden -- --nocapture`
//! prints what the analyzer gives for every case, for review. Expectations
//! are edited by hand, never regenerated.

use std::fs;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use memo_core::{Analysis, Analyzer, CaptureInput};
use serde_json::Value;

const DEFAULT_CAPTURED_AT: &str = "2026-11-03T09:30:00Z";

struct Case {
    name: String,
    source: Option<String>,
    title: Option<String>,
    tags: Vec<String>,
    metadata: Option<Value>,
    captured_at: DateTime<Utc>,
    content: String,
    expect_title: String,
    expect_kind: String,
    expect_tags: Vec<String>,
}

fn list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

fn parse_case(path: &Path) -> Result<Case, String> {
    let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let (header, content) = text.split_once("\n---\n").ok_or("missing the `---` line between header and content")?;
    let mut case = Case {
        name: path.file_stem().unwrap_or_default().to_string_lossy().into_owned(),
        source: None,
        title: None,
        tags: Vec::new(),
        metadata: None,
        captured_at: DEFAULT_CAPTURED_AT.parse().map_err(|e| format!("{e}"))?,
        content: content.strip_suffix('\n').unwrap_or(content).to_owned(),
        expect_title: String::new(),
        expect_kind: String::new(),
        expect_tags: Vec::new(),
    };
    for line in header.lines() {
        let (key, value) = line.split_once(':').ok_or_else(|| format!("bad header line {line:?}"))?;
        let value = value.trim_start_matches(' ');
        match key {
            "source" => case.source = Some(value.to_owned()),
            "title" => case.title = Some(value.to_owned()),
            "tags" => case.tags = list(value),
            "metadata" => case.metadata = Some(serde_json::from_str(value).map_err(|e| format!("metadata: {e}"))?),
            "captured_at" => case.captured_at = value.parse().map_err(|e| format!("captured_at: {e}"))?,
            "expect_title" => case.expect_title = value.to_owned(),
            "expect_kind" => case.expect_kind = value.to_owned(),
            "expect_tags" => case.expect_tags = list(value),
            other => return Err(format!("unknown header key {other:?}")),
        }
    }
    Ok(case)
}

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/golden exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "capture"))
        .collect();
    paths.sort();
    paths
}

fn analyze(analyzer: &Analyzer, case: &Case) -> Analysis {
    analyzer.analyze(&CaptureInput {
        content: &case.content,
        source: case.source.as_deref(),
        title: case.title.as_deref(),
        tags: &case.tags,
        metadata: case.metadata.as_ref(),
        captured_at: case.captured_at,
    })
}

#[test]
fn golden_corpus() {
    let analyzer = Analyzer::new();
    let show = std::env::var_os("GOLDEN_SHOW").is_some();
    let paths = cases();
    assert!(paths.len() >= 40, "the corpus has {} cases, want at least 40", paths.len());
    let mut failures = Vec::new();
    for path in &paths {
        let case = match parse_case(path) {
            Ok(case) => case,
            Err(error) => {
                failures.push(format!("{}: {error}", path.display()));
                continue;
            }
        };
        let got = analyze(&analyzer, &case);
        if show {
            println!(
                "== {}\nexpect_title: {}\nexpect_kind: {}\nexpect_tags: {}\n",
                case.name,
                got.title,
                got.kind.as_str(),
                got.tags.join(", ")
            );
        }
        let mut wrong = Vec::new();
        if got.title != case.expect_title {
            wrong.push(format!("  title: want {:?}\n         got  {:?}", case.expect_title, got.title));
        }
        if got.kind.as_str() != case.expect_kind {
            wrong.push(format!("  kind:  want {}\n         got  {}", case.expect_kind, got.kind.as_str()));
        }
        if got.tags != case.expect_tags {
            wrong.push(format!("  tags:  want {}\n         got  {}", case.expect_tags.join(", "), got.tags.join(", ")));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}\n{}", case.name, wrong.join("\n")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}
