//! Which conversation a capture belongs to, so that capturing a chat again as
//! it grows updates one memory instead of adding another.

use super::fields::{normalise_tag, Metadata, PageUrl, Source};
use serde_json::Value;

/// `platform:id`, e.g. `chatgpt:6761c2f7-…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationKey(String);

/// Chat URLs that name a conversation: host, then the path segment after
/// which the conversation id follows.
const CHAT_URLS: &[(&str, &str, &str)] = &[
    ("chatgpt.com", "c", "chatgpt"),
    ("chat.openai.com", "c", "chatgpt"),
    ("claude.ai", "chat", "claude"),
    ("gemini.google.com", "app", "gemini"),
    ("www.perplexity.ai", "search", "perplexity"),
    ("perplexity.ai", "search", "perplexity"),
    ("copilot.microsoft.com", "chats", "copilot"),
    ("chat.mistral.ai", "chat", "mistral"),
    ("grok.com", "chat", "grok"),
    ("chat.deepseek.com", "s", "deepseek"),
];

/// Platforms recognised by name in `metadata.platform` or in `source`.
const PLATFORM_NAMES: &[&str] =
    &["chatgpt", "claude", "gemini", "perplexity", "copilot", "mistral", "grok", "deepseek"];

const MAX_ID_CHARS: usize = 200;

impl ConversationKey {
    /// From the page URL when it is a known chat URL (the most reliable
    /// source), else from `metadata.conversation_id` with the platform named
    /// by `metadata.platform` or `source`.
    pub fn of(metadata: &Metadata, url: Option<&PageUrl>, source: Option<&Source>) -> Option<ConversationKey> {
        if let Some(key) = url.and_then(|u| from_chat_url(u.as_str())) {
            return Some(key);
        }
        let id = match metadata.as_value().get("conversation_id")? {
            Value::String(text) => text.trim().to_owned(),
            Value::Number(number) => number.to_string(),
            _ => return None,
        };
        if id.is_empty() || id.chars().count() > MAX_ID_CHARS {
            return None;
        }
        let platform = metadata
            .str("platform")
            .map(normalise_tag)
            .filter(|p| !p.is_empty())
            .or_else(|| source.and_then(|s| platform_in(s.as_str())))
            .unwrap_or_else(|| "unknown".to_owned());
        Some(ConversationKey(format!("{platform}:{id}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn platform_in(source: &str) -> Option<String> {
    let source = source.to_ascii_lowercase();
    PLATFORM_NAMES.iter().find(|name| source.contains(*name)).map(|name| (*name).to_owned())
}

fn from_chat_url(url: &str) -> Option<ConversationKey> {
    let rest = url.split_once("://")?.1;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.split(':').next()?.to_ascii_lowercase();
    let (_, marker, platform) = CHAT_URLS.iter().find(|(known, _, _)| *known == host)?;
    let path = path.split(['?', '#']).next()?;
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    segments.by_ref().find(|segment| segment == marker)?;
    let id = segments.next().filter(|id| is_conversation_id(id))?;
    Some(ConversationKey(format!("{platform}:{id}")))
}

fn is_conversation_id(id: &str) -> bool {
    (4..=MAX_ID_CHARS).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use serde_json::json;

    fn key(metadata: Value, url: Option<&str>, source: Option<&str>) -> Option<String> {
        let limits = Limits::default();
        let metadata = Metadata::parse(metadata, &limits).unwrap();
        let url = url.map(|u| PageUrl::parse("url", u, &limits).unwrap());
        let source = source.and_then(|s| Source::parse(json!(s), &limits).unwrap());
        ConversationKey::of(&metadata, url.as_ref(), source.as_ref()).map(|k| k.as_str().to_owned())
    }

    #[test]
    fn chat_urls_name_their_conversation() {
        let cases = [
            (
                "https://chatgpt.com/c/6761c2f7-aa10-8000-9d2b-1c3e5f7a9b0d",
                "chatgpt:6761c2f7-aa10-8000-9d2b-1c3e5f7a9b0d",
            ),
            ("https://chatgpt.com/g/g-abc123-helper/c/abcd-1234?model=x", "chatgpt:abcd-1234"),
            (
                "https://claude.ai/chat/0f9e8d7c-1234-4abc-9def-001122334455",
                "claude:0f9e8d7c-1234-4abc-9def-001122334455",
            ),
            ("https://gemini.google.com/app/7a1b2c3d4e5f", "gemini:7a1b2c3d4e5f"),
            ("https://www.perplexity.ai/search/how-to-x-Ab1_cd2", "perplexity:how-to-x-Ab1_cd2"),
        ];
        for (url, expected) in cases {
            assert_eq!(key(json!({}), Some(url), None).as_deref(), Some(expected), "{url}");
        }
    }

    #[test]
    fn other_urls_name_none() {
        assert_eq!(key(json!({}), Some("https://chatgpt.com/"), None), None);
        assert_eq!(key(json!({}), Some("https://example.com/c/123456"), None), None);
        assert_eq!(key(json!({}), Some("https://claude.ai/chat/"), None), None);
    }

    #[test]
    fn metadata_id_with_platform_or_source() {
        assert_eq!(
            key(json!({"conversation_id": "c1", "platform": "ChatGPT"}), None, None).as_deref(),
            Some("chatgpt:c1")
        );
        assert_eq!(key(json!({"conversation_id": "c1"}), None, Some("claude-extension")).as_deref(), Some("claude:c1"));
        assert_eq!(key(json!({"conversation_id": 42}), None, None).as_deref(), Some("unknown:42"));
        assert_eq!(key(json!({"conversation_id": "  "}), None, None), None);
        assert_eq!(key(json!({"conversation_id": null}), None, None), None);
    }

    #[test]
    fn url_wins_over_metadata() {
        let found = key(
            json!({"conversation_id": "other", "platform": "ChatGPT"}),
            Some("https://claude.ai/chat/abcdef"),
            None,
        );
        assert_eq!(found.as_deref(), Some("claude:abcdef"));
    }
}
