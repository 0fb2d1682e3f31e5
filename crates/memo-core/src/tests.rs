//! Unit tests of the analyzer as a whole.

use chrono::TimeZone;
use serde_json::{json, Value};

use super::*;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap()
}

fn analyze(
    content: &str,
    source: Option<&str>,
    title: Option<&str>,
    tags: &[&str],
    metadata: Option<Value>,
) -> Analysis {
    let tags: Vec<String> = tags.iter().map(|t| (*t).to_owned()).collect();
    Analyzer::new().analyze(&CaptureInput {
        content,
        source,
        title,
        tags: &tags,
        metadata: metadata.as_ref(),
        captured_at: at(),
    })
}

#[test]
fn explicit_title_wins() {
    let a = analyze("# Heading\nbody", None, Some("  My   title "), &[], Some(json!({"title": "Meta"})));
    assert_eq!(a.title, "My title");
    let a = analyze("# Heading\nbody", None, None, &[], Some(json!({"title": "Meta title - Claude"})));
    assert_eq!(a.title, "Meta title");
    let a = analyze("# Heading\nbody", None, None, &[], Some(json!({"title": "ChatGPT", "platform": "chatgpt"})));
    assert_eq!(a.title, "Heading");
}

#[test]
fn fallback_titles_use_capture_date() {
    assert_eq!(analyze("", None, None, &[], None).title, "Note · 2026-11-03");
    assert_eq!(analyze("👍", Some("claude-extension"), None, &[], None).title, "Claude conversation · 2026-11-03");
    let page = analyze("", Some("web-clipper"), None, &[], Some(json!({"url": "https://www.example.org/a"})));
    assert_eq!(page.title, "example.org · 2026-11-03");
}

#[test]
fn kind_from_source_host_and_platform() {
    let kind = |source: Option<&str>, metadata: Option<Value>| analyze("text", source, None, &[], metadata).kind;
    assert_eq!(kind(Some("chatgpt-extension-v2"), None), Kind::ChatgptConversation);
    assert_eq!(kind(Some("claude-extension"), None), Kind::ClaudeConversation);
    assert_eq!(kind(None, Some(json!({"url": "https://gemini.google.com/app/1"}))), Kind::GeminiConversation);
    assert_eq!(kind(None, Some(json!({"platform": "Perplexity"}))), Kind::PerplexityConversation);
    assert_eq!(kind(Some("web-clipper"), None), Kind::WebPage);
    assert_eq!(kind(None, Some(json!({"url": "https://example.com"}))), Kind::WebPage);
    assert_eq!(kind(Some("cli"), None), Kind::Note);
    assert_eq!(analyze("User: hi\nAssistant: hello", Some("cli"), None, &[], None).kind, Kind::Conversation);
}

#[test]
fn tags_are_ordered_and_bounded() {
    let content = "```rust\nfn main() {}\n```\nWhy does the borrow checker reject this Rust code?";
    let a = analyze(content, Some("chatgpt-extension"), None, &["Work", "work", "Deep Dive"], None);
    assert_eq!(a.tags[..4], ["work", "deep-dive", "chatgpt", "openai"]);
    assert!(a.tags.contains(&"rust".to_owned()));
    assert!(a.tags.contains(&"lang-rust".to_owned()));
    assert!(a.tags.contains(&"has-code".to_owned()));
    assert_eq!(a.tags.last().map(String::as_str), Some("captured-2026-11"));
    assert!(a.tags.len() <= DEFAULT_MAX_TAGS);
}

#[test]
fn user_tags_are_never_dropped() {
    let user: Vec<String> = (0..20).map(|i| format!("tag{i}")).collect();
    let refs: Vec<&str> = user.iter().map(String::as_str).collect();
    let a = analyze("rust and python", None, None, &refs, None);
    assert_eq!(a.tags, user);
}

#[test]
fn no_substring_matches() {
    let a = analyze("The latest capital figures are in a jsonl file called jsonify.", None, None, &[], None);
    for wrong in ["javascript", "testing", "api", "json"] {
        assert!(!a.tags.contains(&wrong.to_owned()), "{wrong} in {:?}", a.tags);
    }
}

#[test]
fn ambiguous_terms_need_technical_context() {
    let bike = analyze("Remove the rust from the bike chain with vinegar.", None, None, &[], None);
    assert!(!bike.tags.contains(&"rust".to_owned()), "{:?}", bike.tags);
    let code = analyze("Rust ownership and the borrow checker explained.", None, None, &[], None);
    assert!(code.tags.contains(&"rust".to_owned()), "{:?}", code.tags);
}

#[test]
fn keyword_tags_for_unknown_topics() {
    let note = "Sourdough starter hydration notes.\nFeed the sourdough starter daily; hydration at 100% keeps the sourdough starter lively.";
    let a = analyze(note, Some("cli"), None, &[], None);
    assert!(a.tags.contains(&"sourdough-starter".to_owned()), "{:?}", a.tags);
    assert!(a.tags.contains(&"hydration".to_owned()), "{:?}", a.tags);
}

#[test]
fn metadata_rich_content_and_size() {
    let metadata =
        json!({"messageCount": 24, "richContent": {"images": [{"src": "x"}], "codeBlocks": [{"language": "py"}]}});
    let a = analyze("hello", Some("claude-extension"), None, &[], Some(metadata));
    for tag in ["lang-python", "has-code", "has-images", "long-conversation"] {
        assert!(a.tags.contains(&tag.to_owned()), "{tag} missing from {:?}", a.tags);
    }
}

#[test]
fn deterministic() {
    let content = "alpha beta gamma alpha beta gamma delta delta epsilon epsilon zeta zeta";
    let first = analyze(content, None, None, &[], None);
    for _ in 0..5 {
        assert_eq!(analyze(content, None, None, &[], None), first);
    }
}
