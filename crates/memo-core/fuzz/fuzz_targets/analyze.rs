//! Arbitrary captures, up to the fuzzer's input size (run with
//! `-max_len=1048576` for 1 MB), must analyse without panicking and keep the
//! output invariants.

#![no_main]

use chrono::DateTime;
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use memo_core::{normalize_tag, Analyzer, CaptureInput, DEFAULT_MAX_TAGS, MAX_TAG_LEN};
use serde_json::Value;

#[derive(Arbitrary, Debug)]
struct Capture<'a> {
    source: Option<&'a str>,
    title: Option<&'a str>,
    tags: Vec<&'a str>,
    /// Parsed as JSON when it is JSON, else sent as a JSON string.
    metadata: Option<&'a str>,
    captured_at_seconds: i64,
    /// Last, so that it takes the rest of the input.
    content: &'a str,
}

fuzz_target!(|capture: Capture<'_>| {
    let tags: Vec<String> = capture.tags.iter().map(|t| (*t).to_owned()).collect();
    let metadata = capture.metadata.map(|m| serde_json::from_str(m).unwrap_or_else(|_| Value::String(m.to_owned())));
    let captured_at = DateTime::from_timestamp(capture.captured_at_seconds, 0).unwrap_or_default();
    let input = CaptureInput {
        content: capture.content,
        source: capture.source,
        title: capture.title,
        tags: &tags,
        metadata: metadata.as_ref(),
        captured_at,
    };
    let analysis = Analyzer::new().analyze(&input);

    assert!(!analysis.title.is_empty());
    assert!(analysis.title.chars().count() <= 300);
    assert!(!analysis.title.contains('\n'));
    let mut user: Vec<String> = Vec::new();
    for tag in tags.iter().map(|t| normalize_tag(t)) {
        if !tag.is_empty() && !user.contains(&tag) {
            user.push(tag);
        }
    }
    assert_eq!(analysis.tags[..user.len()], user[..]);
    assert!(analysis.tags.len() <= DEFAULT_MAX_TAGS.max(user.len()));
    for (i, tag) in analysis.tags.iter().enumerate() {
        assert!(!tag.is_empty() && tag.len() <= MAX_TAG_LEN);
        assert_eq!(&normalize_tag(tag), tag);
        assert!(!analysis.tags[..i].contains(tag));
    }
    assert_eq!(Analyzer::new().analyze(&input), analysis, "deterministic");
});
