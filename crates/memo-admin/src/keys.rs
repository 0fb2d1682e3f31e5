//! Tenants and API keys.
//!
//! A key is `memo_` followed by 32 bytes from the operating system's CSPRNG in
//! URL-safe base64 (256 bits). Only its SHA-256 digest is stored; the first
//! characters are kept as a non-secret prefix to recognise and revoke it.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};
use std::path::Path;
use tokio_postgres::Client;

use super::AnyError;

use memo_api::key::{KEY_PREFIX, KEY_SECRET_BYTES as SECRET_BYTES};
/// `memo_` plus 8 characters (48 bits): unique enough to name a key, far too
/// short to guess one.
const DISPLAY_PREFIX_LEN: usize = KEY_PREFIX.len() + 8;

pub fn generate_key() -> Result<String, AnyError> {
    let mut secret = [0u8; SECRET_BYTES];
    getrandom::fill(&mut secret).map_err(|e| format!("no secure randomness: {e}"))?;
    Ok(format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(secret)))
}

pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

fn display_prefix(key: &str) -> &str {
    &key[..DISPLAY_PREFIX_LEN]
}

pub async fn ensure_tenant(client: &Client, name: &str) -> Result<uuid::Uuid, AnyError> {
    let row = client
        .query_one(
            "with inserted as (
                 insert into tenants (name) values ($1)
                 on conflict (name) do nothing
                 returning id)
             select id from inserted
             union all
             select id from tenants where name = $1
             limit 1",
            &[&name],
        )
        .await?;
    Ok(row.get(0))
}

/// Creates a key for an existing tenant and returns it in clear, once.
pub async fn create(client: &Client, tenant: &str, name: Option<&str>) -> Result<String, AnyError> {
    let key = generate_key()?;
    let inserted = client
        .execute(
            "insert into api_keys (tenant_id, prefix, key_hash, name)
             select id, $2, $3, $4 from tenants where name = $1",
            &[&tenant, &display_prefix(&key), &hash_key(&key), &name],
        )
        .await?;
    if inserted == 0 {
        return Err(format!("no tenant named {tenant:?}; create it with `tenant create`").into());
    }
    Ok(key)
}

pub async fn list(client: &Client, tenant: Option<&str>) -> Result<Vec<String>, AnyError> {
    let rows = client
        .query(
            "select k.prefix, t.name, coalesce(k.name, ''), k.created_at, k.last_used_at, k.revoked_at
             from api_keys k join tenants t on t.id = k.tenant_id
             where $1::text is null or t.name = $1
             order by t.name, k.created_at",
            &[&tenant],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|row| {
            let created: chrono::DateTime<chrono::Utc> = row.get(3);
            let used: Option<chrono::DateTime<chrono::Utc>> = row.get(4);
            let revoked: Option<chrono::DateTime<chrono::Utc>> = row.get(5);
            format!(
                "{}…\ttenant={}\tname={}\tcreated={}\tlast_used={}\t{}",
                row.get::<_, String>(0),
                row.get::<_, String>(1),
                row.get::<_, String>(2),
                created.to_rfc3339(),
                used.map_or("never".into(), |t| t.to_rfc3339()),
                if revoked.is_some() { "revoked" } else { "active" },
            )
        })
        .collect())
}

pub async fn revoke(client: &Client, prefix: &str) -> Result<(), AnyError> {
    let prefix = prefix.trim_end_matches('…');
    let revoked = client
        .execute("update api_keys set revoked_at = now() where prefix = $1 and revoked_at is null", &[&prefix])
        .await?;
    if revoked == 0 {
        return Err(format!("no active key with prefix {prefix:?}").into());
    }
    Ok(())
}

/// Keeps the key in `file` if it still authenticates for `tenant`; otherwise
/// creates the tenant if needed and a new key, and writes it to `file`.
pub async fn ensure_dev_key(client: &Client, tenant: &str, file: &Path) -> Result<String, AnyError> {
    if let Ok(existing) = std::fs::read_to_string(file) {
        let existing = existing.trim();
        let valid = client
            .query_opt(
                "select 1 from api_keys k join tenants t on t.id = k.tenant_id
                 where k.key_hash = $1 and k.revoked_at is null and t.name = $2",
                &[&hash_key(existing), &tenant],
            )
            .await?;
        if valid.is_some() {
            return Ok(existing.to_owned());
        }
    }
    ensure_tenant(client, tenant).await?;
    let key = create(client, tenant, Some("development")).await?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::io::Write::write_all(&mut super::create_private(file)?, format!("{key}\n").as_bytes())?;
    Ok(key)
}

/// A change to one quota: whether to change it, and to what (`None`: the default).
pub type QuotaChange = (bool, Option<i64>);

/// Sets a tenant's own quotas where asked; describes its quotas and usage.
pub async fn quota(
    client: &Client,
    tenant: &str,
    memories: QuotaChange,
    bytes: QuotaChange,
) -> Result<String, AnyError> {
    let row = client
        .query_opt(
            "with changed as (
                 update tenants t set
                     quota_memories = case when $2 then $3 else t.quota_memories end,
                     quota_bytes = case when $4 then $5 else t.quota_bytes end
                 where t.name = $1
                 returning t.id, t.quota_memories, t.quota_bytes)
             select c.quota_memories, c.quota_bytes, u.memories, u.bytes
             from changed c cross join lateral memo_usage(c.id) u",
            &[&tenant, &memories.0, &memories.1, &bytes.0, &bytes.1],
        )
        .await?
        .ok_or_else(|| format!("no tenant named {tenant:?}; create it with `tenant create`"))?;
    let shown = |quota: Option<i64>, default: &str| quota.map_or(format!("default ({default})"), |n| n.to_string());
    Ok(format!(
        "tenant={tenant}\tquota_memories={}\tquota_bytes={}\tmemories={}\tbytes={}",
        shown(row.get(0), "QUOTA_MEMORIES"),
        shown(row.get(1), "QUOTA_BYTES"),
        row.get::<_, i64>(2),
        row.get::<_, i64>(3),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_long_random_and_prefixed() {
        let a = generate_key().unwrap();
        let b = generate_key().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(KEY_PREFIX));
        // 32 bytes of base64 without padding is 43 characters.
        assert_eq!(a.len(), KEY_PREFIX.len() + 43);
        assert_eq!(display_prefix(&a).len(), DISPLAY_PREFIX_LEN);
    }

    #[test]
    fn hash_is_sha256_of_the_whole_key() {
        assert_eq!(hash_key("memo_x").len(), 32);
        assert_ne!(hash_key("memo_x"), hash_key("memo_y"));
    }
}
