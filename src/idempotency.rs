//! Idempotent retries: a capture, patch, delete or batch sent with an
//! `Idempotency-Key` header answers every retry within 24 hours with the
//! first answer, even when that first answer was lost on the way back.
//!
//! The key is claimed before the request runs; the request and the record of
//! its answer then run in one transaction, so a write is never committed
//! without its answer (a retry would apply it twice). A retry arriving while
//! the first is still running gets 409 with Retry-After; the same key with a
//! different request is a 422.

use crate::http::Reply;
use crate::routes::Ctx;
use memo_api::error::{ApiError, FieldError};
use memo_api::key::KeyHash;
use memo_api::sql::idempotency::{self as sql, Claim};
use memo_api::sql::Connection;
use sha2::{Digest, Sha256};
use std::future::Future;

const HEADER: &str = "Idempotency-Key";
const MAX_KEY_CHARS: usize = 255;

/// A client's idempotency key: 1..=255 visible ASCII characters.
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(raw: &str) -> Result<IdempotencyKey, FieldError> {
        let key = raw.trim();
        if key.is_empty() || key.len() > MAX_KEY_CHARS || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FieldError::new(HEADER, "Idempotency-Key must be 1 to 255 visible ASCII characters"));
        }
        Ok(IdempotencyKey(key.to_owned()))
    }
}

/// Identifies a request: the same key may only ever be sent with it.
fn request_hash(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut hash = Sha256::new();
    for part in [method.as_bytes(), b"\n", path.as_bytes(), b"\n", body] {
        hash.update(part);
    }
    hash.finalize().to_vec()
}

/// Runs `request` at most once per key and answers retries with its answer.
pub async fn once<F, Fut>(
    cx: &Ctx,
    caller: &KeyHash,
    key: &IdempotencyKey,
    (method, path, body): (&str, &str, &[u8]),
    request: F,
) -> Result<Reply, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Reply, ApiError>>,
{
    let hash = request_hash(method, path, body);
    let db = cx.db().await?;
    match sql::claim(db, caller, &key.0, &hash).await? {
        Claim::Claimed => {}
        Claim::Taken { request_hash, .. } if request_hash != hash => {
            return Err(
                FieldError::new(HEADER, "this Idempotency-Key was already used with a different request").into()
            );
        }
        Claim::Taken { answer: Some((status, body)), .. } => {
            let replay = Reply { status, body, headers: Vec::new(), stream: None };
            return Ok(replay.with_header("Idempotent-Replayed", "true".into()));
        }
        Claim::Taken { answer: None, .. } | Claim::Racing => return Err(ApiError::InProgress),
    }
    // The request and the record of its answer commit together or not at
    // all: a statement given up on (timed out, its cancel lost) can then
    // never commit on its own after the claim was released.
    if let Err(error) = db.query("begin", &[]).await {
        let _ = sql::release(db, caller, &key.0).await;
        return Err(error);
    }
    let answered = match request().await {
        Ok(reply) => sql::record(db, caller, &key.0, reply.status, &reply.body).await.map(|()| reply),
        Err(error) => Err(error),
    };
    let error = match answered {
        Ok(reply) => {
            // A commit that fails may still have happened: the claim stays
            // until a retry finds the answer, or takes the claim over once it
            // is a minute old (by then surely not committed).
            db.query("commit", &[]).await?;
            return Ok(reply);
        }
        Err(error) => error,
    };
    // Nothing committed: roll back, then give the claim up after a transient
    // failure (a retry runs the request again), or record a client error as
    // the answer to replay. If the rollback fails the connection is gone and
    // the transaction with it; the claim is taken over after a minute.
    if db.query("rollback", &[]).await.is_err() {
        return Err(error);
    }
    // A full quota may have room by the time of the retry: released too.
    if error.status() >= 500 || matches!(error, ApiError::QuotaExceeded { .. }) {
        let _ = sql::release(db, caller, &key.0).await;
    } else {
        let reply = Reply::from(&error);
        sql::record(db, caller, &key.0, reply.status, &reply.body).await?;
    }
    Err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_and_bounded() {
        assert!(IdempotencyKey::parse("9f1c-retry-1").is_ok());
        assert_eq!(IdempotencyKey::parse("").err().unwrap().field, "Idempotency-Key");
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse("ключ").is_err());
        assert!(IdempotencyKey::parse(&"k".repeat(256)).is_err());
    }

    #[test]
    fn request_hash_covers_method_path_and_body() {
        let base = request_hash("POST", "/v1/memories", b"{}");
        assert_ne!(base, request_hash("PATCH", "/v1/memories", b"{}"));
        assert_ne!(base, request_hash("POST", "/memory", b"{}"));
        assert_ne!(base, request_hash("POST", "/v1/memories", b"{ }"));
    }
}
