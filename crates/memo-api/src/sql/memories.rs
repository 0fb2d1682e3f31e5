//! SQL for memories: capture, read, list, patch, delete, and the old
//! server's offset listing.

use super::{authed, with_quota_defaults, Connection, Param};
use crate::domain::export::{ExportLine, SCHEMA};
use crate::domain::memory::{Memory, MemoryBrief, MemoryItem};
use crate::domain::paging::{Cursor, PageLimit};
use crate::error::ApiError;
use crate::key::KeyHash;
use chrono::{DateTime, Utc};
use tokio_postgres::types::Type;
use tokio_postgres::Row;
use uuid::Uuid;

/// The columns [`memory_from_row`] reads but the content, from a relation
/// aliased `m`: lists read the content only when asked for it.
macro_rules! memory_columns_but_content {
    () => {
        "m.id, m.title, m.tags, m.kind, m.source, m.url, m.metadata,
         m.captured_at, m.created_at, m.updated_at, m.capture_count,
         m.user_tags, m.title_by_user, m.tags_by_user, m.conversation_key"
    };
}

/// The columns [`memory_from_row`] reads, from a relation aliased `m`, in
/// the order of the search functions' result type (migration 0010).
macro_rules! memory_columns {
    () => {
        "m.id, m.title, m.content, m.tags, m.kind, m.source, m.url, m.metadata,
         m.captured_at, m.created_at, m.updated_at, m.capture_count,
         m.user_tags, m.title_by_user, m.tags_by_user, m.conversation_key"
    };
}
pub(crate) use memory_columns_but_content;

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
/// A row without its content (no `content` column, or a NULL one) makes a
/// memory whose content is empty: not loaded.
pub fn memory_from_row(row: &Row) -> Option<StoredMemory> {
    let id: Option<Uuid> = row.get("id");
    Some(StoredMemory {
        memory: Memory {
            id: id?,
            title: row.get("title"),
            content: row.try_get::<_, Option<String>>("content").ok().flatten().unwrap_or_default(),
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

/// The capture statement after a CTE named `$caller` (a `tenant_id`
/// column), `$2`..`$17` being [`UpsertParams`] and `$18` whether to answer
/// whole memories: the worker's is `memo_capture_tenant` (see [`upsert`]),
/// `memo-admin`'s a tenant by name. The
/// work is done by the function `memo_capture_memories`
/// (migrations/0012_capture_brief.sql), whose plan Postgres keeps per server
/// connection. Without `$18` its rows carry only what a batch result says of
/// a memory, so the answer stays small however large the memories the items
/// fold into.
macro_rules! upsert_memories_sql {
    ($caller:literal) => {
        concat!(
            " select u.* from ",
            $caller,
            " as caller(tenant_id) cross join lateral memo_capture_memories(
              caller.tenant_id, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) u"
        )
    };
}

/// Stores one capture and answers the memory as stored, content included.
///
/// A conversation already stored is updated in place when the capture is
/// newer; content already stored (whitespace folded, see
/// `memo_content_hash`) is not stored twice. Unique indexes keep both rules
/// exact under concurrency. A capture that would leave the tenant over a
/// quota stores nothing (`ApiError::QuotaExceeded`); nor does a batch.
pub async fn capture_one(
    db: &impl Connection,
    key: &KeyHash,
    item: Insert<'_>,
) -> Result<(StoredMemory, Outcome), ApiError> {
    let row = upsert(db, key, &[item], true).await?.pop();
    let row = row.ok_or_else(|| ApiError::Internal("a capture returned no result".into()))?;
    let stored = memory_from_row(&row).ok_or_else(|| ApiError::Internal("a capture stored no row".into()))?;
    Ok((stored, outcome_from_row(&row)))
}

/// Stores many captures in one statement, in order, one brief result per
/// item (as [`capture_one`]; repeats within the batch are folded first).
pub async fn capture_many(
    db: &impl Connection,
    key: &KeyHash,
    items: &[Insert<'_>],
) -> Result<Vec<(MemoryBrief, Outcome)>, ApiError> {
    upsert(db, key, items, false).await?.iter().map(|row| Ok((brief_from_row(row)?, outcome_from_row(row)))).collect()
}

/// The worker's capture: `memo_capture_tenant` (migrations/0020) checks the
/// key in `$1` by the rule of [`authed!`] (no row at all, so no capture, for
/// a key that is not valid) and sets the default quotas `$19` and `$20`;
/// then [`upsert_memories_sql!`]'s function, in this one statement. Two
/// function calls plan in next to nothing (the statement is planned on every
/// request), and the statements inside keep their plans per server
/// connection.
async fn upsert(db: &impl Connection, key: &KeyHash, items: &[Insert<'_>], whole: bool) -> Result<Vec<Row>, ApiError> {
    const SQL: &str = upsert_memories_sql!("memo_capture_tenant($1, $19, $20)");
    let params = UpsertParams::new(items);
    let quota = db.quota_defaults();
    let mut all = params.as_params().to_vec();
    all.push((&whole, Type::BOOL));
    all.extend(quota.as_params());
    db.query_authed(key, SQL, &all).await
}

/// `upsert_memories_sql!` without its `caller` CTE.
pub const UPSERT_MEMORIES_BODY: &str = upsert_memories_sql!("caller");

/// What one result row of the upsert statement did.
pub fn outcome_from_row(row: &Row) -> Outcome {
    match (row.get("sent"), row.get("inserted"), row.get("updated")) {
        (true, true, _) => Outcome::Created,
        (true, false, true) => Outcome::Updated,
        _ => Outcome::Duplicate,
    }
}

/// The memory of one result row of the upsert statement, in brief.
pub fn brief_from_row(row: &Row) -> Result<MemoryBrief, ApiError> {
    let id: Option<Uuid> = row.get("id");
    let id = id.ok_or_else(|| ApiError::Internal("a capture stored no row".into()))?;
    Ok(MemoryBrief { id, title: row.get("title"), tags: row.get("tags"), kind: row.get("kind") })
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

pub async fn get(db: &impl Connection, key: &KeyHash, id: Uuid) -> Result<StoredMemory, ApiError> {
    const SQL: &str = authed!(
        "select ",
        memory_columns!(),
        " from caller left join memories m on m.tenant_id = caller.tenant_id and m.id = $2"
    );
    let rows = db.query_authed(key, SQL, &[(&id, Type::UUID)]).await?;
    memory_from_row(&rows[0]).ok_or(ApiError::NotFound)
}

/// What a list page reads of each memory's content.
#[derive(Debug, Clone, Copy)]
pub struct ListContent {
    /// Characters of content read for the preview.
    pub preview_chars: usize,
    /// `Some(bytes)`: read whole contents too, and end the page early once
    /// they add up to `bytes` (a first memory larger than that still comes).
    pub budget: Option<usize>,
}

/// One page of a list: its items, and whether more follow the last.
pub struct ListPage {
    pub items: Vec<(StoredMemory, MemoryItemStart)>,
    pub more: bool,
}

impl ListPage {
    /// The cursor of the page after this one, if there is one.
    pub fn next_cursor(&self) -> Option<String> {
        self.items.last().filter(|_| self.more).map(|(stored, _)| stored.memory.cursor().encode())
    }
}

/// What a list row says of a memory's content besides the content.
pub struct MemoryItemStart {
    /// At most the first `preview_chars` characters.
    pub start: String,
    pub content_length: usize,
}

impl MemoryItemStart {
    pub fn item(self, memory: Memory, preview_chars: usize) -> MemoryItem {
        MemoryItem::new(memory, &self.start, self.content_length, preview_chars)
    }
}

/// Newest first, one page after `cursor`: at most `limit` memories, and with
/// contents at most `budget` bytes of them (see [`ListContent`]). Postgres
/// sizes contents without reading them (`octet_length` of a stored value),
/// so contents past the page's end are never read nor sent. `url`: only
/// memories whose stored URL is exactly this (the index
/// `memories_tenant_url` finds them; the statement is planned with the value).
pub async fn list(
    db: &impl Connection,
    key: &KeyHash,
    limit: PageLimit,
    cursor: Option<Cursor>,
    content: ListContent,
    url: Option<&str>,
) -> Result<ListPage, ApiError> {
    const SQL: &str = authed!(
        "select ",
        memory_columns_but_content!(),
        ", case when $6 then m.content end as content, m.start, m.content_length, m.fetched
         from caller left join lateral (
             select p.*, substr(p.content, 1, $5) as start, char_length(p.content) as content_length,
                    sum(octet_length(p.content)) over (order by p.created_at desc, p.id desc)
                        - octet_length(p.content) as bytes_before,
                    count(*) over () as fetched
             from (select * from memories
                   where tenant_id = caller.tenant_id
                     and ($3::timestamptz is null or (created_at, id) < ($3, $4))
                     and ($8::text is null or url = $8)
                   order by created_at desc, id desc
                   limit $2) p) m on true
         where m.id is null or not $6 or m.bytes_before = 0 or m.bytes_before + octet_length(m.content) <= $7
         order by m.created_at desc, m.id desc"
    );
    let (after, after_id) = (cursor.map(|c| c.created_at), cursor.map(|c| c.id));
    let preview_chars = i32::try_from(content.preview_chars).unwrap_or(i32::MAX);
    let whole = content.budget.is_some();
    let budget = content.budget.map_or(i64::MAX, |b| i64::try_from(b).unwrap_or(i64::MAX));
    let params: [Param<'_>; 7] = [
        (&limit.probe(), Type::INT8),
        (&after, Type::TIMESTAMPTZ),
        (&after_id, Type::UUID),
        (&preview_chars, Type::INT4),
        (&whole, Type::BOOL),
        (&budget, Type::INT8),
        (&url, Type::TEXT),
    ];
    let rows = db.query_authed(key, SQL, &params).await?;
    let fetched = rows[0].get::<_, Option<i64>>("fetched").unwrap_or(0) as usize;
    let mut items: Vec<_> = rows
        .iter()
        .filter_map(|row| {
            let start = MemoryItemStart {
                start: row.get::<_, Option<String>>("start").unwrap_or_default(),
                content_length: row.get::<_, Option<i32>>("content_length").unwrap_or(0) as usize,
            };
            memory_from_row(row).map(|stored| (stored, start))
        })
        .collect();
    items.truncate(limit.get());
    Ok(ListPage { more: fetched > items.len(), items })
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
pub async fn update(
    db: &impl Connection,
    key: &KeyHash,
    id: Uuid,
    change: &Update<'_>,
) -> Result<Option<Memory>, ApiError> {
    const SQL: &str = authed!(
        with_quota_defaults!("$10", "$11"),
        ", updated as (
             update memories m set
                 title = coalesce($3, m.title),
                 title_by_user = m.title_by_user or $4,
                 tags = coalesce($5, m.tags),
                 tags_by_user = m.tags_by_user or $6,
                 content = coalesce($7, m.content),
                 kind = coalesce($8, m.kind),
                 updated_at = now()
             from limited
             where m.tenant_id = limited.tenant_id and m.id = $2
               and ($9::timestamptz is null or m.updated_at = $9)
             returning m.*)
         select ",
        memory_columns!(),
        " from caller left join updated m on true"
    );
    let quota = db.quota_defaults();
    let [quota_memories, quota_bytes] = quota.as_params();
    let params: [Param<'_>; 10] = [
        (&id, Type::UUID),
        (&change.title, Type::TEXT),
        (&change.title_by_user, Type::BOOL),
        (&change.tags, Type::TEXT_ARRAY),
        (&change.tags_by_user, Type::BOOL),
        (&change.content, Type::TEXT),
        (&change.kind, Type::TEXT),
        (&change.if_updated_at, Type::TIMESTAMPTZ),
        quota_memories,
        quota_bytes,
    ];
    let rows = db.query_authed(key, SQL, &params).await?;
    Ok(memory_from_row(&rows[0]).map(|stored| stored.memory))
}

/// `true` if a memory was deleted.
pub async fn delete(db: &impl Connection, key: &KeyHash, id: Uuid) -> Result<bool, ApiError> {
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

/// The old server's listing: newest first by offset, with the total; its
/// items had no content, so the memories come without it.
pub async fn list_by_offset(
    db: &impl Connection,
    key: &KeyHash,
    limit: PageLimit,
    offset: i64,
) -> Result<(i64, Vec<Memory>), ApiError> {
    const SQL: &str = authed!(
        "select (select count(*) from memories where tenant_id = caller.tenant_id) as total, ",
        memory_columns_but_content!(),
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
pub async fn check_key(db: &impl Connection, key: &KeyHash) -> Result<(), ApiError> {
    const SQL: &str = authed!("select 1 from caller");
    db.query_authed(key, SQL, &[]).await.map(drop)
}
