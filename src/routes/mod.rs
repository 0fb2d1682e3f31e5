//! Request handlers, a module per resource. Each handler parses its input
//! into domain types, asks memo-core for titles and tags where content
//! changes, runs one SQL statement from `db`, and answers JSON.

pub mod health;
pub mod legacy;
pub mod memories;
pub mod search;
pub mod stats;

use crate::config::Config;
use crate::db::Db;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use std::sync::OnceLock;
use worker::Env;

/// What every handler may use besides the request.
pub struct Ctx {
    pub env: Env,
    pub config: Config,
    /// When the request arrived.
    pub now: DateTime<Utc>,
}

impl Ctx {
    pub async fn db(&self) -> Result<Db, ApiError> {
        Db::connect(&self.env, &self.config).await
    }

    /// The title and tag engine, built once per isolate: its dictionaries are
    /// plain data, extended by the `TAG_DICTIONARY` variable (TOML).
    pub fn analyzer(&self) -> Result<&'static memo_core::Analyzer, ApiError> {
        static ANALYZER: OnceLock<Result<memo_core::Analyzer, String>> = OnceLock::new();
        ANALYZER
            .get_or_init(|| match self.env.var("TAG_DICTIONARY") {
                Ok(extra) => memo_core::Analyzer::with_extra_dictionary(&extra.to_string()).map_err(|e| e.to_string()),
                Err(_) => Ok(memo_core::Analyzer::new()),
            })
            .as_ref()
            .map_err(|e| ApiError::Internal(format!("TAG_DICTIONARY: {e}")))
    }
}
