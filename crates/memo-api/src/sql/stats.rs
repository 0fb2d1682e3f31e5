//! SQL for the caller's statistics.

use super::{authed, Connection};
use crate::error::ApiError;
use crate::key::KeyHash;
use serde_json::Value;
use tokio_postgres::types::Type;

pub struct Stats {
    pub total: i64,
    pub last_24h: i64,
    /// `{kind: count}`
    pub by_kind: Value,
    /// `{source: count}`; memories without a source count as `unknown`.
    pub by_source: Value,
    /// `[{tag, count}]`, most used first.
    pub top_tags: Value,
    /// `[{day, count}]`: memories created on each of the last 90 days (UTC), oldest first, zeros included.
    pub by_day: Value,
    /// What the tenant holds, as its quotas count it: memories and bytes.
    pub usage: (i64, i64),
    /// The tenant's quotas: its own (`memo-admin tenant quota`), else the defaults.
    pub quota: (i64, i64),
}

pub async fn stats(db: &impl Connection, key: &KeyHash, top_tags: i64) -> Result<Stats, ApiError> {
    const SQL: &str = authed!(
        ", mine as (select m.kind, m.source, m.tags, m.created_at from caller join memories m on m.tenant_id = caller.tenant_id)
         select
             (select count(*) from mine) as total,
             (select count(*) from mine where created_at > now() - interval '24 hours') as last_24h,
             (select coalesce(jsonb_object_agg(kind, n), '{}') from
                 (select kind, count(*) as n from mine group by kind) k) as by_kind,
             (select coalesce(jsonb_object_agg(source, n), '{}') from
                 (select coalesce(source, 'unknown') as source, count(*) as n from mine group by 1) s) as by_source,
             (select coalesce(jsonb_agg(jsonb_build_object('tag', tag, 'count', n) order by n desc, tag), '[]') from
                 (select tag, count(*) as n from mine, unnest(mine.tags) as tag
                  group by tag order by n desc, tag limit $2) t) as top_tags,
             (select jsonb_agg(jsonb_build_object('day', to_char(g.day, 'YYYY-MM-DD'), 'count', coalesce(c.n, 0))
                               order by g.day)
              from (select (now() at time zone 'UTC')::date - i as day from generate_series(0, 89) as i) g
              left join (select (created_at at time zone 'UTC')::date as day, count(*) as n from mine
                         where created_at >= ((now() at time zone 'UTC')::date - 89)::timestamp at time zone 'UTC'
                         group by 1) c on c.day = g.day) as by_day,
             u.memories as usage_memories, u.bytes as usage_bytes,
             coalesce(t.quota_memories, $3) as quota_memories, coalesce(t.quota_bytes, $4) as quota_bytes
         from caller
         join tenants t on t.id = caller.tenant_id
         cross join lateral memo_usage(caller.tenant_id) u"
    );
    let quota = db.quota_defaults();
    let [quota_memories, quota_bytes] = quota.as_params();
    let rows = db.query_authed(key, SQL, &[(&top_tags, Type::INT8), quota_memories, quota_bytes]).await?;
    let row = &rows[0];
    Ok(Stats {
        total: row.get("total"),
        last_24h: row.get("last_24h"),
        by_kind: row.get("by_kind"),
        by_source: row.get("by_source"),
        top_tags: row.get("top_tags"),
        by_day: row.get("by_day"),
        usage: (row.get("usage_memories"), row.get("usage_bytes")),
        quota: (row.get("quota_memories"), row.get("quota_bytes")),
    })
}
