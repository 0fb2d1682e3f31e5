//! The SQL of every statement the API runs, and the mapping of its rows.
//!
//! Statements run on a [`Connection`]: the worker's per-request connection
//! (socket, timeouts, cancellation) in the root crate. Most API calls run
//! one; a content patch reads before it writes, an export runs one per page,
//! and an `Idempotency-Key` adds a claim before the request and a record
//! after it. Every statement authenticates the caller itself through the
//! `authed!` common table expression. Only the server connections behind
//! the pool outlive a request, and searches keep their plans there
//! ([`search`]). `memo-admin`, which names a tenant rather than presenting a
//! key, sends the same statement text and maps rows with the same functions
//! on its own client.

pub mod idempotency;
pub mod keys;
pub mod memories;
pub mod search;
pub mod stats;
pub mod tag_edits;
pub mod tags;
pub mod upkeep;

use crate::error::ApiError;
use crate::key::KeyHash;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Row;

/// Prefixes a statement with the caller's authentication: `caller` holds the
/// tenant of the API key hashed in `$1` (no row for an unknown or revoked
/// key), and `touch` records its use at most once per five minutes so a busy
/// key does not turn every read into a write of `api_keys`.
///
/// Statements select `from caller left join ...`, so no row at all means the
/// key is not valid (401), while a row of NULLs means "authorised, nothing
/// found". The capture statement checks the key by this same rule inside
/// the function `memo_capture_tenant` (migrations/0020): change both.
macro_rules! authed {
    ($($sql:expr),+ $(,)?) => {
        concat!(
            "with caller as (
                 select k.id as key_id, k.tenant_id, k.last_used_at
                 from api_keys k
                 where k.key_hash = $1 and k.revoked_at is null),
             touch as (
                 update api_keys set last_used_at = now()
                 where id = (select key_id from caller)
                   and (last_used_at is null or last_used_at < now() - interval '5 minutes'))
             ",
            $($sql),+
        )
    };
}
pub(crate) use authed;

pub type Param<'a> = (&'a (dyn ToSql + Sync), Type);

/// The deployment's default quotas. A statement that stores memories hands
/// them to Postgres through `with_quota_defaults!`; the quota triggers of
/// migrations/0013_quotas_upkeep.sql (sharded by 0020) check them, or a
/// tenant's own.
#[derive(Debug, Clone, Copy)]
pub struct QuotaDefaults {
    pub memories: i64,
    pub bytes: i64,
}

impl QuotaDefaults {
    /// The two parameters `with_quota_defaults!` names.
    pub fn as_params(&self) -> [Param<'_>; 2] {
        [(&self.memories, Type::INT8), (&self.bytes, Type::INT8)]
    }
}

/// A CTE `limited`: the caller's tenant, once the statement's transaction
/// holds the default quotas (parameters `$m` and `$b`). A write that takes
/// its tenant from `limited` runs after the defaults are set; the quota
/// triggers read them at the end of the statement.
macro_rules! with_quota_defaults {
    ($m:literal, $b:literal) => {
        concat!(", limited as (select caller.tenant_id from caller where memo_quota_defaults(", $m, ", ", $b, "))")
    };
}
pub(crate) use with_quota_defaults;

/// Where statements run: "send this statement with these typed parameters".
/// The worker's `Db` implements it over its per-request connection, bounded
/// by its timeouts and cancelling a statement that runs too long.
// Not `Send`: the worker's futures live on one thread (wasm), and nothing
// here needs to move them to another.
#[allow(async_fn_in_trait)]
pub trait Connection {
    /// Runs one statement, as it is.
    async fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, ApiError>;

    /// `QUOTA_MEMORIES` and `QUOTA_BYTES`, for statements that store memories.
    fn quota_defaults(&self) -> QuotaDefaults;

    /// Runs an authenticated statement: no row at all means the key is invalid.
    async fn query_authed(&self, key: &KeyHash, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, ApiError> {
        let mut all: Vec<Param<'_>> = Vec::with_capacity(params.len() + 1);
        all.push((key.as_param(), Type::BYTEA));
        all.extend_from_slice(params);
        let rows = self.query(sql, &all).await?;
        if rows.is_empty() {
            return Err(ApiError::Unauthorized);
        }
        Ok(rows)
    }
}
