//! Deployment settings read from worker variables, each with a safe default.
//!
//! Every limit the API enforces lives here so that it is explicit and can be
//! changed per deployment in `wrangler.toml` `[vars]` without a rebuild.

/// Input limits. Names match the variables that override them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `MAX_BODY_BYTES`: largest request body accepted.
    pub max_body_bytes: usize,
    /// `MAX_CONTENT_BYTES`: largest `content` (UTF-8 bytes).
    pub max_content_bytes: usize,
    /// `MAX_TITLE_CHARS`: longest title, in characters.
    pub max_title_chars: usize,
    /// `MAX_TAGS`: most tags a user may give.
    pub max_tags: usize,
    /// `MAX_TAG_CHARS`: longest tag, in characters.
    pub max_tag_chars: usize,
    /// `MAX_SOURCE_CHARS`: longest `source`, in characters.
    pub max_source_chars: usize,
    /// `MAX_URL_CHARS`: longest `url`, in characters.
    pub max_url_chars: usize,
    /// `MAX_METADATA_BYTES`: largest `metadata` once serialised.
    pub max_metadata_bytes: usize,
    /// `MAX_METADATA_DEPTH`: deepest nesting of `metadata`.
    pub max_metadata_depth: usize,
    /// `MAX_QUERY_CHARS`: longest search query, in characters.
    pub max_query_chars: usize,
    /// `MAX_PAGE_SIZE`: largest `limit` for lists and searches.
    pub max_page_size: usize,
    /// `DEFAULT_PAGE_SIZE`: `limit` when none is given.
    pub default_page_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            max_content_bytes: 512 * 1024,
            max_title_chars: 300,
            max_tags: 32,
            max_tag_chars: 64,
            max_source_chars: 200,
            max_url_chars: 2048,
            max_metadata_bytes: 32 * 1024,
            max_metadata_depth: 8,
            max_query_chars: 512,
            max_page_size: 100,
            default_page_size: 20,
        }
    }
}

/// Everything the worker reads from its environment, besides bindings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub limits: Limits,
    /// `DB_CONNECT_TIMEOUT_MS`: give up connecting to Postgres after this long.
    pub db_connect_timeout_ms: u64,
    /// `DB_QUERY_TIMEOUT_MS`: give up on one statement after this long.
    pub db_query_timeout_ms: u64,
    /// `RETRY_AFTER_SECONDS`: what 503 answers tell clients to wait.
    pub retry_after_seconds: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            limits: Limits::default(),
            db_connect_timeout_ms: 5_000,
            db_query_timeout_ms: 10_000,
            retry_after_seconds: 5,
        }
    }
}

impl Config {
    /// Builds the configuration from a variable lookup. A variable that is set
    /// but not a positive whole number is an error naming it: a typo in a
    /// deployment must not silently fall back to a default.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let mut config = Config::default();
        let read = |name: &str, slot: &mut usize| -> Result<(), String> {
            if let Some(raw) = lookup(name) {
                *slot = raw
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        format!("variable {name} must be a positive integer, got {raw:?}")
                    })?;
            }
            Ok(())
        };
        let limits = &mut config.limits;
        read("MAX_BODY_BYTES", &mut limits.max_body_bytes)?;
        read("MAX_CONTENT_BYTES", &mut limits.max_content_bytes)?;
        read("MAX_TITLE_CHARS", &mut limits.max_title_chars)?;
        read("MAX_TAGS", &mut limits.max_tags)?;
        read("MAX_TAG_CHARS", &mut limits.max_tag_chars)?;
        read("MAX_SOURCE_CHARS", &mut limits.max_source_chars)?;
        read("MAX_URL_CHARS", &mut limits.max_url_chars)?;
        read("MAX_METADATA_BYTES", &mut limits.max_metadata_bytes)?;
        read("MAX_METADATA_DEPTH", &mut limits.max_metadata_depth)?;
        read("MAX_QUERY_CHARS", &mut limits.max_query_chars)?;
        read("MAX_PAGE_SIZE", &mut limits.max_page_size)?;
        read("DEFAULT_PAGE_SIZE", &mut limits.default_page_size)?;
        let mut timeouts = [
            config.db_connect_timeout_ms as usize,
            config.db_query_timeout_ms as usize,
            config.retry_after_seconds as usize,
        ];
        read("DB_CONNECT_TIMEOUT_MS", &mut timeouts[0])?;
        read("DB_QUERY_TIMEOUT_MS", &mut timeouts[1])?;
        read("RETRY_AFTER_SECONDS", &mut timeouts[2])?;
        config.db_connect_timeout_ms = timeouts[0] as u64;
        config.db_query_timeout_ms = timeouts[1] as u64;
        config.retry_after_seconds = u32::try_from(timeouts[2]).unwrap_or(u32::MAX);
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
        let config =
            Config::from_lookup(|name| (name == "MAX_TAGS").then(|| "5".to_owned())).unwrap();
        assert_eq!(config.limits.max_tags, 5);
        let config =
            Config::from_lookup(|name| (name == "DB_QUERY_TIMEOUT_MS").then(|| "250".to_owned()))
                .unwrap();
        assert_eq!(config.db_query_timeout_ms, 250);
    }

    #[test]
    fn malformed_variables_are_named() {
        let error = Config::from_lookup(|name| (name == "MAX_TAGS").then(|| "lots".to_owned()))
            .unwrap_err();
        assert!(error.contains("MAX_TAGS"), "{error}");
        assert!(
            Config::from_lookup(|name| (name == "MAX_PAGE_SIZE").then(|| "0".to_owned())).is_err()
        );
    }
}
