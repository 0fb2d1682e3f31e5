//! Request handlers, a module per resource. Each handler parses its input
//! into domain types, asks memo-core for titles and tags where content
//! changes, runs its SQL statements from `db` (usually one; see `db`), and
//! answers JSON.

pub mod batch;
pub mod health;
pub mod legacy;
pub mod memories;
pub mod openapi;
pub mod search;
pub mod stats;
pub mod tag_edits;
pub mod tags;
pub mod transfer;

use crate::config::Config;
use crate::db::Db;
use chrono::{DateTime, Utc};
use memo_api::error::ApiError;
use std::cell::{Cell, OnceCell};
use std::sync::OnceLock;
use worker::Env;

/// Milliseconds a request spent connecting to Postgres and in statements.
#[derive(Debug, Clone, Copy)]
pub struct DbTimings {
    pub connect_ms: f64,
    pub statements_ms: f64,
}

/// What every handler may use besides the request.
pub struct Ctx {
    pub env: Env,
    pub config: &'static Config,
    /// When the request arrived.
    pub now: DateTime<Utc>,
    /// The request's connection, opened on first use and closed when the
    /// request ends.
    db: OnceCell<Db>,
    /// Set once the caller's key is known valid (`auth::authenticate`).
    authenticated: Cell<bool>,
}

impl Ctx {
    pub fn new(env: Env, config: &'static Config, now: DateTime<Utc>) -> Ctx {
        Ctx { env, config, now, db: OnceCell::new(), authenticated: Cell::new(false) }
    }

    pub async fn db(&self) -> Result<&Db, ApiError> {
        if let Some(db) = self.db.get() {
            return Ok(db);
        }
        let db = Db::connect(&self.env, self.config).await?;
        Ok(self.db.get_or_init(|| db))
    }

    /// Where the request's database time went, if it used the database.
    pub fn db_timings(&self) -> Option<DbTimings> {
        self.db.get().map(|db| DbTimings { connect_ms: db.connect_ms, statements_ms: db.statements_ms() })
    }

    /// Whether the caller's key was found valid during this request.
    pub fn authenticated(&self) -> bool {
        self.authenticated.get()
    }

    /// Records that the caller's key is valid.
    pub fn set_authenticated(&self) {
        self.authenticated.set(true);
    }

    /// Ends the request's connection, if it opened one.
    pub async fn close(self) {
        if let Some(db) = self.db.into_inner() {
            db.close().await;
        }
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
