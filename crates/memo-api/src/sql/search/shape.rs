//! Which fragments a search's statement holds: only those its shape can
//! use, since Postgres plans every part of a statement whether it runs or
//! not (the statement with every part took 5 ms to plan, more than most
//! searches take to run).

use super::fragments::*;
use crate::domain::paging::{Cursor, PageLimit};
use crate::domain::search::SearchQuery;
use crate::sql::authed;

/// The statement for one search, `$1` the caller (the key's hash, or their
/// tenant for a statement that [`runs_prepared`]) and `$2`… the parameters
/// (`params::PARAMS`).
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
pub(super) fn text_shape(query: &SearchQuery) -> (bool, bool) {
    let filters = &query.filters;
    let by_date = (query.text.is_none() || query.excludes_only)
        && filters.all_tags.is_empty()
        && filters.any_tags.is_empty()
        && filters.source.is_none();
    (by_date, filters.after.is_some() || filters.before.is_some())
}

/// Whether a search of `query` runs its statement's generic plan, prepared
/// once per server connection ([`RUN_PREPARED`](super::protocol::RUN_PREPARED)), rather than a plan made
/// for its values: every shape but the walk by date (kinds, dates and
/// excluded words only), whose plan depends on how many of the caller's
/// memories pass the filters, which a generic plan cannot know. The generic
/// plan of `kind=note` read all of them: 0.8 s against 4 ms.
pub fn runs_prepared(query: &SearchQuery) -> bool {
    let (by_date, _) = text_shape(query);
    !by_date
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::SearchParams;
    use crate::limits::Limits;
    use chrono::DateTime;
    use uuid::Uuid;

    fn parse(q: Option<&str>, kind: Option<&str>, after: Option<&str>) -> SearchQuery {
        let params = SearchParams { q, kind, after, ..Default::default() };
        SearchQuery::parse(&params, &Limits::default(), DateTime::from_timestamp(1_780_000_000, 0).expect("2026"))
            .expect("a valid query")
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
