//! SQL for API keys: which tenant a presented key belongs to, asked once per
//! key and isolate (see `auth::tenant_of`) before any costly work.

use super::Connection;
use crate::error::ApiError;
use crate::key::KeyHash;
use tokio_postgres::types::Type;
use uuid::Uuid;

/// The tenant of an active key; `None` for an unknown or revoked one.
pub async fn tenant_of(db: &impl Connection, key: &KeyHash) -> Result<Option<Uuid>, ApiError> {
    const SQL: &str = "select tenant_id from api_keys where key_hash = $1 and revoked_at is null";
    let rows = db.query(SQL, &[(key.as_param(), Type::BYTEA)]).await?;
    Ok(rows.first().map(|row| row.get("tenant_id")))
}
