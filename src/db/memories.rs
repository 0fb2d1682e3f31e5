//! SQL for memories: capture, read, list, patch, delete, and the old
//! server's offset listing.

use super::{authed, Db, Param};
use crate::auth::KeyHash;
use crate::domain::export::{ExportLine, SCHEMA};
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
         m.captured_at, m.created_at, m.updated_at, m.capture_count,
         m.user_tags, m.title_by_user, m.tags_by_user, m.conversation_key"
    };
}
pub(crate) use memory_columns;

/// A memory with the bookkeeping that decides what recomputation may change.
pub struct StoredMemory {
    pub memory: Memory,
    pub conversation_key: Option<String>,
    pub user_tags: Vec<String>,
    pub title_by_user: bool,
    pub tags_by_user: bool,
}

impl StoredMemory {
    /// This memory as one line of an export (`domain::export`).
    pub fn export_line(&self) -> ExportLine<'_> {
        ExportLine {
            schema: SCHEMA,
            memory: &self.memory,
            user_tags: &self.user_tags,
            title_by_user: self.title_by_user,
            tags_by_user: self.tags_by_user,
            conversation_key: self.conversation_key.as_deref(),
        }
    }
}

/// The columns [`memory_from_row`] reads, for statements built elsewhere.
pub const MEMORY_COLUMNS: &str = memory_columns!();

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
            capture_count: row.get("capture_count"),
            captured_at: row.get("captured_at"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        },
        conversation_key: row.get("conversation_key"),
        user_tags: row.get("user_tags"),
        title_by_user: row.get("title_by_user"),
        tags_by_user: row.get("tags_by_user"),
    })
}

/// One memory to store, as the worker computed it (or as an export holds it).
pub struct Insert<'a> {
    pub content: &'a str,
    pub title: &'a str,
    pub title_by_user: bool,
    pub tags_by_user: bool,
    pub kind: &'a str,
    pub source: Option<&'a str>,
    pub url: Option<&'a str>,
    pub tags: &'a [String],
    pub user_tags: &'a [String],
    pub metadata: &'a serde_json::Value,
    pub captured_at: DateTime<Utc>,
    pub conversation_key: Option<&'a str>,
    /// Set by imports, which keep the original times and count; `None` is now.
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub capture_count: i32,
}

/// What a capture did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Created,
    /// A later state of a known conversation replaced its content.
    Updated,
    /// Nothing new: the same content, an older state of the conversation, or
    /// a repeat of another item of the same batch.
    Duplicate,
}

/// The columns both inserts of [`upsert`] write, and the same from a row of
/// `input` aliased `i`.
macro_rules! insert_columns {
    () => {
        "(tenant_id, content, title, title_by_user, tags_by_user, kind, source, url, tags, user_tags,
          metadata, captured_at, conversation_key, created_at, updated_at, capture_count)"
    };
}
macro_rules! insert_values {
    () => {
        "caller.tenant_id, i.content, i.title, i.title_by_user, i.tags_by_user, i.kind, i.source, i.url, i.tags,
         i.user_tags, i.metadata, i.captured_at, i.conversation_key, i.created_at, i.updated_at, i.capture_count"
    };
}

/// A capture of a conversation is newer when it was captured no earlier than
/// what is stored and its content differs.
/// A repeated capture counts once more; a repeated import line (it carries
/// its original `created_at`, never now) keeps the larger exported count, so
/// importing an export twice changes nothing.
macro_rules! counted {
    () => {
        "capture_count = case when excluded.created_at = now() then m.capture_count + 1
                              else greatest(m.capture_count, excluded.capture_count) end"
    };
}

macro_rules! newer {
    () => {
        "(excluded.captured_at >= m.captured_at and excluded.content <> m.content)"
    };
}

/// The statement of [`upsert`] after its `caller` CTE (a `tenant_id`
/// column), `$2`..`$17` being [`UpsertParams`]: the worker prefixes its
/// authentication, `memo-admin` a tenant by name.
macro_rules! upsert_memories_sql {
    () => {
        concat!(
        ", input as (
             select t.idx, t.content, t.title, t.title_by_user, t.tags_by_user, t.kind, t.source, t.url,
                    array(select jsonb_array_elements_text(t.tags)) as tags,
                    array(select jsonb_array_elements_text(t.user_tags)) as user_tags,
                    t.metadata, t.captured_at, t.conversation_key,
                    coalesce(t.created_at, now()) as created_at, coalesce(t.updated_at, now()) as updated_at,
                    t.capture_count, memo_content_hash(t.content) as content_hash
             from unnest($2::int4[], $3::text[], $4::text[], $5::bool[], $6::bool[], $7::text[], $8::text[],
                         $9::text[], $10::jsonb[], $11::jsonb[], $12::jsonb[], $13::timestamptz[], $14::text[],
                         $15::timestamptz[], $16::timestamptz[], $17::int4[])
                  as t(idx, content, title, title_by_user, tags_by_user, kind, source, url, tags, user_tags,
                       metadata, captured_at, conversation_key, created_at, updated_at, capture_count)),
         conversations as (
             select distinct on (conversation_key) * from input where conversation_key is not null
             order by conversation_key, captured_at desc, idx desc),
         notes as (
             select distinct on (content_hash) * from input where conversation_key is null
             order by content_hash, idx),
         by_conversation as (
             insert into memories as m ",
        insert_columns!(),
        " select ",
        insert_values!(),
        " from caller, conversations i
             on conflict (tenant_id, conversation_key) where conversation_key is not null do update set
                 content = case when ",
        newer!(),
        " then excluded.content else m.content end,
                 title = case when excluded.title_by_user then excluded.title
                              when m.title_by_user then m.title
                              when ",
        newer!(),
        " then excluded.title else m.title end,
                 title_by_user = m.title_by_user or excluded.title_by_user,
                 tags = case when not m.tags_by_user and ",
        newer!(),
        " then excluded.tags else m.tags end,
                 user_tags = case when ",
        newer!(),
        " then excluded.user_tags else m.user_tags end,
                 kind = case when ",
        newer!(),
        " then excluded.kind else m.kind end,
                 metadata = case when ",
        newer!(),
        " then excluded.metadata else m.metadata end,
                 url = case when ",
        newer!(),
        " then coalesce(excluded.url, m.url) else m.url end,
                 captured_at = greatest(m.captured_at, excluded.captured_at),
                 updated_at = case when ",
        newer!(),
        " then now() else m.updated_at end, ",
        counted!(),
        " returning m.*, (m.xmax = 0) as inserted, (m.xmax <> 0 and m.updated_at = now()) as updated),
         by_content as (
             insert into memories as m ",
        insert_columns!(),
        " select ",
        insert_values!(),
        " from caller, notes i
             on conflict (tenant_id, content_hash) where conversation_key is null do update set ",
        counted!(),
        " returning m.*, (m.xmax = 0) as inserted, false as updated),
         stored as (select * from by_conversation union all select * from by_content),
         sent as (select idx from conversations union all select idx from notes)
         select i.idx, ",
        memory_columns!(),
        ", m.inserted, m.updated, exists (select 1 from sent where sent.idx = i.idx) as sent
         from caller cross join input i
         left join stored m on m.tenant_id = caller.tenant_id
             and (m.conversation_key = i.conversation_key
                  or (i.conversation_key is null and m.conversation_key is null and m.content_hash = i.content_hash))
         order by i.idx"
        )
    };
}

/// Stores many captures in one statement, in order, one result per item.
///
/// A conversation already stored is updated in place when the capture is
/// newer; content already stored (whitespace folded, see
/// `memo_content_hash`) is not stored twice; repeats within the batch are
/// folded first. Unique indexes keep both rules exact under concurrency.
pub async fn upsert(db: &Db, key: &KeyHash, items: &[Insert<'_>]) -> Result<Vec<(StoredMemory, Outcome)>, ApiError> {
    const SQL: &str = authed!(upsert_memories_sql!());
    let params = UpsertParams::new(items);
    let rows = db.query_authed(key, SQL, &params.as_params()).await?;
    rows.iter().map(upserted_from_row).collect()
}

/// [`upsert_memories_sql!`] without its `caller` CTE.
pub const UPSERT_MEMORIES_BODY: &str = upsert_memories_sql!();

/// One result row of the upsert statement.
pub fn upserted_from_row(row: &Row) -> Result<(StoredMemory, Outcome), ApiError> {
    let stored = memory_from_row(row).ok_or_else(|| ApiError::Internal("a capture stored no row".into()))?;
    let outcome = match (row.get("sent"), row.get("inserted"), row.get("updated")) {
        (true, true, _) => Outcome::Created,
        (true, false, true) => Outcome::Updated,
        _ => Outcome::Duplicate,
    };
    Ok((stored, outcome))
}

/// The columns of many [`Insert`]s as the arrays the upsert statement unnests.
pub struct UpsertParams<'a> {
    idx: Vec<i32>,
    content: Vec<&'a str>,
    title: Vec<&'a str>,
    title_by_user: Vec<bool>,
    tags_by_user: Vec<bool>,
    kind: Vec<&'a str>,
    source: Vec<Option<&'a str>>,
    url: Vec<Option<&'a str>>,
    tags: Vec<serde_json::Value>,
    user_tags: Vec<serde_json::Value>,
    metadata: Vec<&'a serde_json::Value>,
    captured_at: Vec<DateTime<Utc>>,
    conversation_key: Vec<Option<&'a str>>,
    created_at: Vec<Option<DateTime<Utc>>>,
    updated_at: Vec<Option<DateTime<Utc>>>,
    capture_count: Vec<i32>,
}

impl<'a> UpsertParams<'a> {
    pub fn new(items: &[Insert<'a>]) -> UpsertParams<'a> {
        UpsertParams {
            idx: (0..items.len() as i32).collect(),
            content: items.iter().map(|i| i.content).collect(),
            title: items.iter().map(|i| i.title).collect(),
            title_by_user: items.iter().map(|i| i.title_by_user).collect(),
            tags_by_user: items.iter().map(|i| i.tags_by_user).collect(),
            kind: items.iter().map(|i| i.kind).collect(),
            source: items.iter().map(|i| i.source).collect(),
            url: items.iter().map(|i| i.url).collect(),
            tags: items.iter().map(|i| serde_json::json!(i.tags)).collect(),
            user_tags: items.iter().map(|i| serde_json::json!(i.user_tags)).collect(),
            metadata: items.iter().map(|i| i.metadata).collect(),
            captured_at: items.iter().map(|i| i.captured_at).collect(),
            conversation_key: items.iter().map(|i| i.conversation_key).collect(),
            created_at: items.iter().map(|i| i.created_at).collect(),
            updated_at: items.iter().map(|i| i.updated_at).collect(),
            capture_count: items.iter().map(|i| i.capture_count).collect(),
        }
    }

    /// `$2`..`$17` of the statement.
    pub fn as_params(&self) -> [Param<'_>; 16] {
        [
            (&self.idx, Type::INT4_ARRAY),
            (&self.content, Type::TEXT_ARRAY),
            (&self.title, Type::TEXT_ARRAY),
            (&self.title_by_user, Type::BOOL_ARRAY),
            (&self.tags_by_user, Type::BOOL_ARRAY),
            (&self.kind, Type::TEXT_ARRAY),
            (&self.source, Type::TEXT_ARRAY),
            (&self.url, Type::TEXT_ARRAY),
            (&self.tags, Type::JSONB_ARRAY),
            (&self.user_tags, Type::JSONB_ARRAY),
            (&self.metadata, Type::JSONB_ARRAY),
            (&self.captured_at, Type::TIMESTAMPTZ_ARRAY),
            (&self.conversation_key, Type::TEXT_ARRAY),
            (&self.created_at, Type::TIMESTAMPTZ_ARRAY),
            (&self.updated_at, Type::TIMESTAMPTZ_ARRAY),
            (&self.capture_count, Type::INT4_ARRAY),
        ]
    }
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
pub async fn list(
    db: &Db,
    key: &KeyHash,
    limit: PageLimit,
    cursor: Option<Cursor>,
) -> Result<Vec<StoredMemory>, ApiError> {
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
    Ok(rows.iter().filter_map(memory_from_row).collect())
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
