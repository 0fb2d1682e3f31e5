//! Deployment settings read from worker variables, each with a safe default.
//!
//! Every limit the API enforces is read here so that it is explicit and can be
//! changed per deployment in `wrangler.toml` `[vars]` without a rebuild; the
//! [`Limits`] themselves and their defaults are `memo_api::limits`, where the
//! parsers and statements bounded by them live.

pub use memo_api::limits::Limits;

/// Everything the worker reads from its environment, besides bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub limits: Limits,
    /// `DB_CONNECT_TIMEOUT_MS`: give up connecting to Postgres after this long.
    pub db_connect_timeout_ms: u64,
    /// `DB_QUERY_TIMEOUT_MS`: give up on one statement after this long.
    pub db_query_timeout_ms: u64,
    /// `RETRY_AFTER_SECONDS`: what 503 answers tell clients to wait.
    pub retry_after_seconds: u64,
    /// `RATE_LIMIT_ENABLED`: check the `RATE_LIMITER` binding per tenant and
    /// the `ADDRESS_RATE_LIMITER` binding per client address.
    pub rate_limit_enabled: bool,
    /// `RATE_LIMIT_RETRY_AFTER_SECONDS`: what 429 answers tell clients to
    /// wait; the binding's period.
    pub rate_limit_retry_after_seconds: u64,
    /// `KEY_CACHE_SECONDS`: how long an isolate takes a key it found active
    /// as known, for rate limiting per tenant and for doing costly work
    /// (parsing, analysis) only for known keys. Every statement still checks
    /// the key itself, so a key revoked meanwhile reads and stores nothing.
    pub key_cache_seconds: u64,
    /// `HEALTH_CACHE_SECONDS`: how long an isolate answers `/health` with
    /// the outcome of its last database check instead of connecting again.
    pub health_cache_seconds: u64,
    /// `CORS_ALLOWED_ORIGINS`: browser origins allowed to call the API,
    /// separated by commas or spaces: exact origins such as
    /// `https://app.example.com`, or extension origins such as
    /// `chrome-extension://<id>` and `moz-extension://<id>`.
    pub cors_allowed_origins: Vec<String>,
    /// `LOG_LEVEL`: the least severe request log line written: `info`
    /// (every request, the default), `warn` (requests that failed, 4xx and
    /// 5xx) or `error` (5xx only). Match it to what the log's reader keeps:
    /// under `wrangler dev --log-level warn` an info line is received and
    /// dropped, at a cost to every request (measured in BENCHMARKS.md).
    pub log_level: LogLevel,
    /// `QUOTA_MEMORIES`: most memories a tenant may hold, unless
    /// `memo-admin tenant quota` set its own.
    pub quota_memories: u64,
    /// `QUOTA_BYTES`: most bytes (content, title and metadata) a tenant's
    /// memories may hold, unless `memo-admin tenant quota` set its own.
    pub quota_bytes: u64,
    /// `CORS_ALLOW_INSECURE_ORIGINS`: `true` lets `CORS_ALLOWED_ORIGINS`
    /// name `http://` origins other than loopback (never `null`).
    pub cors_allow_insecure_origins: bool,
}

/// The severity of a log line; ordered, least severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// A request's line: a server failure is an error, a client's a warning.
    pub fn of_status(status: u16) -> LogLevel {
        match status {
            500.. => LogLevel::Error,
            400.. => LogLevel::Warn,
            _ => LogLevel::Info,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            db_connect_timeout_ms: 5_000,
            db_query_timeout_ms: 10_000,
            retry_after_seconds: 5,
            rate_limit_enabled: true,
            rate_limit_retry_after_seconds: 60,
            key_cache_seconds: 60,
            health_cache_seconds: 5,
            cors_allowed_origins: Vec::new(),
            log_level: LogLevel::Info,
            quota_memories: 1_000_000,
            quota_bytes: 10 * 1024 * 1024 * 1024,
            cors_allow_insecure_origins: false,
        }
    }
}

/// Overwrites `slot` with the variable `name` if it is set; a set value that
/// does not parse, or a number that is zero, is an error naming it: a typo in
/// a deployment must not silently fall back to a default.
fn read<T: std::str::FromStr + PartialEq + Default>(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &str,
    slot: &mut T,
) -> Result<(), String> {
    if let Some(raw) = lookup(name) {
        *slot = raw
            .trim()
            .parse::<T>()
            .ok()
            .filter(|value| *value != T::default())
            .ok_or_else(|| format!("variable {name} has an invalid value {raw:?}"))?;
    }
    Ok(())
}

/// A `true`/`false` variable; anything else is an error naming it.
fn read_switch(lookup: &impl Fn(&str) -> Option<String>, name: &str, slot: &mut bool) -> Result<(), String> {
    if let Some(raw) = lookup(name) {
        *slot = match raw.trim() {
            "true" => true,
            "false" => false,
            _ => return Err(format!("variable {name} must be true or false, got {raw:?}")),
        };
    }
    Ok(())
}

impl Config {
    /// The configuration of this isolate, read from its variables on first
    /// use: a deployment's variables do not change under a running isolate,
    /// and reading them all costs a trip into JavaScript per variable.
    pub fn of_isolate(lookup: impl Fn(&str) -> Option<String>) -> &'static Result<Config, String> {
        static CONFIG: std::sync::OnceLock<Result<Config, String>> = std::sync::OnceLock::new();
        CONFIG.get_or_init(|| Config::from_lookup(lookup))
    }

    /// Builds the configuration from a variable lookup.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut config = Config::default();
        let l = &lookup;
        let limits = &mut config.limits;
        read(l, "MAX_BODY_BYTES", &mut limits.max_body_bytes)?;
        read(l, "MAX_CONTENT_BYTES", &mut limits.max_content_bytes)?;
        read(l, "MAX_TITLE_CHARS", &mut limits.max_title_chars)?;
        read(l, "MAX_TAGS", &mut limits.max_tags)?;
        read(l, "MAX_TAG_CHARS", &mut limits.max_tag_chars)?;
        read(l, "MAX_SOURCE_CHARS", &mut limits.max_source_chars)?;
        read(l, "MAX_URL_CHARS", &mut limits.max_url_chars)?;
        read(l, "MAX_METADATA_BYTES", &mut limits.max_metadata_bytes)?;
        read(l, "MAX_METADATA_DEPTH", &mut limits.max_metadata_depth)?;
        read(l, "MAX_QUERY_CHARS", &mut limits.max_query_chars)?;
        read(l, "MAX_PAGE_SIZE", &mut limits.max_page_size)?;
        read(l, "DEFAULT_PAGE_SIZE", &mut limits.default_page_size)?;
        read(l, "SEARCH_RANKED_MATCHES", &mut limits.search_ranked_matches)?;
        read(l, "SEARCH_SNIPPET_CHARS", &mut limits.search_snippet_chars)?;
        read(l, "MAX_BATCH_ITEMS", &mut limits.max_batch_items)?;
        read(l, "MAX_IMPORT_LINES", &mut limits.max_import_lines)?;
        read(l, "PREVIEW_CHARS", &mut limits.preview_chars)?;
        read(l, "MAX_PAGE_CONTENT_BYTES", &mut limits.max_page_content_bytes)?;
        read(l, "MCP_MAX_CONTENT_CHARS", &mut limits.mcp_max_content_chars)?;
        read(l, "MAX_BULK_IDS", &mut limits.max_bulk_ids)?;
        read(l, "DB_CONNECT_TIMEOUT_MS", &mut config.db_connect_timeout_ms)?;
        read(l, "DB_QUERY_TIMEOUT_MS", &mut config.db_query_timeout_ms)?;
        read(l, "RETRY_AFTER_SECONDS", &mut config.retry_after_seconds)?;
        read(l, "RATE_LIMIT_RETRY_AFTER_SECONDS", &mut config.rate_limit_retry_after_seconds)?;
        read(l, "KEY_CACHE_SECONDS", &mut config.key_cache_seconds)?;
        read(l, "HEALTH_CACHE_SECONDS", &mut config.health_cache_seconds)?;
        read(l, "QUOTA_MEMORIES", &mut config.quota_memories)?;
        read(l, "QUOTA_BYTES", &mut config.quota_bytes)?;
        read_switch(l, "RATE_LIMIT_ENABLED", &mut config.rate_limit_enabled)?;
        read_switch(l, "CORS_ALLOW_INSECURE_ORIGINS", &mut config.cors_allow_insecure_origins)?;
        if let Some(raw) = lookup("LOG_LEVEL") {
            config.log_level = match raw.trim() {
                "info" => LogLevel::Info,
                "warn" => LogLevel::Warn,
                "error" => LogLevel::Error,
                _ => return Err(format!("variable LOG_LEVEL must be info, warn or error, got {raw:?}")),
            };
        }
        if let Some(raw) = lookup("CORS_ALLOWED_ORIGINS") {
            config.cors_allowed_origins = raw
                .split([',', ' ', '\n', '\t'])
                .filter(|origin| !origin.is_empty())
                .map(|origin| origin.trim_end_matches('/').to_owned())
                .collect();
            if config.cors_allowed_origins.iter().any(|o| o == "*") {
                return Err(
                    "CORS_ALLOWED_ORIGINS lists origins; \"*\" is not allowed for an API of private data".into()
                );
            }
            for origin in &config.cors_allowed_origins {
                crate::cors::check_configured_origin(origin, config.cors_allow_insecure_origins)
                    .map_err(|why| format!("CORS_ALLOWED_ORIGINS: {why}"))?;
            }
        }
        if config.limits.default_page_size > config.limits.max_page_size {
            return Err("DEFAULT_PAGE_SIZE must not exceed MAX_PAGE_SIZE".into());
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_variables_keep_defaults() {
        assert_eq!(Config::from_lookup(|_| None).unwrap(), Config::default());
    }

    #[test]
    fn set_variables_override() {
        let config = Config::from_lookup(|name| (name == "MAX_TAGS").then(|| "5".to_owned())).unwrap();
        assert_eq!(config.limits.max_tags, 5);
        let config = Config::from_lookup(|name| (name == "DB_QUERY_TIMEOUT_MS").then(|| "250".to_owned())).unwrap();
        assert_eq!(config.db_query_timeout_ms, 250);
        let config = Config::from_lookup(|name| (name == "SEARCH_RANKED_MATCHES").then(|| "50".to_owned())).unwrap();
        assert_eq!(config.limits.search_ranked_matches, 50);
        assert!(Config::from_lookup(|name| (name == "SEARCH_RANKED_MATCHES").then(|| "0".to_owned())).is_err());
        let config = Config::from_lookup(|name| (name == "SEARCH_SNIPPET_CHARS").then(|| "500".to_owned())).unwrap();
        assert_eq!(config.limits.search_snippet_chars, 500);
        let config = Config::from_lookup(|name| (name == "PREVIEW_CHARS").then(|| "80".to_owned())).unwrap();
        assert_eq!(config.limits.preview_chars, 80);
        let config = Config::from_lookup(|name| (name == "MAX_PAGE_CONTENT_BYTES").then(|| "4096".to_owned())).unwrap();
        assert_eq!(config.limits.max_page_content_bytes, 4096);
    }

    #[test]
    fn cors_origins_are_a_list_without_wildcards() {
        let config = Config::from_lookup(|name| {
            (name == "CORS_ALLOWED_ORIGINS")
                .then(|| "https://a.example/, chrome-extension://abc  moz-extension://d".into())
        })
        .unwrap();
        assert_eq!(config.cors_allowed_origins, ["https://a.example", "chrome-extension://abc", "moz-extension://d"]);
        assert!(Config::from_lookup(|name| (name == "CORS_ALLOWED_ORIGINS").then(|| "*".into())).is_err());
    }

    #[test]
    fn insecure_cors_origins_fail_loudly_unless_forced() {
        let with = |origins: &str, force: Option<&str>| {
            Config::from_lookup(|name| match name {
                "CORS_ALLOWED_ORIGINS" => Some(origins.to_owned()),
                "CORS_ALLOW_INSECURE_ORIGINS" => force.map(str::to_owned),
                _ => None,
            })
        };
        let error = with("https://a.example null", None).unwrap_err();
        assert!(error.contains("CORS_ALLOWED_ORIGINS") && error.contains("null"), "{error}");
        let error = with("http://lan.example", None).unwrap_err();
        assert!(error.contains("CORS_ALLOW_INSECURE_ORIGINS"), "{error}");
        assert!(with("http://lan.example", Some("true")).unwrap().cors_allow_insecure_origins);
        assert!(with("http://lan.example", Some("yes")).is_err());
        assert!(with("http://localhost:5173", None).is_ok());
    }

    #[test]
    fn quotas_have_generous_defaults_and_override() {
        let config = Config::default();
        assert!(config.quota_memories >= 100_000 && config.quota_bytes >= 1 << 30);
        let config = Config::from_lookup(|name| (name == "QUOTA_MEMORIES").then(|| "7".into())).unwrap();
        assert_eq!(config.quota_memories, 7);
        assert!(Config::from_lookup(|name| (name == "QUOTA_BYTES").then(|| "0".into())).is_err());
    }

    #[test]
    fn rate_limit_switch_is_strict() {
        let off = Config::from_lookup(|name| (name == "RATE_LIMIT_ENABLED").then(|| "false".into())).unwrap();
        assert!(!off.rate_limit_enabled);
        assert!(Config::from_lookup(|name| (name == "RATE_LIMIT_ENABLED").then(|| "no".into())).is_err());
    }

    #[test]
    fn log_level_is_one_of_three() {
        let level = |raw: &str| Config::from_lookup(|name| (name == "LOG_LEVEL").then(|| raw.to_owned()));
        assert_eq!(level("warn").unwrap().log_level, LogLevel::Warn);
        assert_eq!(level("error").unwrap().log_level, LogLevel::Error);
        let error = level("verbose").unwrap_err();
        assert!(error.contains("LOG_LEVEL"), "{error}");
    }

    #[test]
    fn a_request_line_is_as_severe_as_its_status() {
        assert_eq!(LogLevel::of_status(200), LogLevel::Info);
        assert_eq!(LogLevel::of_status(304), LogLevel::Info);
        assert_eq!(LogLevel::of_status(404), LogLevel::Warn);
        assert_eq!(LogLevel::of_status(429), LogLevel::Warn);
        assert_eq!(LogLevel::of_status(503), LogLevel::Error);
        assert!(LogLevel::Info < LogLevel::Warn && LogLevel::Warn < LogLevel::Error);
    }

    #[test]
    fn malformed_variables_are_named() {
        let error = Config::from_lookup(|name| (name == "MAX_TAGS").then(|| "lots".to_owned())).unwrap_err();
        assert!(error.contains("MAX_TAGS"), "{error}");
        assert!(Config::from_lookup(|name| (name == "MAX_PAGE_SIZE").then(|| "0".to_owned())).is_err());
    }
}
