//! The metadata fields the capture clients send, read leniently: a field of
//! an unexpected type is treated as absent.

use serde_json::Value;

/// The fields of capture metadata that analysis uses.
#[derive(Debug, Default)]
pub(crate) struct Metadata<'a> {
    pub url: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub title: Option<&'a str>,
    pub message_count: Option<u64>,
    /// `richContent.codeBlocks[].language`, in order.
    pub code_languages: Vec<&'a str>,
    pub code_blocks: bool,
    pub images: bool,
    pub artifacts: bool,
}

impl<'a> Metadata<'a> {
    pub fn from_value(value: Option<&'a Value>) -> Metadata<'a> {
        let Some(Value::Object(map)) = value else {
            return Metadata::default();
        };
        let text = |key: &str| map.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let rich = map.get("richContent").or_else(|| map.get("rich_content"));
        let rich_field = |key: &str| rich.and_then(|r| r.get(key));
        let code_blocks = rich_field("codeBlocks").or_else(|| rich_field("code_blocks"));
        let code_languages = code_blocks
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|b| b.get("language").and_then(Value::as_str))
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Metadata {
            url: text("url"),
            platform: text("platform"),
            title: text("title"),
            message_count: map.get("messageCount").or_else(|| map.get("message_count")).and_then(count),
            code_languages,
            code_blocks: code_blocks.is_some_and(is_present),
            images: rich_field("images").is_some_and(is_present),
            artifacts: rich_field("artifacts").is_some_and(is_present),
        }
    }
}

/// A count sent as a number or a numeric string.
fn count(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether a rich-content field says something is there: a non-empty list,
/// object or string, a positive number, or `true`.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Number(n) => n.as_f64().is_some_and(|f| f > 0.0),
        Value::Bool(b) => *b,
        Value::String(s) => !s.trim().is_empty(),
        Value::Null => false,
    }
}

/// The lower-case host of an http(s) URL, without `www.` or port.
pub(crate) fn url_host(url: &str) -> Option<String> {
    let url = url.trim();
    let scheme_end = url.find("://")?;
    if !url[..scheme_end].eq_ignore_ascii_case("http") && !url[..scheme_end].eq_ignore_ascii_case("https") {
        return None;
    }
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next().unwrap_or(host_port)
    } else {
        host_port.split(':').next().unwrap_or(host_port)
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

/// The name part of a registrable domain: `blog.example.co.uk` → `example`.
/// None for IP addresses and single-label hosts.
pub(crate) fn site_name(host: &str) -> Option<&str> {
    if host.starts_with('[') || host.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let [.., second, top] = labels[..] else {
        return None;
    };
    let second_level_suffix =
        top.len() == 2 && matches!(second, "co" | "com" | "org" | "net" | "gov" | "ac" | "edu" | "ne" | "or");
    let name = if second_level_suffix { labels.len().checked_sub(3).map(|i| labels[i])? } else { second };
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_extension_metadata() {
        let value = json!({
            "url": "https://chatgpt.com/c/123",
            "platform": "chatgpt",
            "messageCount": "7",
            "richContent": {"images": [], "codeBlocks": [{"language": "rust"}, {"language": ""}], "artifacts": 2}
        });
        let m = Metadata::from_value(Some(&value));
        assert_eq!(m.url, Some("https://chatgpt.com/c/123"));
        assert_eq!(m.message_count, Some(7));
        assert_eq!(m.code_languages, ["rust"]);
        assert!(m.code_blocks && m.artifacts && !m.images);
    }

    #[test]
    fn tolerates_wrong_types() {
        let value = json!({"url": 5, "messageCount": -3, "richContent": "yes"});
        let m = Metadata::from_value(Some(&value));
        assert_eq!(m.url, None);
        assert_eq!(m.message_count, None);
        assert!(!m.images);
        assert!(Metadata::from_value(Some(&json!([1, 2]))).url.is_none());
    }

    #[test]
    fn hosts() {
        assert_eq!(url_host("https://www.Example.com:8080/path?q").as_deref(), Some("example.com"));
        assert_eq!(url_host("http://user@claude.ai/chat/1").as_deref(), Some("claude.ai"));
        assert_eq!(url_host("ftp://example.com"), None);
        assert_eq!(url_host("not a url"), None);
        assert_eq!(site_name("blog.example.co.uk"), Some("example"));
        assert_eq!(site_name("news.ycombinator.com"), Some("ycombinator"));
        assert_eq!(site_name("127.0.0.1"), None);
        assert_eq!(site_name("localhost"), None);
    }
}
