//! One newtype per input field, each with the only constructor that checks it.

use crate::error::FieldError;
use crate::limits::Limits;
use serde_json::Value;

/// Postgres `text` and `jsonb` cannot hold U+0000; reject it up front so it
/// can never turn into a database error.
fn reject_nul(field: &str, text: &str) -> Result<(), FieldError> {
    if text.contains('\0') {
        return Err(FieldError::new(field, format!("{field} must not contain NUL (U+0000) characters")));
    }
    Ok(())
}

fn expect_string(field: &str, value: Value) -> Result<String, FieldError> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(FieldError::new(field, format!("{field} must be a string"))),
    }
}

/// The captured text: non-blank, at most `max_content_bytes` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content(String);

impl Content {
    pub fn parse(value: Option<Value>, limits: &Limits) -> Result<Content, FieldError> {
        let value = value.ok_or_else(|| FieldError::new("content", "content is required"))?;
        let text = expect_string("content", value)?;
        if text.trim().is_empty() {
            return Err(FieldError::new("content", "content must not be empty"));
        }
        if text.len() > limits.max_content_bytes {
            return Err(FieldError::new(
                "content",
                format!(
                    "content is {} bytes; the limit is {} bytes (MAX_CONTENT_BYTES)",
                    text.len(),
                    limits.max_content_bytes
                ),
            ));
        }
        reject_nul("content", &text)?;
        Ok(Content(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A title the user chose: trimmed, whitespace folded, 1..=`max_title_chars`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(value: Value, limits: &Limits) -> Result<Title, FieldError> {
        let text = expect_string("title", value)?;
        reject_nul("title", &text)?;
        let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            return Err(FieldError::new("title", "title must not be empty"));
        }
        let chars = folded.chars().count();
        if chars > limits.max_title_chars {
            return Err(FieldError::new(
                "title",
                format!("title is {chars} characters; the limit is {} (MAX_TITLE_CHARS)", limits.max_title_chars),
            ));
        }
        Ok(Title(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Tags the user gave: normalised to lowercase kebab-case, de-duplicated in
/// order, at most `max_tags` of at most `max_tag_chars` characters each.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tags(Vec<String>);

impl Tags {
    pub fn parse(value: Value, limits: &Limits) -> Result<Tags, FieldError> {
        let items = match value {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            _ => return Err(FieldError::new("tags", "tags must be an array of strings")),
        };
        if items.len() > limits.max_tags {
            return Err(FieldError::new(
                "tags",
                format!("{} tags given; the limit is {} (MAX_TAGS)", items.len(), limits.max_tags),
            ));
        }
        let mut tags: Vec<String> = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let field = format!("tags[{index}]");
            let tag = normalise_tag(&expect_string(&field, item)?);
            if tag.is_empty() {
                return Err(FieldError::new(field, "a tag must contain a letter or a digit"));
            }
            let chars = tag.chars().count();
            if chars > limits.max_tag_chars {
                return Err(FieldError::new(
                    field,
                    format!("tag is {chars} characters; the limit is {} (MAX_TAG_CHARS)", limits.max_tag_chars),
                ));
            }
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        Ok(Tags(tags))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0
    }
}

/// memo-core's tag rule (`C++` is `cpp`, as memo-core tags content), uncut:
/// a user tag that is too long is refused, not shortened.
pub use memo_core::normalize_tag_uncut as normalise_tag;

/// Where a capture came from (`chatgpt-extension-v2`, `cli`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source(String);

impl Source {
    pub fn parse(value: Value, limits: &Limits) -> Result<Option<Source>, FieldError> {
        if value.is_null() {
            return Ok(None);
        }
        let text = expect_string("source", value)?;
        reject_nul("source", &text)?;
        let text = text.trim();
        let chars = text.chars().count();
        if chars > limits.max_source_chars {
            return Err(FieldError::new(
                "source",
                format!("source is {chars} characters; the limit is {} (MAX_SOURCE_CHARS)", limits.max_source_chars),
            ));
        }
        Ok((!text.is_empty()).then(|| Source(text.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute http(s) URL, at most `max_url_chars` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUrl(String);

impl PageUrl {
    pub fn parse(field: &str, text: &str, limits: &Limits) -> Result<PageUrl, FieldError> {
        let text = text.trim();
        reject_nul(field, text)?;
        let lower = text.to_ascii_lowercase();
        let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
        let host_present = rest.is_some_and(|r| r.split(['/', '?', '#']).next().is_some_and(|h| !h.is_empty()));
        if !host_present || text.chars().any(char::is_whitespace) {
            return Err(FieldError::new(field, format!("{field} must be an absolute http or https URL")));
        }
        if text.chars().count() > limits.max_url_chars {
            return Err(FieldError::new(
                field,
                format!("{field} is longer than {} characters (MAX_URL_CHARS)", limits.max_url_chars),
            ));
        }
        Ok(PageUrl(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A JSON object of at most `max_metadata_bytes` serialised bytes and
/// `max_metadata_depth` levels, with no NUL characters anywhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata(Value);

impl Default for Metadata {
    fn default() -> Self {
        Metadata(Value::Object(Default::default()))
    }
}

impl Metadata {
    pub fn parse(value: Value, limits: &Limits) -> Result<Metadata, FieldError> {
        match value {
            Value::Null => return Ok(Metadata::default()),
            Value::Object(_) => {}
            _ => return Err(FieldError::new("metadata", "metadata must be a JSON object")),
        }
        let depth = depth_checked(&value, limits.max_metadata_depth)?;
        debug_assert!(depth <= limits.max_metadata_depth);
        let size = serde_json::to_vec(&value).map(|v| v.len()).unwrap_or(usize::MAX);
        if size > limits.max_metadata_bytes {
            return Err(FieldError::new(
                "metadata",
                format!("metadata is {size} bytes; the limit is {} (MAX_METADATA_BYTES)", limits.max_metadata_bytes),
            ));
        }
        Ok(Metadata(value))
    }

    pub fn as_value(&self) -> &Value {
        &self.0
    }

    /// A string member, if present and a non-blank string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    }
}

/// Depth of a JSON value (a scalar is 0), failing as soon as it passes `max`;
/// also rejects NUL in keys and strings. Iterative, so hostile nesting cannot
/// exhaust the stack.
fn depth_checked(root: &Value, max: usize) -> Result<usize, FieldError> {
    let mut deepest = 0;
    let mut stack = vec![(root, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if depth > max {
            return Err(FieldError::new(
                "metadata",
                format!("metadata is nested deeper than {max} levels (MAX_METADATA_DEPTH)"),
            ));
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    reject_nul("metadata", key)?;
                    stack.push((child, depth + 1));
                }
            }
            Value::Array(items) => stack.extend(items.iter().map(|child| (child, depth + 1))),
            Value::String(text) => reject_nul("metadata", text)?,
            _ => {}
        }
    }
    Ok(deepest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn content_is_required_non_blank_and_bounded() {
        assert_eq!(Content::parse(None, &limits()).unwrap_err().field, "content");
        assert!(Content::parse(Some(json!("   \n")), &limits()).is_err());
        assert!(Content::parse(Some(json!(42)), &limits()).is_err());
        assert!(Content::parse(Some(json!("a\u{0}b")), &limits()).is_err());
        let big = "x".repeat(limits().max_content_bytes + 1);
        let error = Content::parse(Some(json!(big)), &limits()).unwrap_err();
        assert!(error.message.contains("MAX_CONTENT_BYTES"));
        assert_eq!(Content::parse(Some(json!(" hi ")), &limits()).unwrap().as_str(), " hi ");
    }

    #[test]
    fn titles_fold_whitespace_and_are_bounded() {
        assert_eq!(Title::parse(json!("  a \n b "), &limits()).unwrap().as_str(), "a b");
        assert!(Title::parse(json!(" "), &limits()).is_err());
        assert!(Title::parse(json!("é".repeat(301)), &limits()).is_err());
        assert!(Title::parse(json!("é".repeat(300)), &limits()).is_ok());
    }

    #[test]
    fn tags_normalise_dedupe_and_name_the_bad_one() {
        let tags = Tags::parse(json!(["Rust Lang", "rust-lang", "  C++ ", "Ünïcode_Tag"]), &limits()).unwrap();
        assert_eq!(tags.as_slice(), ["rust-lang", "cpp", "ünïcode-tag"]);
        let error = Tags::parse(json!(["ok", "!!!"]), &limits()).unwrap_err();
        assert_eq!(error.field, "tags[1]");
        let error = Tags::parse(json!(["ok", 3]), &limits()).unwrap_err();
        assert_eq!(error.field, "tags[1]");
        assert!(Tags::parse(json!(vec!["a"; 33]), &limits()).is_err());
        assert!(Tags::parse(json!(["x".repeat(65)]), &limits()).is_err());
        assert!(Tags::parse(json!("rust"), &limits()).is_err());
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(PageUrl::parse("url", "https://chatgpt.com/c/abc", &limits()).is_ok());
        assert!(PageUrl::parse("url", "javascript:alert(1)", &limits()).is_err());
        assert!(PageUrl::parse("url", "https://", &limits()).is_err());
        assert!(PageUrl::parse("url", "http://a b", &limits()).is_err());
    }

    #[test]
    fn metadata_depth_size_and_nul_are_checked() {
        let mut deep = json!("leaf");
        for _ in 0..9 {
            deep = json!({ "k": deep });
        }
        assert!(Metadata::parse(deep, &limits()).unwrap_err().message.contains("MAX_METADATA_DEPTH"));
        let mut ok = json!("leaf");
        for _ in 0..8 {
            ok = json!({ "k": ok });
        }
        assert!(Metadata::parse(ok, &limits()).is_ok());
        assert!(Metadata::parse(json!({ "a": "x".repeat(40_000) }), &limits()).is_err());
        assert!(Metadata::parse(json!({ "a\u{0}": 1 }), &limits()).is_err());
        assert!(Metadata::parse(json!([1]), &limits()).is_err());
        assert_eq!(Metadata::parse(json!(null), &limits()).unwrap(), Metadata::default());
    }

    proptest! {
        #[test]
        fn normalised_tags_are_idempotent_kebab_case(raw in "\\PC{0,80}") {
            let tag = normalise_tag(&raw);
            prop_assert_eq!(normalise_tag(&tag), tag.clone());
            prop_assert!(!tag.starts_with('-') && !tag.ends_with('-'));
            prop_assert!(!tag.contains("--"));
            prop_assert!(tag.chars().all(|c| c == '-' || c.is_alphanumeric() || memo_core::is_combining_mark(c)));
        }

        #[test]
        fn accepted_tags_respect_limits(raw in proptest::collection::vec("\\PC{0,80}", 0..40)) {
            let limits = Limits::default();
            if let Ok(tags) = Tags::parse(json!(raw), &limits) {
                prop_assert!(tags.as_slice().len() <= limits.max_tags);
                for tag in tags.as_slice() {
                    prop_assert!(!tag.is_empty() && tag.chars().count() <= limits.max_tag_chars);
                }
            }
        }

        #[test]
        fn accepted_titles_respect_limits(raw in "\\PC{0,400}") {
            if let Ok(title) = Title::parse(json!(raw), &Limits::default()) {
                prop_assert!(!title.as_str().is_empty());
                prop_assert!(title.as_str().chars().count() <= 300);
                prop_assert_eq!(title.as_str().trim(), title.as_str());
            }
        }
    }
}
