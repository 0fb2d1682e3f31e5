//! The SQL fragments search statements are made of ([`super::shape`] picks
//! them). Parameters are written `$n::type` as the parameter table gives
//! them (`params::PARAMS`; a unit test checks every one).

use crate::sql::memories::memory_columns_but_content;

/// The web-search query (`$3`), computed once per search (`text_query_cte!`).
macro_rules! text_query {
    () => {
        "(select q from text_query)"
    };
}

/// What the search derives from the query's text, once: the web-search query
/// `q` (`$3`, NULL for a query of filters only) and the exact phrase
/// (`$7`); whether `q` has words (a stop word alone has none); whether it is
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
             phraseto_tsquery('memo_stem', memo_cjk_spaced($7::text)) as phrase,
             coalesce(numnode(w.q) > 0, not ($9::text[] is null and $10::text[] is null and $12::text is null)) as keyed,
             case when numnode(w.q) > 0
                 then regexp_replace(w.q::text, '(''(?:[^'']|'''')+'')', '\\1:A', 'g')::tsquery end as in_title
         from (select websearch_to_tsquery('memo_stem', memo_cjk_spaced($3::text)) as q) w)"
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
            ", $9::text[], $10::text[], $11::text, $12::text, $13::timestamptz, $14::timestamptz, ",
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

pub(super) const NEWEST: &str = ",
     newest as (select max(n.created_at) as made from memories n where n.tenant_id = (select tenant_id from caller))";

/// The caller's newest period that a search can want, as a tsquery over
/// keys (migration 0006): 45 to 90 days up to their newest memory, or up to
/// `before` (`$14`) when that is earlier, so that `tag=rust before:2024-01-01`
/// reads the matches just before that day, not every match.
macro_rules! recent_window {
    () => {
        concat!("memo_recent_window((select tenant_id from caller), least(", newest!(), ", $14::timestamptz))")
    };
}

/// The query with its last word as a prefix (`$4` before it, `$5` the word),
/// or without the word when it is too short to be a prefix (`$5` NULL).
macro_rules! prefix_query {
    () => {
        "(websearch_to_tsquery('memo_stem', coalesce($4::text, '')) && coalesce(to_tsquery('memo_exact', $5::text || ':*'), ''::tsquery))"
    };
}

/// The filters other than the tenant, on a relation aliased `m`.
macro_rules! filters {
    () => {
        " and ($9::text[] is null or m.tags @> $9::text[])
          and ($10::text[] is null or m.tags && $10::text[])
          and ($11::text is null or m.kind = $11::text)
          and ($12::text is null or m.source = $12::text)
          and ($13::timestamptz is null or m.created_at >= $13::timestamptz)
          and ($14::timestamptz is null or m.created_at < $14::timestamptz)
          and ($28::text is null or m.url = $28::text)"
    };
}

/// `m` passes the text query if there is one (`$3`), for the paths that read
/// memories by date: the text of such a search only excludes words. A query
/// that Postgres finds no words in (`-the`, a stop word) matches nothing, as
/// it does through the search keys. The walk by date is planned for its
/// values ([`runs_prepared`]), so there the query is written out
/// (`planned_for_values`), for the planner to fold it to a constant and see
/// how many rows it leaves; in a generic plan it is `text_query_cte!`'s.
macro_rules! passes_text {
    () => {
        concat!(" and ($3::text is null or (", from_text_query!("has_words"), " and m.search @@ ", text_query!(), "))")
    };
    (planned_for_values) => {
        " and ($3::text is null or (numnode(websearch_to_tsquery('memo_stem', memo_cjk_spaced($3::text))) > 0
               and m.search @@ websearch_to_tsquery('memo_stem', memo_cjk_spaced($3::text))))"
    };
}

/// The newest `$20` of the caller's memories that meet `$condition` (SQL,
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
            " and m.id is distinct from $8::uuid and ",
            $($condition),+,
            filters!(),
            "
             order by m.created_at desc, m.id desc
             limit $20"
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
            "(select m.id, m.created_at, m.search, m.tags, m.kind, m.source, m.url from memories m where ",
            $condition,
            " offset 0) m"
        )
    };
}

/// Two CTEs: `${name}_recent`, the newest `$20` of the caller's memories
/// that meet `$when` and `$recent` in the relation `$recent_from` (the
/// condition within the caller's newest period), and `$name`: those, when
/// they are `$20`, for then they are the newest `$20` and older ones are not
/// read at all; otherwise `$all` (SQL: the newest `$20` of all matches, read
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
            "_recent) = $20
         union all ",
            $all,
            ")"
        )
    };
}

/// The caller's newest period holds fewer than `$20` of `$name`'s matches
/// (`newest_matches!`): older ones are wanted.
macro_rules! fewer_recent {
    ($name:literal) => {
        concat!("(select count(*) from ", $name, "_recent) < $20")
    };
}

/// Typo tolerance is wanted: the query has words, and full text found fewer
/// than three memories.
macro_rules! fuzzy_wanted {
    () => {
        concat!(from_text_query!("has_words"), " and (select count(*) from text_candidates) < 3")
    };
}

/// Keyset paging within a tier (`$16` tier, `$17` score, `$18` created_at,
/// `$19` id of the last hit returned), on a relation `s(id, created_at, score)`:
/// lower tiers come after, higher tiers are done.
macro_rules! after_cursor {
    ($tier:literal) => {
        concat!(
            " ($16::int4 is null or $16::int4 > ",
            $tier,
            " or ($16::int4 = ",
            $tier,
            " and (s.score, s.created_at, s.id) < ($17::float4, $18::timestamptz, $19::uuid)))"
        )
    };
}

/// `q` is a memory id: that memory, if it passes the filters.
pub(super) const BY_ID: &str = concat!(
    ", by_id as (
         select * from (
             select m.id, m.created_at, 2 as tier, 1::real as score
             from memories m
             where $8::uuid is not null and m.id = $8::uuid",
    tenant!(),
    filters!(),
    ") s where",
    after_cursor!(2),
    ")"
);

/// The text tier's candidates, found by the search keys: the newest `$20`
/// matches of the words (or of the tag and source filters) in the caller's
/// newest period (`$recent` in the relation `$from`), or, when that holds
/// fewer, of all their matches (`$22`, `shape::all_matches_statement`),
/// whose part sees `$overrides` (`deferred_part!`).
macro_rules! text_candidates {
    ($from:expr, $recent:expr, $overrides:expr) => {
        concat!(
            ",
     -- Ranking reads every candidate's document, so only the newest $20
     -- matches are ranked (SEARCH_RANKED_MATCHES): a word in 50,000
     -- memories costs that many rankings, not 50,000.
     ",
            newest_matches!(
                "text_candidates",
                "true",
                ($from, $recent),
                deferred_part!(
                    "$22",
                    "all_matches",
                    "(id uuid, created_at timestamptz, search tsvector)",
                    $overrides,
                    fewer_recent!("text_candidates")
                )
            )
        )
    };
}

pub(super) const TEXT_CANDIDATES: &str = text_candidates!("memories m", keyed_match!(recent_window!()), "");
/// With dates to check: the keys' matches behind `keyed!`. All the matches
/// before a date are looked for from the caller's oldest memory on when no
/// `after` is given, so that the search keys hold the periods in between
/// (at most eight, `memo_keys_query`): `tag=rust before:2023-01-03`, two
/// days after the first memory, read all 100,000 matches, 162 ms at one
/// million memories.
pub(super) const TEXT_CANDIDATES_DATED: &str = concat!(
    ",
     oldest as (select min(o.created_at) as made from memories o where o.tenant_id = (select tenant_id from caller))",
    text_candidates!(
        keyed!(keyed_match!(recent_window!())),
        "true",
        ", 'after', coalesce($13::timestamptz, (select made from oldest))"
    )
);
/// All the matches (`text_candidates!`), as a deferred part's statement.
pub(super) const ALL_MATCHES: &str = newest_candidates!("memories m", "true", keyed_match!());
pub(super) const ALL_MATCHES_DATED: &str = newest_candidates!(keyed!(keyed_match!()), "true", "true");

/// The text tier's candidates for a query of kinds, dates and excluded words
/// only: the caller's newest `$20` memories that pass them, in the order of
/// `(tenant_id, created_at)`, checked row by row (most memories pass such a
/// query, so the walk stops early; through the keys, `-python` read all of
/// the newest period's memories: 120–160 ms at one million).
pub(super) const TEXT_CANDIDATES_BY_DATE: &str = concat!(
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
pub(super) const BY_TEXT: &str = concat!(
    ",
     text_bonus as materialized (
         select m.id, m.created_at, m.search,
             case when m.search @@ ",
    from_text_query!("in_title"),
    " then 1 else 0 end
             + case when $7::text is not null and m.search @@ ",
    from_text_query!("phrase"),
    " then 2 else 0 end as bonus
         from text_candidates m),
     by_text as (
         select * from (
             select m.id, m.created_at, 1 as tier,
                 case when $3::text is null then 0
                     else m.bonus + ts_rank_cd(m.search, ",
    text_query!(),
    ", 32) end::real as score
             from text_bonus m
             where $16::int4 is not null
                 or m.bonus >= (select min(b.bonus) from (
                     select bonus from text_bonus order by bonus desc limit $15) b)
         ) s where",
    after_cursor!(1),
    " order by s.score desc, s.created_at desc, s.id desc
         limit $15)"
);

/// `m` is older than the ranked candidates and comes after the cursor (as
/// `after_cursor!(1)` with score 0, written so that the index on
/// `(tenant_id, created_at)` starts at the cursor), and a page needs older
/// matches: the ranked ones are all matches there are of the newest `$20`,
/// and they are paged through.
macro_rules! older_than_ranked {
    () => {
        "(select count(*) from text_candidates) = $20
           and (select count(*) from by_text) < $15
           and (m.created_at, m.id) < (select c.created_at, c.id from text_candidates c
                                       order by c.created_at, c.id limit 1)
           and ($16::int4 is null or $16::int4 > 1 or ($16::int4 = 1
                and ($17::float4 > 0 or (m.created_at, m.id) < ($18::timestamptz, $19::uuid))))"
    };
}

/// The newest `$15` matches in `$from` (a relation `m`) that meet
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
            " and m.id is distinct from $8::uuid and ",
            $condition,
            filters!(),
            "
             order by m.created_at desc, m.id desc
             limit $15"
        )
    };
}

/// The matches older than the ranked ones, newest first and unranked (score
/// 0), once the ranked ones are paged through: paging reaches every match.
/// Read only for such a page. First among the next 5,000 of the caller's
/// memories (checked row by row: about 10 ms), which for a common word or
/// filter hold a page; only when they do not, among all the keys' matches
/// (a word in 19,000 memories: 300 ms).
pub(super) const BY_OLDER: &str = concat!(
    ",
     older_window as materialized (
         select m.id, m.created_at from (
             select m.id, m.created_at, m.search, m.tags, m.kind, m.source, m.url
             from memories m
             where ",
    older_than_ranked!(),
    tenant!(),
    "
             order by m.created_at desc, m.id desc
             limit 5000) m
         where m.id is distinct from $8::uuid",
    passes_text!(),
    filters!(),
    "
         order by m.created_at desc, m.id desc
         limit $15),
     by_older as (
         select id, created_at, 1 as tier, 0::real as score from older_window
         where (select count(*) from older_window) = $15
         union all (",
    older_matches!(keyed!(keyed_match!()), "(select count(*) from older_window) < $15"),
    "))"
);
pub(super) const BY_OLDER_BY_DATE: &str = concat!(
    ",\n     by_older as (",
    older_matches!("memories m", concat!("true", tenant!(), passes_text!(planned_for_values))),
    ")"
);

/// Typo tolerance (the fuzzy tier's statement, run only when full text finds
/// too little): first the last word as a prefix (the word being typed), or
/// the words before a last word too short to be one, like the text tier the
/// newest `$20` matches.
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

pub(super) const PREFIX_CANDIDATES: &str = prefix_candidates!(
    ("memories m", keys_match!(prefix_query!(), recent_window!())),
    ("memories m", keys_match!(prefix_query!()))
);
/// With dates to check: the keys' matches behind `keyed!`.
pub(super) const PREFIX_CANDIDATES_DATED: &str = prefix_candidates!(
    (keyed!(keys_match!(prefix_query!(), recent_window!())), "true"),
    (keyed!(keys_match!(prefix_query!())), "true")
);

/// Titles and tags with words similar to the query's, the newest `$20`,
/// when `$also` (SQL) holds too.
macro_rules! similar_candidates {
    ($also:expr) => {
        concat!(
            ",
     similar_candidates as materialized (",
            newest_candidates!(
                "memories m",
                concat!("$6::text is not null", $also),
                "memo_fuzzy_text(m.title, m.tags) %> lower(unaccent($6::text))",
                tenant!(),
            ),
            ")"
        )
    };
}

/// Similar titles are looked for only when the prefix finds fewer than three
/// too: the trigram recheck on every row is the most expensive part.
pub(super) const SIMILAR_AFTER_PREFIX: &str = similar_candidates!(" and (select count(*) from prefix_candidates) < 3");
pub(super) const SIMILAR_CANDIDATES: &str = similar_candidates!("");

/// The fuzzy tier over `$candidates` (SQL: a relation of `id, created_at`).
macro_rules! by_fuzzy {
    ($candidates:expr) => {
        concat!(
            ",
     by_fuzzy as (
         select * from (
             select m.id, m.created_at, 0 as tier,
                 greatest(
                     word_similarity(lower(unaccent($6::text)), memo_fuzzy_text(m.title, m.tags)),
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
         limit $15)"
        )
    };
}

pub(super) const BY_FUZZY_PREFIX: &str = by_fuzzy!("prefix_candidates");
pub(super) const BY_FUZZY_SIMILAR: &str = by_fuzzy!("similar_candidates");
pub(super) const BY_FUZZY_BOTH: &str =
    by_fuzzy!("(select id, created_at from prefix_candidates union select id, created_at from similar_candidates)");

/// The fuzzy tier in the search statement: its own statement (`$21`,
/// [`fuzzy_statement`]), run only when wanted.
pub(super) const BY_FUZZY_WHEN_WANTED: &str = concat!(
    ",
     by_fuzzy as (",
    deferred_part!("$21", "fuzzy", "(id uuid, created_at timestamptz, tier int4, score float4)", "", fuzzy_wanted!()),
    ")"
);

/// The page (`page`: the tiers' hits, best first, numbered by `place`) with
/// the memories and their snippets. The hit past the page (`$15` is one
/// more than the page, to learn whether another follows) gets no snippet
/// and no content, since it is not returned. A snippet is made from `$23`
/// characters of the content (`SEARCH_SNIPPET_CHARS`) around the first of
/// the query's words in it (`memo_snippet_start`, migration 0009):
/// `ts_headline` parses all the text it is given, 180 ms for a memory of
/// 512 KiB. Each hit carries the first `$25` characters of its content
/// (`start`, for its preview) and the content's length; the content itself
/// only when asked for (`$26`), and then the page ends early, at the hit
/// whose content takes the page past `$27` bytes (a first hit comes
/// whatever its size): `found` counts the hits before that cut.
pub(super) const SELECT_PAGE: &str = concat!(
    "
         ) hits
         order by tier desc, score desc, created_at desc, id desc
         limit $15)
     select * from (
     select ",
    memory_columns_but_content!(),
    ", case when $26::bool and p.place < $15 then m.content end as content,
        substr(m.content, 1, $25::int4) as start, char_length(m.content) as content_length,
        p.tier, p.score, (select made from newest) as newest,
        case when p.place < $15 then ts_headline(h.config,
            replace(replace(replace(
                case when octet_length(m.content) <= $23::int4 then m.content
                    else substr(m.content, memo_snippet_start(m.content, h.query, $23::int4), $23::int4) end,
                '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
            h.query,
            'StartSel=<mark>, StopSel=</mark>, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \"'
        ) end as snippet,
        p.place,
        sum(case when $26::bool and p.place < $15 then octet_length(m.content) else 0 end)
            over (order by p.place) as bytes_through,
        count(p.id) over () as found
     from caller
     left join (page p join memories m on m.id = p.id
         -- Fuzzy hits are marked by the words as written (memo_exact), so
         -- that an unfinished last word marks the words it begins.
         cross join lateral (
             select case when p.tier = 0 then 'memo_exact' else 'memo_stem' end::regconfig as config,
                 case when p.tier = 0
                     then websearch_to_tsquery('memo_exact', memo_cjk_spaced(coalesce($4::text, $3::text)))
                          || coalesce(to_tsquery('memo_exact', $5::text || ':*'), ''::tsquery)
                     else coalesce(",
    text_query!(),
    ", ''::tsquery) end as query) h) on true) r
     where r.id is null or r.place = 1 or not $26::bool or r.bytes_through <= $27::int8
     order by r.tier desc, r.score desc, r.created_at desc, r.id desc"
);

/// What the statement of a deferred part (`deferred_part!`) runs in: the
/// caller and their newest memory (`$24`, `newest`) as values, so that the
/// part reads as it would in the search statement.
pub(super) const PART_SCOPE: &str = concat!(
    tenant_scope!(),
    ",
     newest as (select $24::timestamptz as made)",
    text_query_cte!()
);
