//! Cross-origin access for browser extensions and web apps.
//!
//! Only origins listed in `CORS_ALLOWED_ORIGINS` get CORS headers, and the
//! response names the one requesting origin, never `*` and never a list.
//! Keys travel in headers, not cookies, so credentials mode is never enabled.

use worker::Headers;

/// Request headers a browser may send cross-origin.
/// (`MCP-Protocol-Version`: browser-based MCP clients send it to `/mcp`.)
const ALLOWED_HEADERS: &str = "Authorization, X-API-Key, Content-Type, Idempotency-Key, MCP-Protocol-Version";
/// Response headers a cross-origin script may read.
const EXPOSED_HEADERS: &str = "Retry-After, X-Request-Id, WWW-Authenticate";
/// How long a browser may cache a preflight answer.
const PREFLIGHT_MAX_AGE_SECONDS: &str = "600";

/// The request's `Origin` if it is allowed.
pub fn allowed_origin<'a>(origin: Option<&'a str>, allowed: &[String]) -> Option<&'a str> {
    origin.filter(|origin| allowed.iter().any(|entry| entry == origin))
}

/// Headers for any response to an allowed origin.
pub fn apply(headers: &Headers, origin: &str) -> worker::Result<()> {
    headers.set("access-control-allow-origin", origin)?;
    headers.set("access-control-expose-headers", EXPOSED_HEADERS)
}

/// Extra headers for a preflight answer.
pub fn apply_preflight(headers: &Headers, allow: &str) -> worker::Result<()> {
    headers.set("access-control-allow-methods", allow)?;
    headers.set("access-control-allow-headers", ALLOWED_HEADERS)?;
    headers.set("access-control-max-age", PREFLIGHT_MAX_AGE_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exact_listed_origins_match() {
        let allowed = vec!["https://app.example".to_owned(), "chrome-extension://abcdef".to_owned()];
        assert_eq!(allowed_origin(Some("https://app.example"), &allowed), Some("https://app.example"));
        assert_eq!(allowed_origin(Some("chrome-extension://abcdef"), &allowed), Some("chrome-extension://abcdef"));
        assert_eq!(allowed_origin(Some("https://app.example.evil.test"), &allowed), None);
        assert_eq!(allowed_origin(Some("chrome-extension://other"), &allowed), None);
        assert_eq!(allowed_origin(Some("null"), &allowed), None);
        assert_eq!(allowed_origin(None, &allowed), None);
    }
}
