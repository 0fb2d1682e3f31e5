//! Property tests: whatever the input, analysis does not panic, gives the
//! same answer twice, and keeps its promises about titles and tags.

use chrono::{DateTime, TimeZone, Utc};
use memo_core::{normalize_tag, Analysis, Analyzer, CaptureInput, Kind, DEFAULT_MAX_TAGS, MAX_TAG_LEN};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

/// Pieces of realistic captures, so generated text exercises headings,
/// fences, role markers, links, scripts and emoji, not only random noise.
const FRAGMENTS: &[&str] = &[
    "You said:\n",
    "ChatGPT said:\n",
    "Human: ",
    "\n\nAssistant: ",
    "**User:** ",
    "## Assistant\n",
    "Q: ",
    "A: ",
    "# Heading\n",
    "### ",
    "```rust\n",
    "```\n",
    "~~~py\n",
    "fn main() {}\n",
    "- item\n",
    "1. step\n",
    "> quote\n",
    "[link](https://example.com)",
    "![img](x.png)",
    "<https://a.b>",
    "https://example.com/path\n",
    "**bold** ",
    "_it_ ",
    "`code` ",
    "snake_case ",
    "C++ ",
    "c# ",
    ".NET ",
    "node.js ",
    "Rust ",
    "rust ",
    "Python ",
    "api ",
    "machine learning ",
    "sourdough starter ",
    "hydration ",
    "Hi! ",
    "Thanks! ",
    "How do I ",
    "? ",
    ". ",
    ", ",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "  ",
    "机器学习",
    "番茄炒蛋",
    "的",
    "コーヒー",
    "の",
    "所有権",
    "مرحبا ",
    "السفر ",
    "Größe ",
    "Übersicht ",
    "é",
    "e\u{301}",
    "👨\u{200d}👩\u{200d}👧",
    "🎉",
    "🇩🇪",
    "\u{200b}",
    "\u{feff}",
    "İ",
    "ß",
    "ǅ",
    "'",
    "’",
    "--",
    "-- ",
    "// ",
    "[",
    "]",
    "(",
    ")",
    "*",
    "_",
    "~",
    "#",
    "+",
    "…",
    "。",
    "？",
];

fn structured_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..60).prop_map(|parts| parts.concat())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![structured_text(), any::<String>(), "\\PC{0,200}"]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Metadata with the keys the extension sends, holding values of any type.
fn metadata() -> impl Strategy<Value = Option<Value>> {
    let urls = prop_oneof![
        Just(json!("https://chatgpt.com/c/1")),
        Just(json!("https://claude.ai/chat/2")),
        Just(json!("http://user@[::1]:80/x")),
        Just(json!("https://a.b.example.co.uk./p?q#f")),
        text().prop_map(Value::String),
        json_value(),
    ];
    let known = (urls, json_value(), json_value(), json_value(), json_value()).prop_map(
        |(url, platform, title, count, rich)| {
            json!({"url": url, "platform": platform, "title": title, "messageCount": count,
                   "richContent": {"images": rich.clone(), "codeBlocks": [{"language": rich}], "artifacts": []}})
        },
    );
    prop::option::of(prop_oneof![known, json_value()])
}

fn source() -> impl Strategy<Value = Option<String>> {
    let known = prop::sample::select(
        &["chatgpt-extension-v2", "claude-extension", "gemini", "perplexity", "web-clipper", "cli", "api", ""][..],
    )
    .prop_map(str::to_owned);
    prop::option::of(prop_oneof![known, text()])
}

fn captured_at() -> impl Strategy<Value = DateTime<Utc>> {
    // 1970 to 9999: four-digit years, as capture times are.
    (0i64..253_402_300_799).prop_map(|secs| Utc.timestamp_opt(secs, 0).single().unwrap_or_default())
}

#[derive(Debug, Clone)]
struct Input {
    content: String,
    source: Option<String>,
    title: Option<String>,
    tags: Vec<String>,
    metadata: Option<Value>,
    captured_at: DateTime<Utc>,
}

fn input() -> impl Strategy<Value = Input> {
    (text(), source(), prop::option::of(text()), prop::collection::vec(text(), 0..20), metadata(), captured_at())
        .prop_map(|(content, source, title, tags, metadata, captured_at)| Input {
            content,
            source,
            title,
            tags,
            metadata,
            captured_at,
        })
}

fn analyze(analyzer: &Analyzer, input: &Input) -> Analysis {
    analyzer.analyze(&CaptureInput {
        content: &input.content,
        source: input.source.as_deref(),
        title: input.title.as_deref(),
        tags: &input.tags,
        metadata: input.metadata.as_ref(),
        captured_at: input.captured_at,
    })
}

fn check_title(analysis: &Analysis, input: &Input) {
    let title = &analysis.title;
    assert!(!title.is_empty());
    assert_eq!(title.trim(), title, "title is trimmed");
    assert!(!title.contains(['\n', '\r']), "title is one line: {title:?}");
    let chars = title.chars().count();
    let has_given_title = input.title.is_some() || input.metadata.as_ref().is_some_and(|m| m.get("title").is_some());
    let limit = if has_given_title { 300 } else { 80 };
    assert!(chars <= limit, "title of {chars} characters: {title:?}");
}

fn check_tags(analysis: &Analysis, input: &Input) {
    let mut user: Vec<String> = Vec::new();
    for tag in input.tags.iter().map(|t| normalize_tag(t)) {
        if !tag.is_empty() && !user.contains(&tag) {
            user.push(tag);
        }
    }
    let tags = &analysis.tags;
    assert_eq!(tags[..user.len()], user[..], "user tags come first, all of them");
    assert!(tags.len() <= DEFAULT_MAX_TAGS.max(user.len()), "{} tags", tags.len());
    for (i, tag) in tags.iter().enumerate() {
        assert!(!tag.is_empty() && tag.len() <= MAX_TAG_LEN, "tag {tag:?}");
        assert_eq!(&normalize_tag(tag), tag, "tag is normalised");
        assert!(!tags[..i].contains(tag), "tag {tag:?} repeated");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn analysis_keeps_its_promises(input in input()) {
        let analyzer = Analyzer::new();
        let first = analyze(&analyzer, &input);
        check_title(&first, &input);
        check_tags(&first, &input);
        prop_assert!(Kind::ALL.contains(&first.kind));
        prop_assert_eq!(&analyze(&analyzer, &input), &first, "deterministic");
        prop_assert_eq!(&analyze(&Analyzer::new(), &input), &first, "independent of the instance");
    }

    #[test]
    fn normalize_tag_is_idempotent(raw in text()) {
        let once = normalize_tag(&raw);
        prop_assert_eq!(normalize_tag(&once), once.clone());
        prop_assert!(once.len() <= MAX_TAG_LEN);
        prop_assert!(!once.starts_with('-') && !once.ends_with('-') && !once.contains("--"));
    }

    #[test]
    fn extra_dictionaries_never_panic(toml in prop_oneof![any::<String>(), dictionary_text()], content in text()) {
        if let Ok(analyzer) = Analyzer::with_extra_dictionary(&toml) {
            let input = Input {
                content,
                source: None,
                title: None,
                tags: Vec::new(),
                metadata: None,
                captured_at: DateTime::default(),
            };
            check_tags(&analyze(&analyzer, &input), &input);
        }
    }
}

fn dictionary_text() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        "[tags.x]\n",
        "[tags.\"c++\"]\n",
        "[platforms.p]\n",
        "[platforms.chatgpt]\n",
        "[languages.aliases]\n",
        "[stop_words]\n",
        "[generic_words]\n",
        "terms = [\"a\", \"b c\", \"机器\"]\n",
        "ambiguous = ['x']\n",
        "min_hits = 2\n",
        "min_hits = 0\n",
        "technical = true\n",
        "kind = \"conversation\"\n",
        "kind = \"bogus\"\n",
        "hosts = [\"x.com\"]\n",
        "tags = [\"T A G\"]\n",
        "rs = \"rust\"\n",
        "en = [\"the\"]\n",
        "# c\n",
        "=",
        "\"",
        "[",
        "]",
        "\n",
        "x = 1",
        "y = [",
        ",",
        "\\u00e9",
        "'''",
        "{",
    ];
    prop::collection::vec(prop::sample::select(PIECES), 0..30).prop_map(|p| p.concat())
}
