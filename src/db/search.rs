//! SQL for full-text search: ranked, with snippets computed only for the
//! page returned.

use super::memories::{memory_columns, memory_from_row};
use super::{authed, Db};
use crate::auth::KeyHash;
use crate::domain::memory::Memory;
use crate::domain::paging::{Cursor, PageLimit};
use crate::error::ApiError;
use tokio_postgres::types::Type;

pub struct Hit {
    pub memory: Memory,
    pub score: f32,
    /// HTML-escaped text around the matches, each match in `<mark>…</mark>`.
    pub snippet: String,
}

impl Hit {
    pub fn cursor(&self) -> Cursor {
        Cursor { score: Some(self.score), ..self.memory.cursor() }
    }
}

/// Matches of `query` (web-search syntax: "quoted phrases", `or`, `-word`)
/// in the caller's memories, best first: title outranks tags outranks
/// content (see `memo_search_vector`), newer first among equals.
pub async fn search(
    db: &Db,
    key: &KeyHash,
    query: &str,
    limit: PageLimit,
    cursor: Option<Cursor>,
) -> Result<Vec<Hit>, ApiError> {
    // The content is HTML-escaped before ts_headline marks matches, so the
    // snippet is safe to insert as HTML; the score is ts_rank_cd's float4,
    // compared exactly in the cursor.
    const SQL: &str = authed!(
        ", q as (select websearch_to_tsquery('english', $2) as query),
         page as (
             select m.*, ts_rank_cd(m.search, q.query) as score
             from caller, q, memories m
             where m.tenant_id = caller.tenant_id
               and m.search @@ q.query
               and ($4::real is null or (ts_rank_cd(m.search, q.query), m.created_at, m.id) < ($4, $5, $6))
             order by score desc, m.created_at desc, m.id desc
             limit $3)
         select ",
        memory_columns!(),
        ", m.score,
           ts_headline('english',
               replace(replace(replace(m.content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
               q.query,
               'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'
           ) as snippet
         from caller cross join q left join page m on true
         order by m.score desc, m.created_at desc, m.id desc"
    );
    let score = cursor.and_then(|c| c.score);
    let (after, after_id) = (cursor.map(|c| c.created_at), cursor.map(|c| c.id));
    let rows = db
        .query_authed(
            key,
            SQL,
            &[
                (&query, Type::TEXT),
                (&limit.probe(), Type::INT8),
                (&score, Type::FLOAT4),
                (&after, Type::TIMESTAMPTZ),
                (&after_id, Type::UUID),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let stored = memory_from_row(row)?;
            Some(Hit { memory: stored.memory, score: row.get("score"), snippet: row.get("snippet") })
        })
        .collect())
}
