//! SQL for search: one statement for every query shape, ranked, with
//! snippets computed only for the page returned.
//!
//! Hits come in tiers, each from its own index-backed branch, best first:
//!
//! 1. `id`: `q` is the id of one of the caller's memories (primary key);
//! 2. `text`: full-text matches of the web-search query, the newest
//!    `SEARCH_RANKED_MATCHES` (200) of them ranked, then, once a page goes
//!    past those, the older matches newest first with score 0; or, for a
//!    query of filters only, the memories that pass them, newest first (the
//!    `(tenant_id, created_at)` index). Matches come from the GIN on the
//!    tenant's search keys (migration 0006), first within the tenant's three
//!    newest 30-day periods, and over all time only when those hold too few;
//! 3. `fuzzy`: only when full text finds fewer than three memories: the last
//!    word as a prefix (the search keys' GIN), and only when that
//!    finds fewer than three too, titles and tags with a word similar to the
//!    query's words (trigram GIN on `(tenant_id, memo_fuzzy_text)`); the
//!    newest `SEARCH_RANKED_MATCHES` candidates of each are scored.
//!    A filter-only query never reaches it: there are no words to be close to.
//!
//! Parameters the query does not use are NULL. Statements go out unnamed
//! (`query_typed`), so Postgres plans each with its values: the conditions
//! on NULL parameters fold away, the `websearch_to_tsquery` calls become
//! constants, and each shape gets the plan of its own indexes. The
//! integration test `tests/search-plans.test.mjs` runs `EXPLAIN` on this
//! statement (printed by `cargo run --example search_sql`) for every shape.

use super::memories::{memory_columns, memory_from_row};
use super::{authed, Db, Param};
use crate::auth::KeyHash;
use crate::domain::memory::Memory;
use crate::domain::paging::{Cursor, PageLimit};
use crate::domain::search::SearchQuery;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio_postgres::types::Type;
use uuid::Uuid;

/// How a hit matched the query; ranks before the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// Typo or prefix tolerance: close, not exact.
    Fuzzy = 0,
    /// Full text (or, for a query of filters only, the filters).
    Text = 1,
    /// `q` is this memory's id.
    Id = 2,
}

impl Match {
    fn from_tier(tier: i32) -> Match {
        match tier {
            2 => Match::Id,
            1 => Match::Text,
            _ => Match::Fuzzy,
        }
    }
}

pub struct Hit {
    pub memory: Memory,
    pub matched: Match,
    pub score: f32,
    /// HTML-escaped text around the matches, each match in `<mark>…</mark>`.
    pub snippet: String,
}

impl Hit {
    pub fn cursor(&self) -> Cursor {
        Cursor { score: Some(self.score), tier: Some(self.matched as u8), ..self.memory.cursor() }
    }
}

/// The web-search query (`$2`), folded to a constant by the planner.
macro_rules! text_query {
    () => {
        "websearch_to_tsquery('memo_stem', memo_cjk_spaced($2::text))"
    };
}

/// The caller's memories, for a path that no search key serves: the
/// tenant is a value (an InitPlan), not a join with `caller`, so an index
/// on `(tenant_id, created_at)` gives the tenant's rows in order and a
/// `limit` stops early.
macro_rules! tenant {
    () => {
        " and m.tenant_id = (select tenant_id from caller)"
    };
}

/// `m` matches `$query` (SQL, a tsquery over the document), found by the
/// search keys' index (migration 0006), which holds the caller's words apart
/// from every other tenant's; `$narrowing` (a tsquery over keys) narrows the
/// index scan further. The document is checked too: keys have no positions,
/// so phrases are exact only there. The tenant check is written `is not
/// distinct from` because no index serves that form: the keys hold the
/// tenant already, and with `=` the planner adds a scan of every memory of
/// the tenant from a GIN index that leads with tenant_id.
macro_rules! keys_match {
    ($query:expr $(, $narrowing:expr)?) => {
        concat!(
            " memo_search_keys(m.tenant_id, m.created_at, m.search) @@ (memo_keys_query((select tenant_id from caller), ",
            $query,
            ")",
            $(" && ", $narrowing,)?
            ") and m.search @@ ",
            $query,
            " and m.tenant_id is not distinct from (select tenant_id from caller)"
        )
    };
}

/// `m` is one of the caller's memories that match the text query, or, for
/// a query of filters only (`$2` NULL, so the planner keeps one side), any
/// of the caller's memories.
macro_rules! text_match {
    () => {
        concat!("(($2::text is null", tenant!(), ") or ($2::text is not null and", keys_match!(text_query!()), "))")
    };
}

/// The caller's `$count` newest 30-day periods, as a tsquery over keys.
macro_rules! recent_periods {
    ($count:literal) => {
        concat!(
            "memo_recent_periods((select tenant_id from caller),
                 (select max(n.created_at) from memories n where n.tenant_id = (select tenant_id from caller)), ",
            $count,
            ")"
        )
    };
}

/// The query with its last word as a prefix (`$3` before it, `$4` the word).
macro_rules! prefix_query {
    () => {
        "(websearch_to_tsquery('memo_stem', coalesce($3::text, '')) && to_tsquery('memo_exact', $4::text || ':*'))"
    };
}

/// The filters other than the tenant, on a relation aliased `m`.
macro_rules! filters {
    () => {
        " and ($8::text[] is null or m.tags @> $8::text[])
          and ($9::text[] is null or m.tags && $9::text[])
          and ($10::text is null or m.kind = $10::text)
          and ($11::text is null or m.source = $11::text)
          and ($12::timestamptz is null or m.created_at >= $12::timestamptz)
          and ($13::timestamptz is null or m.created_at < $13::timestamptz)"
    };
}

/// The newest `$19` of the caller's memories that meet `$condition` (SQL,
/// tenant included), or none unless `$when` (SQL, decided before any row is
/// read): the candidates of one way of matching.
macro_rules! newest_candidates {
    ($when:expr, $($condition:expr),+ $(,)?) => {
        concat!(
            "select m.id, m.created_at, m.search
             from memories m
             where ",
            $when,
            " and m.id is distinct from $7::uuid and ",
            $($condition),+,
            filters!(),
            "
             order by m.created_at desc, m.id desc
             limit $19"
        )
    };
}

/// Typo tolerance is wanted: the query has words, and full text found fewer
/// than three memories.
macro_rules! fuzzy_wanted {
    () => {
        concat!("numnode(", text_query!(), ") > 0 and (select count(*) from text_candidates) < 3")
    };
}

/// Keyset paging within a tier (`$15` tier, `$16` score, `$17` created_at,
/// `$18` id of the last hit returned), on a relation `s(id, created_at, score)`:
/// lower tiers come after, higher tiers are done.
macro_rules! after_cursor {
    ($tier:literal) => {
        concat!(
            " ($15::int is null or $15::int < ",
            $tier,
            " or ($15::int = ",
            $tier,
            " and (s.score, s.created_at, s.id) < ($16::real, $17::timestamptz, $18::uuid)))"
        )
    };
}

/// The search statement; `pub` so the plan test can print it.
pub const SQL: &str = authed!(
    ", by_id as (
         select * from (
             select m.id, m.created_at, 2 as tier, 1::real as score
             from memories m
             where $7::uuid is not null and m.id = $7::uuid",
    tenant!(),
    filters!(),
    ") s where",
    after_cursor!(2),
    "),
     -- Ranking reads every candidate's document, so only the newest $19
     -- matches are ranked (SEARCH_RANKED_MATCHES): a word in 50,000
     -- memories costs that many rankings, not 50,000. When the caller's
     -- newest periods hold that many matches, those are the newest: older
     -- ones are not read at all.
     text_recent as materialized (",
    newest_candidates!(
        concat!("$2::text is not null and numnode(", text_query!(), ") > 0"),
        keys_match!(text_query!(), recent_periods!(3)),
    ),
    "),
     text_candidates as materialized (
         select * from text_recent where (select count(*) from text_recent) = $19
         union all (",
    newest_candidates!("(select count(*) from text_recent) < $19", text_match!()),
    ")),
     by_text as (
         select * from (
             select m.id, m.created_at, 1 as tier,
                 case when $2::text is null then 0 else
                     -- Cover density, normalised to [0, 1); a title holding
                     -- all the query's words adds 1, the words as an exact
                     -- phrase add 2, so those come first whatever the length.
                     ts_rank_cd(m.search, ",
    text_query!(),
    ", 32)
                     + case when ts_filter(m.search, '{a}') @@ ",
    text_query!(),
    " then 1 else 0 end
                     + case when $6::text is not null
                             and m.search @@ phraseto_tsquery('memo_stem', memo_cjk_spaced($6::text))
                           then 2 else 0 end
                 end::real as score
             from text_candidates m
         ) s where",
    after_cursor!(1),
    " order by s.score desc, s.created_at desc, s.id desc
         limit $14),
     -- The matches older than the ranked ones, newest first and unranked
     -- (score 0), once the ranked ones are paged through: paging reaches
     -- every match. Read only for such a page.
     by_older as (
         select * from (
             select m.id, m.created_at, 1 as tier, 0::real as score
             from memories m
             where (select count(*) from text_candidates) = $19
               and (select count(*) from by_text) < $14
               and (m.created_at, m.id) < (select c.created_at, c.id from text_candidates c
                                           order by c.created_at, c.id limit 1)
               and m.id is distinct from $7::uuid
               and ",
    text_match!(),
    filters!(),
    ") s where",
    after_cursor!(1),
    " order by s.created_at desc, s.id desc
         limit $14),
     -- Typo tolerance only when full text finds too little: first the last
     -- word as a prefix (the word being typed), and only when that finds
     -- too little too, titles and tags with words similar to the query's.
     -- Like the text tier, each keeps only its newest $19 matches.
     prefix_candidates as materialized (",
    newest_candidates!(concat!(fuzzy_wanted!(), " and $4::text is not null"), keys_match!(prefix_query!())),
    "),
     similar_candidates as materialized (",
    newest_candidates!(
        concat!(fuzzy_wanted!(), " and $5::text is not null and (select count(*) from prefix_candidates) < 3"),
        "memo_fuzzy_text(m.title, m.tags) %> lower(unaccent($5::text))",
        tenant!(),
    ),
    "),
     by_fuzzy as (
         select * from (
             select m.id, m.created_at, 0 as tier,
                 greatest(
                     word_similarity(lower(unaccent($5::text)), memo_fuzzy_text(m.title, m.tags)),
                     case when $4::text is not null then ts_rank_cd(m.search, ",
    prefix_query!(),
    ", 32) end
                 )::real as score
             from (select id, created_at from prefix_candidates
                   union select id, created_at from similar_candidates) c
             join memories m on m.id = c.id
             -- Full-text hits are in the text tier already.
             where not (m.search @@ ",
    text_query!(),
    ")
         ) s where",
    after_cursor!(0),
    " order by s.score desc, s.created_at desc, s.id desc
         limit $14),
     page as (
         select * from by_id
         union all select * from by_text
         union all select * from by_older
         union all select * from by_fuzzy
         order by tier desc, score desc, created_at desc, id desc
         limit $14)
     select ",
    memory_columns!(),
    ", p.tier, p.score,
        -- Fuzzy hits are marked by the words as written (memo_exact), so
        -- that an unfinished last word marks the words it begins.
        ts_headline(case when p.tier = 0 then 'memo_exact' else 'memo_stem' end::regconfig,
            replace(replace(replace(m.content, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            case when p.tier = 0
                then websearch_to_tsquery('memo_exact', memo_cjk_spaced(coalesce($3::text, $2::text)))
                     || coalesce(to_tsquery('memo_exact', $4::text || ':*'), ''::tsquery)
                else coalesce(",
    text_query!(),
    ", ''::tsquery) end,
            'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'
        ) as snippet
     from caller
     left join (page p join memories m on m.id = p.id) on true
     order by p.tier desc, p.score desc, p.created_at desc, p.id desc"
);

/// The values of `$2`…`$19`, in order. Serialised as a JSON array by
/// `examples/search_sql.rs`, so the plan test binds exactly what the worker
/// binds.
#[derive(Debug, Serialize)]
pub struct Bindings<'a>(
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    Option<Uuid>,
    Option<&'a [String]>,
    Option<&'a [String]>,
    Option<&'static str>,
    Option<&'a str>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    i64,
    Option<i32>,
    Option<f32>,
    Option<DateTime<Utc>>,
    Option<Uuid>,
    i64,
);

impl<'a> Bindings<'a> {
    /// `ranked`: how many of the newest matches are ranked (`SEARCH_RANKED_MATCHES`).
    pub fn new(query: &'a SearchQuery, limit: PageLimit, cursor: Option<Cursor>, ranked: usize) -> Bindings<'a> {
        fn non_empty(tags: &[String]) -> Option<&[String]> {
            (!tags.is_empty()).then_some(tags)
        }
        let filters = &query.filters;
        // Cursors of the time before tiers were all full-text hits.
        let tier = cursor.and_then(|c| c.score.map(|_| i32::from(c.tier.unwrap_or(Match::Text as u8))));
        Bindings(
            query.text.as_deref(),
            query.text_before_prefix.as_deref(),
            query.prefix.as_deref(),
            query.fuzzy_words.as_deref(),
            query.phrase.as_deref(),
            query.memory_id,
            non_empty(&filters.all_tags),
            non_empty(&filters.any_tags),
            filters.kind.map(|k| k.as_str()),
            filters.source.as_deref(),
            filters.after,
            filters.before,
            limit.probe(),
            tier,
            cursor.and_then(|c| c.score),
            cursor.map(|c| c.created_at),
            cursor.map(|c| c.id),
            i64::try_from(ranked).unwrap_or(i64::MAX),
        )
    }

    fn params(&self) -> [Param<'_>; 18] {
        [
            (&self.0, Type::TEXT),
            (&self.1, Type::TEXT),
            (&self.2, Type::TEXT),
            (&self.3, Type::TEXT),
            (&self.4, Type::TEXT),
            (&self.5, Type::UUID),
            (&self.6, Type::TEXT_ARRAY),
            (&self.7, Type::TEXT_ARRAY),
            (&self.8, Type::TEXT),
            (&self.9, Type::TEXT),
            (&self.10, Type::TIMESTAMPTZ),
            (&self.11, Type::TIMESTAMPTZ),
            (&self.12, Type::INT8),
            (&self.13, Type::INT4),
            (&self.14, Type::FLOAT4),
            (&self.15, Type::TIMESTAMPTZ),
            (&self.16, Type::UUID),
            (&self.17, Type::INT8),
        ]
    }
}

/// The caller's memories matching `query`, best first (see the module doc),
/// one page after `cursor` plus one more hit if another page follows.
pub async fn search(
    db: &Db,
    key: &KeyHash,
    query: &SearchQuery,
    limit: PageLimit,
    cursor: Option<Cursor>,
    ranked: usize,
) -> Result<Vec<Hit>, ApiError> {
    let bindings = Bindings::new(query, limit, cursor, ranked);
    let rows = db.query_authed(key, SQL, &bindings.params()).await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            let stored = memory_from_row(row)?;
            Some(Hit {
                memory: stored.memory,
                matched: Match::from_tier(row.get("tier")),
                score: row.get("score"),
                snippet: row.get("snippet"),
            })
        })
        .collect())
}
