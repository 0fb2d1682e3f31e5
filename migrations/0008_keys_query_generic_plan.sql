-- memo_keys_query (migration 0006) runs its body as one query, whose
-- subqueries read the tags and the periods. PL/pgSQL plans that query for
-- each call's values until a generic plan looks as cheap, and here it never
-- does: with no tags the custom plan expects no rows. So every search spent
-- 0.27 ms planning it, once per search-key lookup. The generic plan does as
-- well for every call: 0.05 ms per call (a thousand calls, one million
-- memories).
alter function memo_keys_query(uuid, tsquery, text[], text[], text, text, timestamptz, timestamptz, timestamptz)
    set plan_cache_mode = force_generic_plan;
