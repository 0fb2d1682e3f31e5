//! The first step of a capture: its request body (`POST /v1/memories`,
//! `POST /memory`, a batch item, the MCP tool `memo_save`) parsed into a
//! [`NewMemory`]. Unknown members are ignored so older and newer extensions
//! keep working. Next, `prepare` gives it memo-core's title, kind and tags;
//! the handler (`routes::memories::store_capture` in the worker) stores it.

use super::conversation::ConversationKey;
use super::fields::{Content, Metadata, PageUrl, Source, Tags, Title};
use crate::error::FieldError;
use crate::limits::Limits;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct NewMemory {
    pub content: Content,
    pub source: Option<Source>,
    pub title: Option<Title>,
    pub tags: Tags,
    pub metadata: Metadata,
    pub url: Option<PageUrl>,
    pub captured_at: Option<DateTime<Utc>>,
    /// Set when the capture is (a new state of) a known conversation.
    pub conversation: Option<ConversationKey>,
}

impl NewMemory {
    pub fn parse(mut body: Map<String, Value>, limits: &Limits) -> Result<NewMemory, FieldError> {
        let content = Content::parse(body.remove("content"), limits)?;
        let source = body.remove("source").map(|v| Source::parse(v, limits)).transpose()?.flatten();
        let title = match body.remove("title") {
            None | Some(Value::Null) => None,
            Some(value) => Some(Title::parse(value, limits)?),
        };
        let tags = body.remove("tags").map(|v| Tags::parse(v, limits)).transpose()?.unwrap_or_default();
        let metadata = body.remove("metadata").map(|v| Metadata::parse(v, limits)).transpose()?.unwrap_or_default();
        let url = match body.remove("url") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(PageUrl::parse("url", &text, limits)?),
            Some(_) => return Err(FieldError::new("url", "url must be a string")),
        }
        // Extensions put the page address in metadata; a malformed one there
        // is kept in metadata but not promoted to the memory's url.
        .or_else(|| metadata.str("url").and_then(|text| PageUrl::parse("metadata.url", text, limits).ok()));
        let captured_at = match body.remove("captured_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(parse_timestamp("captured_at", &text)?),
            Some(_) => return Err(FieldError::new("captured_at", "captured_at must be an RFC 3339 timestamp string")),
        };
        let conversation = ConversationKey::of(&metadata, url.as_ref(), source.as_ref());
        Ok(NewMemory { content, source, title, tags, metadata, url, captured_at, conversation })
    }
}

pub fn parse_timestamp(field: &str, text: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        FieldError::new(field, format!("{field} must be an RFC 3339 timestamp such as 2026-11-26T14:00:00Z"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<NewMemory, FieldError> {
        let Value::Object(map) = body else { panic!("test bodies are objects") };
        NewMemory::parse(map, &Limits::default())
    }

    #[test]
    fn memorylane_payload_parses() {
        let memory = parse(json!({
            "content": "Human: hi\nAssistant: hello",
            "source": "chatgpt-extension-v2",
            "metadata": {
                "url": "https://chatgpt.com/c/abc",
                "platform": "ChatGPT",
                "conversation_id": "abc",
                "captureMethod": "manual",
                "richContent": {"images": [], "codeBlocks": [{"language": "rust"}], "artifacts": []},
                "messageCount": 2
            }
        }))
        .unwrap();
        assert_eq!(memory.url.unwrap().as_str(), "https://chatgpt.com/c/abc");
        assert_eq!(memory.conversation.unwrap().as_str(), "chatgpt:abc");
        assert_eq!(memory.source.unwrap().as_str(), "chatgpt-extension-v2");
        assert_eq!(memory.metadata.str("platform"), Some("ChatGPT"));
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(parse(json!({})).unwrap_err().field, "content");
        assert_eq!(parse(json!({"content": "x", "title": 1})).unwrap_err().field, "title");
        assert_eq!(parse(json!({"content": "x", "source": []})).unwrap_err().field, "source");
        assert_eq!(parse(json!({"content": "x", "metadata": "m"})).unwrap_err().field, "metadata");
        assert_eq!(parse(json!({"content": "x", "url": "ftp://x"})).unwrap_err().field, "url");
        assert_eq!(parse(json!({"content": "x", "captured_at": "yesterday"})).unwrap_err().field, "captured_at");
        assert_eq!(parse(json!({"content": "x", "tags": ["a", ""]})).unwrap_err().field, "tags[1]");
    }

    #[test]
    fn malformed_metadata_url_is_not_promoted() {
        let memory = parse(json!({"content": "x", "metadata": {"url": "not a url"}})).unwrap();
        assert!(memory.url.is_none());
        assert_eq!(memory.metadata.str("url"), Some("not a url"));
    }

    #[test]
    fn captured_at_is_normalised_to_utc() {
        let memory = parse(json!({"content": "x", "captured_at": "2026-11-26T15:00:00+01:00"})).unwrap();
        assert_eq!(memory.captured_at.unwrap().to_rfc3339(), "2026-11-26T14:00:00+00:00");
    }
}
