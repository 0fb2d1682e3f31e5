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

/// Refuses a configured origin a browser would make a hole of: `null` (sandboxed
/// frames, `file:` pages and redirects all send it, so anyone can) and plain
/// `http://` origins other than loopback (any network on the way can inject
/// script there), unless `allow_insecure` (`CORS_ALLOW_INSECURE_ORIGINS`)
/// forces the latter. Also refuses what is not an origin at all.
pub fn check_configured_origin(origin: &str, allow_insecure: bool) -> Result<(), String> {
    if origin.eq_ignore_ascii_case("null") {
        return Err("\"null\" is not allowed: sandboxed frames and local files all send it".into());
    }
    let Some((scheme, host)) = origin.split_once("://") else {
        return Err(format!("{origin:?} is not an origin (scheme://host[:port])"));
    };
    if host.is_empty() || host.contains(['/', '?', '#', '@']) {
        return Err(format!("{origin:?} is not an origin (scheme://host[:port], no path)"));
    }
    if scheme.eq_ignore_ascii_case("http") && !is_loopback(host) && !allow_insecure {
        return Err(format!(
            "{origin:?} is plain http on a non-loopback host; use https, or set CORS_ALLOW_INSECURE_ORIGINS=true"
        ));
    }
    Ok(())
}

/// `localhost`, `127.x.y.z` or `[::1]`, with or without a port.
fn is_loopback(host_port: &str) -> bool {
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

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

    #[test]
    fn configured_origins_refuse_null_and_remote_plain_http() {
        for fine in [
            "https://app.example",
            "chrome-extension://abcdef",
            "moz-extension://0b2f4c1e",
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "http://[::1]:3000",
        ] {
            assert_eq!(check_configured_origin(fine, false), Ok(()), "{fine}");
        }
        for refused in
            ["null", "NULL", "http://app.example", "http://10.0.0.2:80", "app.example", "https://a.example/x"]
        {
            assert!(check_configured_origin(refused, false).is_err(), "{refused}");
        }
        assert_eq!(check_configured_origin("http://app.example", true), Ok(()));
        assert!(check_configured_origin("null", true).is_err(), "null is never forced");
    }
}
