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
use memo_api::key::KeyHash;
use std::cell::{Cell, OnceCell};
use std::sync::OnceLock;
use worker::Env;

/// Milliseconds a request spent connecting to Postgres and in statements.
#[derive(Debug, Clone, Copy)]
pub struct DbTimings {
    pub connect_ms: f64,
    pub statements_ms: f64,
    pub statements: u32,
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
    /// Set once a statement of this request has accepted the key: the
    /// database, not the isolate's cache, has seen it valid now.
    key_checked: Cell<bool>,
}

impl Ctx {
    pub fn new(env: Env, config: &'static Config, now: DateTime<Utc>) -> Ctx {
        Ctx { env, config, now, db: OnceCell::new(), authenticated: Cell::new(false), key_checked: Cell::new(false) }
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
        self.db.get().map(|db| DbTimings {
            connect_ms: db.connect_ms,
            statements_ms: db.statements_ms(),
            statements: db.statements(),
        })
    }

    /// Whether the caller's key was found valid during this request.
    pub fn authenticated(&self) -> bool {
        self.authenticated.get()
    }

    /// Records that the caller's key is valid.
    pub fn set_authenticated(&self) {
        self.authenticated.set(true);
    }

    /// Notes a statement's outcome: any answer but 401 means it accepted
    /// the key.
    pub fn note_key<T>(&self, result: Result<T, ApiError>) -> Result<T, ApiError> {
        if matches!(result, Ok(_) | Err(ApiError::NotFound)) {
            self.set_key_checked();
        }
        result
    }

    /// Records that the database accepted the caller's key during this request.
    pub fn set_key_checked(&self) {
        self.key_checked.set(true);
    }

    /// Checks the key in the database unless a statement of this request
    /// already has: for answers that run no statement of their own, which
    /// must not be given to a key revoked since the isolate cached it.
    pub async fn check_key(&self, key: &KeyHash) -> Result<(), ApiError> {
        if self.key_checked.get() {
            return Ok(());
        }
        let checked = memo_api::sql::memories::check_key(self.db().await?, key).await;
        self.note_key(checked)
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
