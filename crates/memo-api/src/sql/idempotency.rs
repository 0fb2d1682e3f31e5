//! SQL for idempotent retries: claim a key before running a request, record
//! its answer after (see `crate::idempotency`).

use super::{authed, Connection};
use crate::error::ApiError;
use crate::key::KeyHash;
use tokio_postgres::types::Type;

/// What the key already holds, if this request could not claim it.
pub enum Claim {
    /// This request holds the key now and must record its answer.
    Claimed,
    /// An earlier request with this key: its request hash, and its answer
    /// (`None` while it is still running).
    Taken { request_hash: Vec<u8>, answer: Option<(u16, Vec<u8>)> },
    /// Claimed by a request that started after this statement's snapshot.
    Racing,
}

/// Claims `key` unless a live claim or answer exists; answers older than 24
/// hours and claims abandoned for a minute are taken over.
pub async fn claim(db: &impl Connection, caller: &KeyHash, key: &str, request_hash: &[u8]) -> Result<Claim, ApiError> {
    const SQL: &str = authed!(
        ", claimed as (
             insert into idempotency_keys as i (tenant_id, key, request_hash)
             select tenant_id, $2, $3 from caller
             on conflict (tenant_id, key) do update
                 set request_hash = excluded.request_hash, status = 0, body = null, created_at = now()
                 where i.created_at < now() - interval '24 hours'
                    or (i.status = 0 and i.created_at < now() - interval '1 minute')
             returning 1)
         select exists (select 1 from claimed) as claimed, i.request_hash, i.status, i.body
         from caller left join idempotency_keys i on i.tenant_id = caller.tenant_id and i.key = $2"
    );
    let rows = db.query_authed(caller, SQL, &[(&key, Type::TEXT), (&request_hash, Type::BYTEA)]).await?;
    let row = &rows[0];
    if row.get("claimed") {
        return Ok(Claim::Claimed);
    }
    let Some(request_hash) = row.get::<_, Option<Vec<u8>>>("request_hash") else {
        return Ok(Claim::Racing);
    };
    let status: i16 = row.get("status");
    let answer = (status != 0).then(|| (status as u16, row.get::<_, Option<Vec<u8>>>("body").unwrap_or_default()));
    Ok(Claim::Taken { request_hash, answer })
}

/// Stores the answer of a claimed request.
pub async fn record(
    db: &impl Connection,
    caller: &KeyHash,
    key: &str,
    status: u16,
    body: &[u8],
) -> Result<(), ApiError> {
    const SQL: &str = authed!(
        "update idempotency_keys i set status = $3, body = $4
         from caller where i.tenant_id = caller.tenant_id and i.key = $2
         returning 1"
    );
    let status = status as i16;
    db.query(SQL, &[(caller.as_param(), Type::BYTEA), (&key, Type::TEXT), (&status, Type::INT2), (&body, Type::BYTEA)])
        .await
        .map(drop)
}

/// Gives a claim up so that a retry runs the request again (after a
/// server-side failure, which may or may not have changed data).
pub async fn release(db: &impl Connection, caller: &KeyHash, key: &str) -> Result<(), ApiError> {
    const SQL: &str = authed!(
        "delete from idempotency_keys i using caller
         where i.tenant_id = caller.tenant_id and i.key = $2 and i.status = 0"
    );
    db.query(SQL, &[(caller.as_param(), Type::BYTEA), (&key, Type::TEXT)]).await.map(drop)
}
