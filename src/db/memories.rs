//! SQL for memories: capture, read, list, patch, delete, and the old
//! server's offset listing.

use super::{authed, Db, Param};
use crate::auth::KeyHash;
use crate::domain::memory::Memory;
use crate::domain::paging::{Cursor, PageLimit};
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use tokio_postgres::types::Type;
use tokio_postgres::Row;
use uuid::Uuid;

/// The columns [`memory_from_row`] reads, from a relation aliased `m`.
macro_rules! memory_columns {
    () => {
        "m.id, m.title, m.content, m.tags, m.kind, m.source, m.url, m.metadata,
         m.captured_at, m.created_at, m.updated_at,
         m.user_tags, m.title_by_user, m.tags_by_user"
    };
}
pub(crate) use memory_columns;

/// A memory with the bookkeeping that decides what recomputation may change.
pub struct StoredMemory {
    pub memory: Memory,
    pub user_tags: Vec<String>,
    pub title_by_user: bool,
    pub tags_by_user: bool,
}

/// `None` for the all-NULL row of an authorised caller with nothing found.
pub fn memory_from_row(row: &Row) -> Option<StoredMemory> {
    let id: Option<Uuid> = row.get("id");
    Some(StoredMemory {
        memory: Memory {
            id: id?,
            title: row.get("title"),
            content: row.get("content"),
            tags: row.get("tags"),
            kind: row.get("kind"),
            source: row.get("source"),
            url: row.get("url"),
            metadata: row.get("metadata"),
            captured_at: row.get("captured_at"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        },
        user_tags: row.get("user_tags"),
        title_by_user: row.get("title_by_user"),
        tags_by_user: row.get("tags_by_user"),
    })
}

/// What the worker computed for a new memory, ready to insert.
pub struct Insert<'a> {
    pub content: &'a str,
    pub title: &'a str,
    pub title_by_user: bool,
    pub kind: &'a str,
    pub source: Option<&'a str>,
    pub url: Option<&'a str>,
    pub tags: &'a [String],
    pub user_tags: &'a [String],
    pub metadata: &'a serde_json::Value,
    pub captured_at: DateTime<Utc>,
}

/// What the database assigned to an inserted memory.
pub struct Inserted {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(db: &Db, key: &KeyHash, new: &Insert<'_>) -> Result<Inserted, ApiError> {
    // Only the generated values come back: the worker already holds the rest,
    // so a large capture is not sent back over the wire.
    const SQL: &str = authed!(
        ", inserted as (
             insert into memories (tenant_id, content, title, title_by_user, kind, source, url,
                                   tags, user_tags, metadata, captured_at)
             select tenant_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 from caller
             returning id, created_at, updated_at)
         select i.id, i.created_at, i.updated_at from caller left join inserted i on true"
    );
    let params: [Param<'_>; 10] = [
        (&new.content, Type::TEXT),
        (&new.title, Type::TEXT),
        (&new.title_by_user, Type::BOOL),
        (&new.kind, Type::TEXT),
        (&new.source, Type::TEXT),
        (&new.url, Type::TEXT),
        (&new.tags, Type::TEXT_ARRAY),
        (&new.user_tags, Type::TEXT_ARRAY),
        (new.metadata, Type::JSONB),
        (&new.captured_at, Type::TIMESTAMPTZ),
    ];
    let rows = db.query_authed(key, SQL, &params).await?;
    let row = &rows[0];
    Ok(Inserted { id: row.get("id"), created_at: row.get("created_at"), updated_at: row.get("updated_at") })
}

pub async fn get(db: &Db, key: &KeyHash, id: Uuid) -> Result<StoredMemory, ApiError> {
    const SQL: &str = authed!(
        "select ",
        memory_columns!(),
        " from caller left join memories m on m.tenant_id = caller.tenant_id and m.id = $2"
    );
    let rows = db.query_authed(key, SQL, &[(&id, Type::UUID)]).await?;
    memory_from_row(&rows[0]).ok_or(ApiError::NotFound)
}

/// Newest first, one page after `cursor`, plus one extra row if more follow.
pub async fn list(db: &Db, key: &KeyHash, limit: PageLimit, cursor: Option<Cursor>) -> Result<Vec<Memory>, ApiError> {
    const SQL: &str = authed!(
        "select ",
        memory_columns!(),
        " from caller left join lateral (
             select * from memories
             where tenant_id = caller.tenant_id
               and ($3::timestamptz is null or (created_at, id) < ($3, $4))
             order by created_at desc, id desc
             limit $2) m on true
         order by m.created_at desc, m.id desc"
    );
    let (after, after_id) = (cursor.map(|c| c.created_at), cursor.map(|c| c.id));
    let rows = db
        .query_authed(key, SQL, &[(&limit.probe(), Type::INT8), (&after, Type::TIMESTAMPTZ), (&after_id, Type::UUID)])
        .await?;
    Ok(rows.iter().filter_map(memory_from_row).map(|stored| stored.memory).collect())
}

/// The changes one PATCH makes. `None` leaves a column as it is.
pub struct Update<'a> {
    pub title: Option<&'a str>,
    pub title_by_user: bool,
    pub tags: Option<&'a [String]>,
    pub tags_by_user: bool,
    pub content: Option<&'a str>,
    pub kind: Option<&'a str>,
    /// Apply only if the memory is still at this version (optimistic
    /// concurrency for changes computed from what was read).
    pub if_updated_at: Option<DateTime<Utc>>,
}

/// `Ok(None)`: the memory does not exist, or changed since `if_updated_at`.
pub async fn update(db: &Db, key: &KeyHash, id: Uuid, change: &Update<'_>) -> Result<Option<Memory>, ApiError> {
    const SQL: &str = authed!(
        ", updated as (
             update memories m set
                 title = coalesce($3, m.title),
                 title_by_user = m.title_by_user or $4,
                 tags = coalesce($5, m.tags),
                 tags_by_user = m.tags_by_user or $6,
                 content = coalesce($7, m.content),
                 kind = coalesce($8, m.kind),
                 updated_at = now()
             from caller
             where m.tenant_id = caller.tenant_id and m.id = $2
               and ($9::timestamptz is null or m.updated_at = $9)
             returning m.*)
         select ",
        memory_columns!(),
        " from caller left join updated m on true"
    );
    let params: [Param<'_>; 8] = [
        (&id, Type::UUID),
        (&change.title, Type::TEXT),
        (&change.title_by_user, Type::BOOL),
        (&change.tags, Type::TEXT_ARRAY),
        (&change.tags_by_user, Type::BOOL),
        (&change.content, Type::TEXT),
        (&change.kind, Type::TEXT),
        (&change.if_updated_at, Type::TIMESTAMPTZ),
    ];
    let rows = db.query_authed(key, SQL, &params).await?;
    Ok(memory_from_row(&rows[0]).map(|stored| stored.memory))
}

/// `true` if a memory was deleted.
pub async fn delete(db: &Db, key: &KeyHash, id: Uuid) -> Result<bool, ApiError> {
    const SQL: &str = authed!(
        ", deleted as (
             delete from memories m using caller
             where m.tenant_id = caller.tenant_id and m.id = $2
             returning m.id)
         select d.id from caller left join deleted d on true"
    );
    let rows = db.query_authed(key, SQL, &[(&id, Type::UUID)]).await?;
    Ok(rows[0].get::<_, Option<Uuid>>("id").is_some())
}

/// The old server's listing: newest first by offset, with the total.
pub async fn list_by_offset(
    db: &Db,
    key: &KeyHash,
    limit: PageLimit,
    offset: i64,
) -> Result<(i64, Vec<Memory>), ApiError> {
    const SQL: &str = authed!(
        "select (select count(*) from memories where tenant_id = caller.tenant_id) as total, ",
        memory_columns!(),
        " from caller left join lateral (
             select * from memories
             where tenant_id = caller.tenant_id
             order by created_at desc, id desc
             limit $2 offset $3) m on true
         order by m.created_at desc, m.id desc"
    );
    let rows = db.query_authed(key, SQL, &[(&(limit.get() as i64), Type::INT8), (&offset, Type::INT8)]).await?;
    let total = rows[0].get("total");
    Ok((total, rows.iter().filter_map(memory_from_row).map(|stored| stored.memory).collect()))
}

/// Authenticates the key and nothing else (for the old `GET /` status route).
pub async fn check_key(db: &Db, key: &KeyHash) -> Result<(), ApiError> {
    const SQL: &str = authed!("select 1 from caller");
    db.query_authed(key, SQL, &[]).await.map(drop)
}
