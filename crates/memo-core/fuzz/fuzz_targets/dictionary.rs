//! Arbitrary text as an extra dictionary: loading it returns an error or an
//! analyzer that works, never a panic.

#![no_main]

use chrono::DateTime;
use libfuzzer_sys::fuzz_target;
use memo_core::{Analyzer, CaptureInput};

const SAMPLE: &str = "User: How do I tune a Postgres query planner?\nAssistant: Run EXPLAIN ANALYZE first.\n```sql\nexplain analyze select 1;\n```";

fuzz_target!(|toml: &str| {
    if let Ok(analyzer) = Analyzer::with_extra_dictionary(toml) {
        let analysis = analyzer.analyze(&CaptureInput {
            content: SAMPLE,
            source: Some("chatgpt-extension-v2"),
            title: None,
            tags: &[],
            metadata: None,
            captured_at: DateTime::default(),
        });
        assert!(!analysis.title.is_empty());
    }
});
