//! SQL for search: one statement for every query shape, ranked, with
//! snippets computed only for the page returned.
//!
//! Hits come in tiers, each from its own index-backed branch, best first:
//!
//! 1. `id`: `q` is the id of one of the caller's memories (primary key);
//! 2. `text`: full-text matches of the web-search query, the newest
//!    `SEARCH_RANKED_MATCHES` (200) of them ranked, then, once a page goes
//!    past those, the older matches newest first with score 0; for a query
//!    of filters only, the memories that pass them, newest first. Matches
//!    come from the GIN on the tenant's search keys (migration 0006), first
//!    within the tenant's newest period (45 to 90 days, up to `before` if
//!    that is earlier), and over all time only when that holds too few; a
//!    query of kinds, dates and excluded words only walks the
//!    `(tenant_id, created_at)` index;
//! 3. `fuzzy`: only when full text finds fewer than three memories: the last
//!    word as a prefix (the search keys' GIN; a last word too short to be a
//!    prefix is left out, as not typed yet), and only when that
//!    finds fewer than three too, titles and tags with a word similar to the
//!    query's words (trigram GIN on `(tenant_id, memo_fuzzy_text)`); the
//!    newest `SEARCH_RANKED_MATCHES` candidates of each are scored.
//!    A filter-only query never reaches it: there are no words to be close to.
//!
//! Two parts run only for some searches: the fuzzy tier, and the text tier's
//! look at all of the caller's matches. Each is a statement of its own
//! ([`fuzzy_statement`], [`all_matches_statement`]), bound as a value and run
//! by the function `memo_search_part` (migration 0007) from within the search
//! statement, so that Postgres parses and plans it only for the searches
//! that need it: planning them took 2 ms of every search with words.
//!
//! Each search sends one statement, holding only the parts its shape can use
//! ([`statement`]). Parameters the query does not use are NULL. Parsing and
//! planning it took about 3 ms of a search's 10 in Postgres, so the worker's
//! statement ([`RUN_PREPARED`]) authenticates the caller and hands the search
//! statement, with the caller's tenant, to `memo_search` (migration 0010),
//! which prepares it once per server connection behind the pool and runs its
//! generic plan: one plan for all values. The statement is written for that:
//! what the values decide is decided by one-time filters before any row is
//! read, and what is derived from the query is computed once (the CTE
//! `text_query`). The walk by date is the exception ([`runs_prepared`]): it
//! is sent as it is and planned for its values. The integration test
//! `tests/search-plans.test.mjs` runs `EXPLAIN` on the plan of every shape,
//! generic where it is, and checks that the generic plan finds what the
//! plan for the values does (statements printed by `cargo run --example
//! search_sql`).

use super::memories::{memory_columns, memory_from_row};
use super::{authed, Db, Param};
use crate::auth::KeyHash;
use crate::config::Limits;
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

/// What one search statement found.
pub struct Found {
    /// The page, and one more hit if another page follows.
    pub hits: Vec<Hit>,
    /// When the caller's newest memory was made (none if they have none).
    pub newest: Option<DateTime<Utc>>,
}

/// The web-search query (`$2`), computed once per search (`text_query_cte!`).
macro_rules! text_query {
    () => {
        "(select q from text_query)"
    };
}

/// What the search derives from the query's text, once: the web-search query
/// `q` (`$2`, NULL for a query of filters only) and the exact phrase
/// (`$6`); whether `q` has words (a stop word alone has none); whether it is
/// `plain`, words joined by `&` and `|` alone, which match a memory's search
/// keys exactly when they match its document (a phrase, `<->`, or a
/// negation, `!`, does not: `memo_keys_query`); and whether the search keys
/// find the text tier's matches (`keyed`): the query has words, or, with no
/// text, a tag or source filter; and `in_title`, `q` over titles alone
/// (each word restricted to weight A, the title's: `'rust':A`), which
/// matches a document exactly when `q` matches its title, without copying
/// the document as `ts_filter` does (0.25 ms of every search's ranking).
/// In a statement's generic plan (migration 0010) a function of the values
/// is computed for every row it is written against; here each is computed
/// once, before any row is read.
macro_rules! text_query_cte {
    () => {
        ",
     text_query as (
         select w.q, numnode(w.q) > 0 as has_words, coalesce(w.q::text !~ '[!<]', true) as plain,
             phraseto_tsquery('memo_stem', memo_cjk_spaced($6::text)) as phrase,
             coalesce(numnode(w.q) > 0, not ($8::text[] is null and $9::text[] is null and $11::text is null)) as keyed,
             case when numnode(w.q) > 0
                 then regexp_replace(w.q::text, '(''(?:[^'']|'''')+'')', '\\1:A', 'g')::tsquery end as in_title
         from (select websearch_to_tsquery('memo_stem', memo_cjk_spaced($2::text)) as q) w)"
    };
}

/// A value of the CTE `text_query` (`text_query_cte!`).
macro_rules! from_text_query {
    ($column:literal) => {
        concat!("(select ", $column, " from text_query)")
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

/// `m` is found by the search keys' index (migration 0006), which holds the
/// caller's words apart from every other tenant's, and the filters' keys:
/// the keys of `$query` (SQL, a tsquery over the document, or NULL for the
/// filters alone) and of the filters, narrowed by `$narrowing` (a tsquery
/// over keys). The filters are checked on every row too (`filters!`). The
/// tenant check is written `is not distinct from` because no index serves
/// that form: the keys hold the tenant already, and with `=` the planner
/// adds a scan of every memory of the tenant from a GIN index that leads
/// with tenant_id.
macro_rules! keys_index {
    ($query:expr $(, $narrowing:expr)?) => {
        concat!(
            " memo_search_keys(m.tenant_id, m.created_at, m.kind, m.source, m.tags, m.search)
                @@ (memo_keys_query((select tenant_id from caller), ",
            $query,
            ", $8::text[], $9::text[], $10::text, $11::text, $12::timestamptz, $13::timestamptz, ",
            newest!(),
            ")",
            $(" && ", $narrowing,)?
            ") and m.tenant_id is not distinct from (select tenant_id from caller)"
        )
    };
}

/// `m` matches `$query` (SQL, a tsquery over the document), found by the
/// search keys' index (`keys_index!`). The document is checked too: keys have
/// no positions, so phrases are exact only there.
macro_rules! keys_match {
    ($query:expr $(, $narrowing:expr)?) => {
        concat!(keys_index!($query $(, $narrowing)?), " and m.search @@ ", $query)
    };
}

/// `m` is one of the caller's memories that the search keys find (see
/// `keys_index!`, narrowed by `$narrowing`) for the text tier: those that
/// match the text query, or, for a query of filters only (`q` NULL) with a
/// tag or source filter, those that pass the filters (the keys of the
/// filters alone). The document is checked only where the keys cannot
/// decide (`plain`, `text_query_cte!`), so a query of plain words reads no
/// document to find its matches: 0.9 ms of 8 for `kubernetes deployment`,
/// 527 matches in the newest period, at one million memories. Whether the
/// keys can find anything (`keyed`) is known before any row is read.
macro_rules! keyed_match {
    ($($narrowing:expr)?) => {
        concat!(
            from_text_query!("keyed"),
            " and",
            keys_index!(text_query!() $(, $narrowing)?),
            " and (",
            from_text_query!("plain"),
            " or m.search @@ ",
            text_query!(),
            ")"
        )
    };
}

/// When the caller's newest memory was made (the CTE `NEWEST`, planned once
/// however many conditions use it).
macro_rules! newest {
    () => {
        "(select made from newest)"
    };
}

const NEWEST: &str = ",
     newest as (select max(n.created_at) as made from memories n where n.tenant_id = (select tenant_id from caller))";

/// The caller's newest period that a search can want, as a tsquery over
/// keys (migration 0006): 45 to 90 days up to their newest memory, or up to
/// `before` (`$13`) when that is earlier, so that `tag=rust before:2024-01-01`
/// reads the matches just before that day, not every match.
macro_rules! recent_window {
    () => {
        concat!("memo_recent_window((select tenant_id from caller), least(", newest!(), ", $13::timestamptz))")
    };
}

/// The query with its last word as a prefix (`$3` before it, `$4` the word),
/// or without the word when it is too short to be a prefix (`$4` NULL).
macro_rules! prefix_query {
    () => {
        "(websearch_to_tsquery('memo_stem', coalesce($3::text, '')) && coalesce(to_tsquery('memo_exact', $4::text || ':*'), ''::tsquery))"
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

/// `m` passes the text query if there is one (`$2`), for the paths that read
/// memories by date: the text of such a search only excludes words. A query
/// that Postgres finds no words in (`-the`, a stop word) matches nothing, as
/// it does through the search keys. The walk by date is planned for its
/// values ([`runs_prepared`]), so there the query is written out
/// (`planned_for_values`), for the planner to fold it to a constant and see
/// how many rows it leaves; in a generic plan it is `text_query_cte!`'s.
macro_rules! passes_text {
    () => {
        concat!(" and ($2::text is null or (", from_text_query!("has_words"), " and m.search @@ ", text_query!(), "))")
    };
    (planned_for_values) => {
        " and ($2::text is null or (numnode(websearch_to_tsquery('memo_stem', memo_cjk_spaced($2::text))) > 0
               and m.search @@ websearch_to_tsquery('memo_stem', memo_cjk_spaced($2::text))))"
    };
}

/// The newest `$19` of the caller's memories that meet `$condition` (SQL,
/// tenant included), or none unless `$when` (SQL, decided before any row is
/// read): the candidates of one way of matching.
macro_rules! newest_candidates {
    ($from:expr, $when:expr, $($condition:expr),+ $(,)?) => {
        concat!(
            "select m.id, m.created_at, m.search
             from ",
            $from,
            "
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

/// The caller's memories that the search keys find (`$condition`, SQL:
/// `keyed_match!` or `keys_match!`), as a relation `m`. `offset 0` keeps
/// the planner from pushing the conditions around it (dates, the paging
/// boundary) into the index scan: it would add a scan of `(tenant_id,
/// created_at)` without the tenant (333,000 entries at one million
/// memories) to the keys' scan, and a bitmap too large for memory, whose
/// every row is then checked against its keys again (3 s).
macro_rules! keyed {
    ($condition:expr) => {
        concat!(
            "(select m.id, m.created_at, m.search, m.tags, m.kind, m.source from memories m where ",
            $condition,
            " offset 0) m"
        )
    };
}

/// Two CTEs: `${name}_recent`, the newest `$19` of the caller's memories
/// that meet `$when` and `$recent` in the relation `$recent_from` (the
/// condition within the caller's newest period), and `$name`: those, when
/// they are `$19`, for then they are the newest `$19` and older ones are not
/// read at all; otherwise `$all` (SQL: the newest `$19` of all matches, read
/// only when `fewer_recent!($name)`, which it must check).
macro_rules! newest_matches {
    ($name:literal, $when:expr, ($recent_from:expr, $recent:expr), $all:expr $(,)?) => {
        concat!(
            $name,
            "_recent as materialized (",
            newest_candidates!($recent_from, $when, $recent),
            "),
     ",
            $name,
            " as materialized (
         select * from ",
            $name,
            "_recent where (select count(*) from ",
            $name,
            "_recent) = $19
         union all ",
            $all,
            ")"
        )
    };
}

/// The caller's newest period holds fewer than `$19` of `$name`'s matches
/// (`newest_matches!`): older ones are wanted.
macro_rules! fewer_recent {
    ($name:literal) => {
        concat!("(select count(*) from ", $name, "_recent) < $19")
    };
}

/// Typo tolerance is wanted: the query has words, and full text found fewer
/// than three memories.
macro_rules! fuzzy_wanted {
    () => {
        concat!(from_text_query!("has_words"), " and (select count(*) from text_candidates) < 3")
    };
}

/// Keyset paging within a tier (`$15` tier, `$16` score, `$17` created_at,
/// `$18` id of the last hit returned), on a relation `s(id, created_at, score)`:
/// lower tiers come after, higher tiers are done.
macro_rules! after_cursor {
    ($tier:literal) => {
        concat!(
            " ($15::int is null or $15::int > ",
            $tier,
            " or ($15::int = ",
            $tier,
            " and (s.score, s.created_at, s.id) < ($16::real, $17::timestamptz, $18::uuid)))"
        )
    };
}

/// `q` is a memory id: that memory, if it passes the filters.
const BY_ID: &str = concat!(
    ", by_id as (
         select * from (
             select m.id, m.created_at, 2 as tier, 1::real as score
             from memories m
             where $7::uuid is not null and m.id = $7::uuid",
    tenant!(),
    filters!(),
    ") s where",
    after_cursor!(2),
    ")"
);

/// The rows of the part of a search whose statement is `$statement` (a
/// parameter), as a relation `$alias` with `$columns`, run by
/// `memo_search_part` (migration 0007) only when `$when` holds, so that
/// Postgres plans the part only then. Its statement sees the caller and
/// their newest memory as values ([`PART_SCOPE`]), and `$after` (SQL) as
/// its `after` (`$12`).
macro_rules! deferred_part {
    ($statement:literal, $alias:literal, $columns:literal, $after:expr, $when:expr) => {
        concat!(
            "select * from memo_search_part(",
            $statement,
            "::text, (select tenant_id from caller), $2::text, $3::text, $4::text,
             $5::text, $6::text, $7::uuid, $8::text[], $9::text[], $10::text, $11::text, ",
            $after,
            ",
             $13::timestamptz, $14::int8, $15::int4, $16::float4, $17::timestamptz, $18::uuid, $19::int8,
             (select made from newest)) as ",
            $alias,
            $columns,
            "
         where ",
            $when
        )
    };
}

/// The caller as a value (`$1`, their tenant), for a statement that another
/// one runs after authenticating them: a prepared search statement
/// ([`RUN_PREPARED`]) and a deferred part.
macro_rules! tenant_scope {
    () => {
        "with caller as (select $1::uuid as tenant_id)"
    };
}

/// What the statement of a deferred part (`deferred_part!`) runs in: the
/// caller and their newest memory as values, so that the part reads as it
/// would in the search statement.
const PART_SCOPE: &str = concat!(
    tenant_scope!(),
    ",
     newest as (select $20::timestamptz as made)",
    text_query_cte!()
);

/// The text tier's candidates, found by the search keys: the newest `$19`
/// matches of the words (or of the tag and source filters) in the caller's
/// newest period (`$recent` in the relation `$from`), or, when that holds
/// fewer, of all their matches (`$21`, [`all_matches_statement`]) from
/// `$after` (SQL) on.
macro_rules! text_candidates {
    ($from:expr, $recent:expr, $after:expr) => {
        concat!(
            ",
     -- Ranking reads every candidate's document, so only the newest $19
     -- matches are ranked (SEARCH_RANKED_MATCHES): a word in 50,000
     -- memories costs that many rankings, not 50,000.
     ",
            newest_matches!(
                "text_candidates",
                "true",
                ($from, $recent),
                deferred_part!(
                    "$21",
                    "all_matches",
                    "(id uuid, created_at timestamptz, search tsvector)",
                    $after,
                    fewer_recent!("text_candidates")
                )
            )
        )
    };
}

const TEXT_CANDIDATES: &str = text_candidates!("memories m", keyed_match!(recent_window!()), "$12::timestamptz");
/// With dates to check: the keys' matches behind `keyed!`. All the matches
/// before a date are looked for from the caller's oldest memory on when no
/// `after` is given, so that the search keys hold the periods in between
/// (at most eight, `memo_keys_query`): `tag=rust before:2023-01-03`, two
/// days after the first memory, read all 100,000 matches, 162 ms at one
/// million memories.
const TEXT_CANDIDATES_DATED: &str = concat!(
    ",
     oldest as (select min(o.created_at) as made from memories o where o.tenant_id = (select tenant_id from caller))",
    text_candidates!(
        keyed!(keyed_match!(recent_window!())),
        "true",
        "coalesce($12::timestamptz, (select made from oldest))"
    )
);
/// All the matches (`text_candidates!`), as a deferred part's statement.
const ALL_MATCHES: &str = newest_candidates!("memories m", "true", keyed_match!());
const ALL_MATCHES_DATED: &str = newest_candidates!(keyed!(keyed_match!()), "true", "true");

/// The text tier's candidates for a query of kinds, dates and excluded words
/// only: the caller's newest `$19` memories that pass them, in the order of
/// `(tenant_id, created_at)`, checked row by row (most memories pass such a
/// query, so the walk stops early; through the keys, `-python` read all of
/// the newest period's memories: 120–160 ms at one million).
const TEXT_CANDIDATES_BY_DATE: &str = concat!(
    ",
     text_candidates as materialized (",
    newest_candidates!("memories m", "true", concat!("true", tenant!(), passes_text!(planned_for_values))),
    ")"
);

/// The text tier: its candidates ranked. A title holding all the query's
/// words adds 1 to a hit's score, the words as an exact phrase add 2, and
/// cover density, normalised to [0, 1), the rest; so those come first
/// whatever the length. Cover density is by far the dearest part
/// (`ts_rank_cd` zeroes 32 KB for each item of the query on every call:
/// 1.2–1.7 ms for 200 candidates), and a hit whose bonus is below the bonus
/// of the page's last hit by bonus cannot make the page, so a first page
/// ranks only the others; a later page (a cursor) ranks every candidate.
const BY_TEXT: &str = concat!(
    ",
     text_bonus as materialized (
         select m.id, m.created_at, m.search,
             case when m.search @@ ",
    from_text_query!("in_title"),
    " then 1 else 0 end
             + case when $6::text is not null and m.search @@ ",
    from_text_query!("phrase"),
    " then 2 else 0 end as bonus
         from text_candidates m),
     by_text as (
         select * from (
             select m.id, m.created_at, 1 as tier,
                 case when $2::text is null then 0
                     else m.bonus + ts_rank_cd(m.search, ",
    text_query!(),
    ", 32) end::real as score
             from text_bonus m
             where $15::int is not null
                 or m.bonus >= (select min(b.bonus) from (
                     select bonus from text_bonus order by bonus desc limit $14) b)
         ) s where",
    after_cursor!(1),
    " order by s.score desc, s.created_at desc, s.id desc
         limit $14)"
);

/// `m` is older than the ranked candidates and comes after the cursor (as
/// `after_cursor!(1)` with score 0, written so that the index on
/// `(tenant_id, created_at)` starts at the cursor), and a page needs older
/// matches: the ranked ones are all matches there are of the newest `$19`,
/// and they are paged through.
macro_rules! older_than_ranked {
    () => {
        "(select count(*) from text_candidates) = $19
           and (select count(*) from by_text) < $14
           and (m.created_at, m.id) < (select c.created_at, c.id from text_candidates c
                                       order by c.created_at, c.id limit 1)
           and ($15::int is null or $15::int > 1 or ($15::int = 1
                and ($16::real > 0 or (m.created_at, m.id) < ($17::timestamptz, $18::uuid))))"
    };
}

/// The newest `$14` matches in `$from` (a relation `m`) that meet
/// `$condition` and `older_than_ranked!`; unranked (score 0).
macro_rules! older_matches {
    ($from:expr, $condition:expr) => {
        concat!(
            "select m.id, m.created_at, 1 as tier, 0::real as score
             from ",
            $from,
            "
             where ",
            older_than_ranked!(),
            " and m.id is distinct from $7::uuid and ",
            $condition,
            filters!(),
            "
             order by m.created_at desc, m.id desc
             limit $14"
        )
    };
}

/// The matches older than the ranked ones, newest first and unranked (score
/// 0), once the ranked ones are paged through: paging reaches every match.
/// Read only for such a page. First among the next 5,000 of the caller's
/// memories (checked row by row: about 10 ms), which for a common word or
/// filter hold a page; only when they do not, among all the keys' matches
/// (a word in 19,000 memories: 300 ms).
const BY_OLDER: &str = concat!(
    ",
     older_window as materialized (
         select m.id, m.created_at from (
             select m.id, m.created_at, m.search, m.tags, m.kind, m.source
             from memories m
             where ",
    older_than_ranked!(),
    tenant!(),
    "
             order by m.created_at desc, m.id desc
             limit 5000) m
         where m.id is distinct from $7::uuid",
    passes_text!(),
    filters!(),
    "
         order by m.created_at desc, m.id desc
         limit $14),
     by_older as (
         select id, created_at, 1 as tier, 0::real as score from older_window
         where (select count(*) from older_window) = $14
         union all (",
    older_matches!(keyed!(keyed_match!()), "(select count(*) from older_window) < $14"),
    "))"
);
const BY_OLDER_BY_DATE: &str = concat!(
    ",\n     by_older as (",
    older_matches!("memories m", concat!("true", tenant!(), passes_text!(planned_for_values))),
    ")"
);

/// Typo tolerance (the fuzzy tier's statement, run only when full text finds
/// too little): first the last word as a prefix (the word being typed), or
/// the words before a last word too short to be one, like the text tier the
/// newest `$19` matches.
macro_rules! prefix_candidates {
    ($recent:tt, ($from:expr, $all:expr)) => {
        concat!(
            ",
     ",
            newest_matches!(
                "prefix_candidates",
                prefix_wanted!(),
                $recent,
                concat!(
                    "(",
                    newest_candidates!(
                        $from,
                        concat!(prefix_wanted!(), " and ", fewer_recent!("prefix_candidates")),
                        $all
                    ),
                    ")"
                )
            )
        )
    };
}

/// The prefix query has something to look for.
macro_rules! prefix_wanted {
    () => {
        concat!("numnode(", prefix_query!(), ") > 0")
    };
}

const PREFIX_CANDIDATES: &str = prefix_candidates!(
    ("memories m", keys_match!(prefix_query!(), recent_window!())),
    ("memories m", keys_match!(prefix_query!()))
);
/// With dates to check: the keys' matches behind `keyed!`.
const PREFIX_CANDIDATES_DATED: &str = prefix_candidates!(
    (keyed!(keys_match!(prefix_query!(), recent_window!())), "true"),
    (keyed!(keys_match!(prefix_query!())), "true")
);

/// Titles and tags with words similar to the query's, the newest `$19`,
/// when `$also` (SQL) holds too.
macro_rules! similar_candidates {
    ($also:expr) => {
        concat!(
            ",
     similar_candidates as materialized (",
            newest_candidates!(
                "memories m",
                concat!("$5::text is not null", $also),
                "memo_fuzzy_text(m.title, m.tags) %> lower(unaccent($5::text))",
                tenant!(),
            ),
            ")"
        )
    };
}

/// Similar titles are looked for only when the prefix finds fewer than three
/// too: the trigram recheck on every row is the most expensive part.
const SIMILAR_AFTER_PREFIX: &str = similar_candidates!(" and (select count(*) from prefix_candidates) < 3");
const SIMILAR_CANDIDATES: &str = similar_candidates!("");

/// The fuzzy tier over `$candidates` (SQL: a relation of `id, created_at`).
macro_rules! by_fuzzy {
    ($candidates:expr) => {
        concat!(
            ",
     by_fuzzy as (
         select * from (
             select m.id, m.created_at, 0 as tier,
                 greatest(
                     word_similarity(lower(unaccent($5::text)), memo_fuzzy_text(m.title, m.tags)),
                     case when numnode(",
            prefix_query!(),
            ") > 0 then ts_rank_cd(m.search, ",
            prefix_query!(),
            ", 32) end
                 )::real as score
             from ",
            $candidates,
            " c
             join memories m on m.id = c.id
             -- Full-text hits are in the text tier already.
             where not (m.search @@ ",
            text_query!(),
            ")
         ) s where",
            after_cursor!(0),
            " order by s.score desc, s.created_at desc, s.id desc
         limit $14)"
        )
    };
}

const BY_FUZZY_PREFIX: &str = by_fuzzy!("prefix_candidates");
const BY_FUZZY_SIMILAR: &str = by_fuzzy!("similar_candidates");
const BY_FUZZY_BOTH: &str =
    by_fuzzy!("(select id, created_at from prefix_candidates union select id, created_at from similar_candidates)");

/// The fuzzy tier in the search statement: its own statement (`$20`,
/// [`fuzzy_statement`]), run only when wanted.
const BY_FUZZY_WHEN_WANTED: &str = concat!(
    ",
     by_fuzzy as (",
    deferred_part!(
        "$20",
        "fuzzy",
        "(id uuid, created_at timestamptz, tier int4, score float4)",
        "$12::timestamptz",
        fuzzy_wanted!()
    ),
    ")"
);

/// The page (`page`: the tiers' hits, best first, numbered by `place`) with
/// the memories and their snippets. The hit past the page (`$14` is one
/// more than the page, to learn whether another follows) gets none, since
/// it is not returned. A snippet is made from `$22` characters of the content
/// (`SEARCH_SNIPPET_CHARS`) around the first of the query's words in it
/// (`memo_snippet_start`, migration 0009): `ts_headline` parses all the
/// text it is given, 180 ms for a memory of 512 KiB.
const SELECT_PAGE: &str = concat!(
    "
         ) hits
         order by tier desc, score desc, created_at desc, id desc
         limit $14)
     select ",
    memory_columns!(),
    ", p.tier, p.score, (select made from newest) as newest,
        case when p.place < $14 then ts_headline(h.config,
            replace(replace(replace(
                case when octet_length(m.content) <= $22::int4 then m.content
                    else substr(m.content, memo_snippet_start(m.content, h.query, $22::int4), $22::int4) end,
                '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            h.query,
            'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'
        ) end as snippet
     from caller
     left join (page p join memories m on m.id = p.id
         -- Fuzzy hits are marked by the words as written (memo_exact), so
         -- that an unfinished last word marks the words it begins.
         cross join lateral (
             select case when p.tier = 0 then 'memo_exact' else 'memo_stem' end::regconfig as config,
                 case when p.tier = 0
                     then websearch_to_tsquery('memo_exact', memo_cjk_spaced(coalesce($3::text, $2::text)))
                          || coalesce(to_tsquery('memo_exact', $4::text || ':*'), ''::tsquery)
                     else coalesce(",
    text_query!(),
    ", ''::tsquery) end as query) h) on true
     order by p.tier desc, p.score desc, p.created_at desc, p.id desc"
);

/// The statement for one search: only the parts its shape can use, since
/// Postgres plans every part of a statement whether it runs or not (the
/// statement with every part took 5 ms to plan, more than most searches
/// take to run).
pub fn statement(query: &SearchQuery, limit: PageLimit, cursor: Option<Cursor>, ranked: usize) -> String {
    // A prepared statement is run by one that authenticates the caller first.
    let mut sql = String::from(if runs_prepared(query) { tenant_scope!() } else { authed!("") });
    sql.push_str(NEWEST);
    sql.push_str(text_query_cte!());
    let mut tiers = vec!["by_text"];
    if query.memory_id.is_some() {
        sql.push_str(BY_ID);
        tiers.push("by_id");
    }
    let (by_date, dated) = text_shape(query);
    sql.push_str(match (by_date, dated) {
        (true, _) => TEXT_CANDIDATES_BY_DATE,
        (false, true) => TEXT_CANDIDATES_DATED,
        (false, false) => TEXT_CANDIDATES,
    });
    sql.push_str(BY_TEXT);
    // A first page is all ranked hits unless fewer are ranked than it holds.
    if cursor.is_some() || i64::try_from(ranked).unwrap_or(i64::MAX) < limit.probe() {
        sql.push_str(if by_date { BY_OLDER_BY_DATE } else { BY_OLDER });
        tiers.push("by_older");
    }
    if fuzzy_parts(query).is_some() {
        sql.push_str(BY_FUZZY_WHEN_WANTED);
        tiers.push("by_fuzzy");
    }
    sql.push_str(
        ",\n     page as (\n         select *, row_number() over (order by tier desc, score desc, created_at desc, id desc) as place\n         from (",
    );
    sql.push_str(&tiers.iter().map(|tier| format!("select * from {tier}")).collect::<Vec<_>>().join(" union all "));
    sql.push_str(SELECT_PAGE);
    sql
}

/// The fuzzy tier's parts for `query`, or none if it cannot have fuzzy hits.
fn fuzzy_parts(query: &SearchQuery) -> Option<[&'static str; 3]> {
    let (_, dated) = text_shape(query);
    let prefix_candidates = if dated { PREFIX_CANDIDATES_DATED } else { PREFIX_CANDIDATES };
    let prefix = query.text.is_some() && (query.prefix.is_some() || query.text_before_prefix.is_some());
    let similar = query.text.is_some() && query.fuzzy_words.is_some();
    match (prefix, similar) {
        (true, true) => Some([prefix_candidates, SIMILAR_AFTER_PREFIX, BY_FUZZY_BOTH]),
        (true, false) => Some([prefix_candidates, "", BY_FUZZY_PREFIX]),
        (false, true) => Some([SIMILAR_CANDIDATES, "", BY_FUZZY_SIMILAR]),
        (false, false) => None,
    }
}

/// The fuzzy tier's statement for `query` (see `BY_FUZZY_WHEN_WANTED`), if
/// it can have fuzzy hits: its hits as `id, created_at, tier, score`.
pub fn fuzzy_statement(query: &SearchQuery) -> Option<String> {
    let parts = fuzzy_parts(query)?;
    Some([PART_SCOPE].into_iter().chain(parts).chain(["\n     select * from by_fuzzy"]).collect())
}

/// The statement of the text tier's look at all of the caller's matches
/// (`text_candidates!`), if the query's shape has one.
pub fn all_matches_statement(query: &SearchQuery) -> Option<String> {
    let (by_date, dated) = text_shape(query);
    (!by_date).then(|| [PART_SCOPE, "\n     ", if dated { ALL_MATCHES_DATED } else { ALL_MATCHES }].concat())
}

/// Whether a query is searched by date (kinds, dates and excluded words
/// only) and whether it has dates to check.
fn text_shape(query: &SearchQuery) -> (bool, bool) {
    let filters = &query.filters;
    let by_date = (query.text.is_none() || query.excludes_only)
        && filters.all_tags.is_empty()
        && filters.any_tags.is_empty()
        && filters.source.is_none();
    (by_date, filters.after.is_some() || filters.before.is_some())
}

/// The values of `$2`…`$22`, in order. Serialised as a JSON array by
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
    Option<String>,
    Option<String>,
    i32,
);

impl<'a> Bindings<'a> {
    pub fn new(query: &'a SearchQuery, limit: PageLimit, cursor: Option<Cursor>, limits: SearchLimits) -> Bindings<'a> {
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
            i64::try_from(limits.ranked_matches).unwrap_or(i64::MAX),
            fuzzy_statement(query),
            all_matches_statement(query),
            i32::try_from(limits.snippet_chars).unwrap_or(i32::MAX),
        )
    }

    pub fn params(&self) -> [Param<'_>; 21] {
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
            (&self.18, Type::TEXT),
            (&self.19, Type::TEXT),
            (&self.20, Type::INT4),
        ]
    }
}

/// The deployment's limits that shape a search.
#[derive(Debug, Clone, Copy)]
pub struct SearchLimits {
    /// `SEARCH_RANKED_MATCHES`: how many of the newest matches are ranked.
    pub ranked_matches: usize,
    /// `SEARCH_SNIPPET_CHARS`: how much of a memory's content its snippet is made from.
    pub snippet_chars: usize,
}

impl SearchLimits {
    pub fn of(limits: &Limits) -> SearchLimits {
        SearchLimits { ranked_matches: limits.search_ranked_matches, snippet_chars: limits.search_snippet_chars }
    }
}

/// Whether a search of `query` runs its statement's generic plan, prepared
/// once per server connection ([`RUN_PREPARED`]), rather than a plan made
/// for its values: every shape but the walk by date (kinds, dates and
/// excluded words only), whose plan depends on how many of the caller's
/// memories pass the filters, which a generic plan cannot know. The generic
/// plan of `kind=note` read all of them: 0.8 s against 4 ms.
pub fn runs_prepared(query: &SearchQuery) -> bool {
    let (by_date, _) = text_shape(query);
    !by_date
}

/// How the worker runs a search statement (`$23`, [`statement`]) that
/// [`runs_prepared`]: it authenticates the caller (`authed!`, with the key's
/// hash in `$1`, as every statement does) and hands their tenant and the
/// values `$2`..`$22` to `memo_search` (migration 0010), which prepares the
/// statement once per server connection and runs its generic plan. Like
/// every statement of the API it may write (the key's last use), so a pool
/// that caches reads (Hyperdrive) sees it as it sees the others, not as a
/// bare `select` of a function it cannot classify. The rows are those of
/// `SELECT_PAGE`, named and typed here (a column that `SELECT_PAGE` gains
/// must be added here too, or every search fails: the search tests would).
pub const RUN_PREPARED: &str = authed!(
    "select hit.* from caller cross join lateral memo_search($23::text, caller.tenant_id, $2::text, $3::text,
         $4::text, $5::text, $6::text, $7::uuid, $8::text[], $9::text[], $10::text, $11::text, $12::timestamptz,
         $13::timestamptz, $14::int8, $15::int4, $16::float4, $17::timestamptz, $18::uuid, $19::int8, $20::text,
         $21::text, $22::int4)
     as hit(id uuid, title text, content text, tags text[], kind text, source text, url text, metadata jsonb,
         captured_at timestamptz, created_at timestamptz, updated_at timestamptz, capture_count int4,
         user_tags text[], title_by_user bool, tags_by_user bool, conversation_key text,
         tier int4, score float4, newest timestamptz, snippet text)"
);

/// The caller's memories matching `query`, best first (see the module doc),
/// one page after `cursor` plus one more hit if another page follows.
pub async fn search(
    db: &Db,
    key: &KeyHash,
    query: &SearchQuery,
    limit: PageLimit,
    cursor: Option<Cursor>,
    limits: SearchLimits,
) -> Result<Found, ApiError> {
    let bindings = Bindings::new(query, limit, cursor, limits);
    let sql = statement(query, limit, cursor, limits.ranked_matches);
    let rows = if runs_prepared(query) {
        let mut params = bindings.params().to_vec();
        params.push((&sql, Type::TEXT));
        db.query_authed(key, RUN_PREPARED, &params).await?
    } else {
        db.query_authed(key, &sql, &bindings.params()).await?
    };
    let hits = rows
        .iter()
        .filter_map(|row| {
            let stored = memory_from_row(row)?;
            Some(Hit {
                memory: stored.memory,
                matched: Match::from_tier(row.get("tier")),
                score: row.get("score"),
                // None past the page (`SELECT_PAGE`).
                snippet: row.get::<_, Option<String>>("snippet").unwrap_or_default(),
            })
        })
        .collect();
    Ok(Found { hits, newest: rows.first().and_then(|row| row.get("newest")) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::SearchParams;

    fn parse(q: Option<&str>, kind: Option<&str>, after: Option<&str>) -> SearchQuery {
        let params = SearchParams { q, tags: vec![], any_tags: vec![], kind, source: None, before: None, after };
        SearchQuery::parse(&params, &Limits::default(), DateTime::from_timestamp(1_780_000_000, 0).expect("2026")).expect("a valid query")
    }

    fn query(q: &str) -> SearchQuery {
        parse(Some(q), None, None)
    }

    /// The statement for `q` and the filters, `limit` 20, 200 ranked.
    fn statement_for(q: Option<&str>, kind: Option<&str>, after: Option<&str>, cursor: Option<Cursor>) -> String {
        let limit = PageLimit::parse(None, &Limits::default()).expect("the default limit");
        statement(&parse(q, kind, after), limit, cursor, 200)
    }

    #[test]
    fn a_first_page_leaves_out_what_it_cannot_need() {
        let words = statement_for(Some("kubernetes deployment"), None, None, None);
        assert!(words.contains("by_text") && words.contains("by_fuzzy"));
        assert!(
            words.contains("memo_search_part(") && !words.contains("prefix_candidates"),
            "the fuzzy tier is deferred"
        );
        assert!(!words.contains("by_older"), "a first page of 20 is all ranked hits");
        assert!(!words.contains("by_id as"), "q is not an id");
        assert!(!words.contains("offset 0"), "no dates: nothing to keep out of the index scan");

        let cursor =
            Cursor { created_at: DateTime::UNIX_EPOCH, id: Uuid::nil(), score: Some(0.5), tier: Some(1), as_of: None };
        assert!(statement_for(Some("kubernetes"), None, None, Some(cursor)).contains("by_older"));
        assert!(statement_for(Some("kubernetes"), None, Some("2025-01-01"), None).contains("offset 0"));
    }

    #[test]
    fn the_fuzzy_tier_has_its_own_statement_when_it_can_have_hits() {
        let typing = fuzzy_statement(&query("kubernetes deploym")).expect("a word being typed");
        assert!(typing.starts_with(PART_SCOPE) && typing.ends_with("select * from by_fuzzy"));
        assert!(typing.contains("prefix_candidates") && typing.contains("similar_candidates"));
        assert!(!typing.contains("$1 ") && !typing.contains("api_keys"), "the tenant is a value there, not a key");
        let similar_only = fuzzy_statement(&query("東京")).expect("similar titles for a CJK word");
        assert!(!similar_only.contains("prefix_candidates"), "a CJK word is not a prefix");
        assert_eq!(fuzzy_statement(&query("-python")), None, "no words to be close to");
        assert_eq!(fuzzy_statement(&query("#rust")), None, "a tag alone");
    }

    #[test]
    fn a_prepared_statement_derives_its_queries_once() {
        let cursor =
            Cursor { created_at: DateTime::UNIX_EPOCH, id: Uuid::nil(), score: Some(0.5), tier: Some(1), as_of: None };
        let shapes = [
            (Some("kubernetes deployment"), None, None, None),
            (Some("\"borrow checker\" -python"), None, None, None),
            (Some("#rust"), None, None, Some(cursor)),
            (Some("postgres"), None, Some("2025-01-01"), Some(cursor)),
        ];
        for (q, kind, after, cursor) in shapes {
            assert!(runs_prepared(&parse(q, kind, after)), "{q:?}");
            let sql = statement_for(q, kind, after, cursor);
            // Written into a row's condition, a generic plan would compute it for every row.
            assert_eq!(sql.matches("websearch_to_tsquery('memo_stem'").count(), 1, "{q:?}");
            assert_eq!(sql.matches("phraseto_tsquery(").count(), 1, "{q:?}");
            assert!(!sql.contains("ts_filter("), "{q:?}");
        }
    }

    #[test]
    fn only_the_walk_by_date_is_planned_for_its_values() {
        assert!(!runs_prepared(&parse(None, Some("note"), None)));
        assert!(!runs_prepared(&query("-python")));
        assert!(runs_prepared(&query("rust -python")));
        assert!(runs_prepared(&query("#rust")));
        assert!(runs_prepared(&query("0b7c1e2a-3f4d-4e5f-8a6b-7c8d9e0f1a2b")));
    }

    #[test]
    fn kinds_dates_and_exclusions_alone_walk_the_tenant_s_memories_by_date() {
        let by_date = statement_for(None, Some("note"), Some("2025-01-01"), None);
        assert!(!by_date.contains("memo_search_keys"), "no search keys to look up");
        assert!(!by_date.contains("by_fuzzy"), "no words to be close to");
        let excluding = statement_for(Some("-python"), None, None, None);
        assert!(!excluding.contains("memo_search_keys"), "no key finds what a memory lacks");
        assert!(excluding.contains("m.search @@"), "the exclusion is checked on every row");
        let tagged = statement_for(Some("#rust"), None, None, None);
        assert!(tagged.contains("memo_search_keys"), "a tag is a key");
        assert!(statement_for(Some("rust -python"), None, None, None).contains("memo_search_keys"));
    }
}
