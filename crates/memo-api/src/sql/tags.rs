//! SQL for the tag vocabulary, read from `tag_counts` (migration 0015), which
//! triggers on `memories` keep current, one row per tag and shard (migration
//! 0020): a tag's count is the sum of its shards.

use super::{authed, Connection};
use crate::domain::paging::PageLimit;
use crate::domain::tags::TagPrefix;
use crate::error::ApiError;
use crate::key::KeyHash;
use serde::Serialize;
use tokio_postgres::types::Type;

#[derive(Serialize)]
pub struct TagCount {
    pub tag: String,
    pub count: i64,
}

/// The caller's tags starting with `prefix`, most used first, then by name.
/// The prefix is a range scan of `tag_counts`' primary key (bytewise
/// collation), so a keystroke reads only the matching tags' shards.
pub async fn tags(
    db: &impl Connection,
    key: &KeyHash,
    prefix: &TagPrefix,
    limit: PageLimit,
) -> Result<Vec<TagCount>, ApiError> {
    const SQL: &str = authed!(
        "select t.tag::text as tag, t.count from caller left join lateral (
             select tag, sum(count)::int8 as count from tag_counts
             where tenant_id = caller.tenant_id and tag like $2
             group by tag having sum(count) > 0
             order by count desc, tag
             limit $3) t on true
         order by t.count desc, t.tag"
    );
    let rows =
        db.query_authed(key, SQL, &[(&prefix.like_pattern(), Type::TEXT), (&(limit.get() as i64), Type::INT8)]).await?;
    Ok(rows
        .iter()
        .filter_map(|row| Some(TagCount { tag: row.get::<_, Option<String>>("tag")?, count: row.get("count") }))
        .collect())
}
