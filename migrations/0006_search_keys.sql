-- Search keys: the full-text index holds each tenant's words apart, and
-- knows roughly when each memory was made.
--
-- The GIN on (tenant_id, search) found a tenant's matches by intersecting
-- the word's posting list, shared by every tenant, with the tenant's own
-- list, which holds every memory of the tenant: 7 ms at one million memories
-- for two words that match 1,093 memories, 4 ms of it the tenant. And to rank
-- the newest 500 matches of a common word the heap was read for every match
-- (11,700 for `postgres vacuum` in the largest tenant) only to learn its date.
--
-- The index now holds, per memory, its words prefixed by its tenant, so a
-- tenant's word is one short posting list (the same two words: 1 ms), and one
-- key for the 30-day period the memory was made in. Search first asks for the
-- matches of the tenant's three newest periods (one more index key, no heap
-- read for older matches) and reads every match only when those hold fewer
-- than 500. Old and new ways give the same results; only the work differs.
--
-- Keys are built from the stored document, so the document, its weights and
-- positions (ranking, phrases, snippets) are unchanged. A tenant's key prefix
-- is its id in hex (32 characters): unique, so no tenant's query can reach
-- another's keys; search still checks tenant_id on every row.

-- Index expressions run with an empty search_path, so the functions below
-- name the ones they call with their schema.
create function memo_tenant_key(tenant uuid)
returns text
language sql
immutable
parallel safe
strict
as $$
    select replace(tenant::text, '-', '')
$$;

-- The 30-day period since 1970 that `made` falls in. (extract() on a
-- timestamptz is only stable; on an interval it is immutable.)
create function memo_search_period(made timestamptz)
returns int
language sql
immutable
parallel safe
strict
as $$
    select floor(extract(epoch from made - to_timestamp(0)) / (30 * 86400))::int
$$;

-- A period's key holds a space, which no lexeme does, so it can never be
-- taken for a word.
create function memo_period_key(tenant uuid, period int)
returns text
language sql
immutable
parallel safe
strict
as $$
    select public.memo_tenant_key(tenant) || ' ' || period
$$;

create function memo_search_keys(tenant uuid, made timestamptz, document tsvector)
returns tsvector
language sql
immutable
parallel safe
strict
as $$
    select array_to_tsvector(
        array(select public.memo_tenant_key(tenant) || lexeme from unnest(tsvector_to_array(document)) as lexeme)
        || public.memo_period_key(tenant, public.memo_search_period(made)))
$$;

-- A query over the document as a query over the tenant's keys, true of
-- every memory the document query is true of (search checks the document
-- too). Keys have no positions, so a phrase becomes `&`. A negated term is
-- replaced by one true of every memory, `!'<tenant> '` (no key is the
-- tenant's prefix and a space alone): `!(a <-> b)` as `!(a & b)` would drop
-- memories where a and b are apart. Then every lexeme of the text form
-- (quoted, '' for a quote) gets the tenant's prefix. The patterns skip
-- quoted lexemes whole, so a quote, parenthesis or `<` inside one is safe;
-- websearch_to_tsquery negates a lexeme or a flat group, which is what the
-- first pattern knows.
create function memo_keys_query(tenant uuid, query tsquery)
returns tsquery
language sql
immutable
parallel safe
strict
as $$
    select regexp_replace(
        regexp_replace(
            regexp_replace(query::text,
                '!(''(?:[^'']|'''')*''(?::\*)?|\((?:''(?:[^'']|'''')*''|[^''()])*\))', '!'' ''', 'g'),
            '(''(?:[^'']|'''')*''[^<'']*)<(?:-|[0-9]+)>', '\1&', 'g'),
        '''((?:[^'']|'''')*)''', '''' || public.memo_tenant_key(tenant) || '\1''', 'g')::tsquery
$$;

-- The tenant's `count` periods up to and including the one `newest` is in.
create function memo_recent_periods(tenant uuid, newest timestamptz, count int)
returns tsquery
language sql
immutable
parallel safe
strict
as $$
    select string_agg(quote_literal(public.memo_period_key(tenant, period)), ' | ')::tsquery
    from generate_series(public.memo_search_period(newest) - count + 1, public.memo_search_period(newest)) as period
$$;

drop index memories_search;
create index memories_search on memories using gin (memo_search_keys(tenant_id, created_at, search));

-- Planning a search estimated how many titles a trigram query matches by
-- computing word_similarity against every sampled title in the statistics
-- of this index's expression: 1.3 ms of every search's planning, fuzzy or
-- not. Without those statistics the estimate is a fixed fraction, and the
-- trigram index is still the only way to answer `%>`. Setting the target on
-- a new index keeps ANALYZE from ever collecting them.
drop index memories_fuzzy;
create index memories_fuzzy on memories using gin (tenant_id, memo_fuzzy_text(title, tags) gin_trgm_ops);
alter index memories_fuzzy alter column 2 set statistics 0;
