//! SQL for tag edits across memories and bulk deletes: one statement each,
//! scoped to the caller's tenant, changing only rows that change (so a repeat
//! changes nothing).

use super::{authed, Connection};
use crate::domain::tag_edits::TagEdit;
use crate::error::ApiError;
use crate::key::KeyHash;
use tokio_postgres::types::Type;
use uuid::Uuid;

/// What an edit did: how many memories changed, and which of those named
/// were left alone because they would hold more than `MAX_TAGS` tags.
pub struct Edited {
    pub changed: i64,
    pub over_limit: Vec<Uuid>,
}

/// Applies `edit` to the memories `ids`, or (`None`) to every memory holding
/// one of `edit.dropped`. The tags become the user's (`tags_by_user`), so a
/// later recapture or content change keeps them; `user_tags` get the same edit.
pub async fn edit(
    db: &impl Connection,
    key: &KeyHash,
    edit: &TagEdit,
    ids: Option<&[Uuid]>,
    max_tags: i64,
) -> Result<Edited, ApiError> {
    const SQL: &str = authed!(
        ", target as (
             select m.id, memo_tags_edit(m.tags, $2, $3, $4) as tags
             from caller join memories m on m.tenant_id = caller.tenant_id
             where ($5::uuid[] is null and m.tags && $2) or m.id = any($5)),
         edited as (
             update memories m set
                 tags = t.tags,
                 user_tags = memo_tags_edit(m.user_tags, $2, $3, $4),
                 tags_by_user = true,
                 updated_at = now()
             from caller, target t
             where m.tenant_id = caller.tenant_id and m.id = t.id
               and m.tags is distinct from t.tags and cardinality(t.tags) <= $6
             returning m.id)
         select (select count(*) from edited) as changed,
                array(select t.id from target t where cardinality(t.tags) > $6 order by t.id) as over_limit
         from caller"
    );
    let ids = ids.map(<[Uuid]>::to_vec);
    let rows = db
        .query_authed(
            key,
            SQL,
            &[
                (&edit.dropped, Type::TEXT_ARRAY),
                (&edit.replacement, Type::TEXT),
                (&edit.added, Type::TEXT_ARRAY),
                (&ids, Type::UUID_ARRAY),
                (&max_tags, Type::INT8),
            ],
        )
        .await?;
    Ok(Edited { changed: rows[0].get("changed"), over_limit: rows[0].get("over_limit") })
}

/// Deletes the caller's memories among `ids`; returns how many there were.
pub async fn delete(db: &impl Connection, key: &KeyHash, ids: &[Uuid]) -> Result<i64, ApiError> {
    const SQL: &str = authed!(
        ", deleted as (
             delete from memories m using caller
             where m.tenant_id = caller.tenant_id and m.id = any($2)
             returning m.id)
         select (select count(*) from deleted) as changed from caller"
    );
    let rows = db.query_authed(key, SQL, &[(&ids, Type::UUID_ARRAY)]).await?;
    Ok(rows[0].get("changed"))
}
