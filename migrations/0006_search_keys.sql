-- Search keys: the full-text index holds each tenant's words apart, with the
-- filters and roughly when each memory was made.
--
-- The GIN on (tenant_id, search) found a tenant's matches by intersecting
-- each word's posting list, shared by every tenant, with the tenant's own
-- list, which holds every memory of the tenant: 7 ms at one million memories
-- for two words that match 1,093 memories, 4 ms of it the tenant. A filter
-- (`#rust async`, `kind:note budget`) was checked on the row, so every
-- match of the words was read first. And to rank the newest matches of a
-- common word, every match was read only to learn its date.
--
-- The index now holds, per memory, keys prefixed by its tenant:
--
--   <tenant><lexeme>           each lexeme of the document
--   <tenant> a:<n>, b:<n>      the two 90-day periods it was made in, one
--                              of each of two series 45 days apart
--   <tenant> kind:<kind>       its kind
--   <tenant> source:<source>   its source, if any
--   <tenant> tag:<tag>         each of its tags
--
-- so a tenant's word is one short posting list (the same two words: 1 ms),
-- and the filters and a time window narrow the index scan instead of the
-- rows read. Every key but a lexeme holds a space, which no lexeme does.
-- Search asks first for the matches in the tenant's newest period (of the
-- two holding its newest memory, the one that began earlier: 45 to 90 days)
-- and reads every match only when that holds too few (src/db/search.rs).
-- One period is one key, which the index intersects at almost no cost; a
-- window of three 30-day keys, tried first, cost 2 to 10 ms to merge.
--
-- Keys are built from the stored document and columns, so the document, its
-- weights and positions (ranking, phrases, snippets) are unchanged. A
-- tenant's prefix is its id in hex (32 characters): unique, so no tenant's
-- query can reach another's keys; search still checks every row's tenant
-- and filters.

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

-- The day since 1970 that `made` falls in. (extract() on a timestamptz is
-- only stable; on an interval it is immutable.)
create function memo_search_day(made timestamptz)
returns int
language sql
immutable
parallel safe
strict
as $$
    select floor(extract(epoch from made - to_timestamp(0)) / 86400)::int
$$;

-- The key of a filter's value, or of a period: `<tenant> <name>:<value>`.
-- Every key but a lexeme is made here, so the index and the queries agree.
create function memo_filter_key(tenant uuid, name text, value text)
returns text
language sql
immutable
parallel safe
strict
as $$
    select public.memo_tenant_key(tenant) || ' ' || name || ':' || value
$$;

create function memo_search_keys(
    tenant uuid, made timestamptz, kind text, source text, tags text[], document tsvector)
returns tsvector
language sql
immutable
parallel safe
as $$
    select array_to_tsvector(
        array(select public.memo_tenant_key(tenant) || lexeme from unnest(tsvector_to_array(document)) as lexeme)
        || array(select public.memo_filter_key(tenant, 'tag', tag) from unnest(tags) as tag)
        || array_remove(array[
               public.memo_filter_key(tenant, 'a', (public.memo_search_day(made) / 90)::text),
               public.memo_filter_key(tenant, 'b', ((public.memo_search_day(made) + 45) / 90)::text),
               public.memo_filter_key(tenant, 'kind', kind),
               public.memo_filter_key(tenant, 'source', source)], null))
$$;

-- `key` quoted for a tsquery's text form, whatever it holds.
create function memo_quoted_key(key text)
returns text
language sql
immutable
parallel safe
strict
as $$
    select '''' || replace(replace(key, '\', '\\'), '''', '''''') || ''''
$$;

-- A search over the document as a search over the tenant's keys, true of
-- every memory the search is true of (search checks the document and the
-- filters too).
--
-- Keys have no positions, so a phrase becomes `&`. A negated term is
-- replaced by one true of every memory, `!'<tenant> '` (no key is the
-- tenant's prefix and a space alone): `!(a <-> b)` as `!(a & b)` would drop
-- memories where a and b are apart. Then every lexeme of the text form
-- (quoted, '' for a quote) gets the tenant's prefix. The patterns skip
-- quoted lexemes whole, so a quote, parenthesis or `<` inside one is safe;
-- websearch_to_tsquery negates a lexeme or a flat group, which is what the
-- first pattern knows. Each filter given adds its keys: all of `all_tags`,
-- one of `any_tags`, the kind, the source, and for a time range of at most
-- eight 90-day periods one of those periods' keys (`after` up to `before`,
-- or up to `newest`, the tenant's newest memory, when there is no `before`).
--
-- PL/pgSQL, not SQL: a SQL function is inlined into each statement that
-- calls it, and planning this expression wherever a search uses it cost
-- 1.2 ms of every search (4.0 -> 2.8 ms to plan).
create function memo_keys_query(
    tenant uuid, query tsquery, all_tags text[], any_tags text[], kind text, source text,
    after timestamptz, before timestamptz, newest timestamptz)
returns tsquery
language plpgsql
immutable
parallel safe
as $$
begin
    return array_to_string(array_remove(array[
        '(' || nullif(regexp_replace(
            regexp_replace(
                regexp_replace(query::text,
                    '!(''(?:[^'']|'''')*''(?::\*)?|\((?:''(?:[^'']|'''')*''|[^''()])*\))', '!'' ''', 'g'),
                '(''(?:[^'']|'''')*''[^<'']*)<(?:-|[0-9]+)>', '\1&', 'g'),
            '''((?:[^'']|'''')*)''', '''' || public.memo_tenant_key(tenant) || '\1''', 'g'), '') || ')',
        (select string_agg(public.memo_quoted_key(public.memo_filter_key(tenant, 'tag', tag)), ' & ')
         from unnest(all_tags) as tag),
        '(' || (select string_agg(public.memo_quoted_key(public.memo_filter_key(tenant, 'tag', tag)), ' | ')
                from unnest(any_tags) as tag) || ')',
        public.memo_quoted_key(public.memo_filter_key(tenant, 'kind', kind)),
        public.memo_quoted_key(public.memo_filter_key(tenant, 'source', source)),
        (select '(' || string_agg(public.memo_quoted_key(public.memo_filter_key(tenant, 'a', period::text)), ' | ') || ')'
         from generate_series(public.memo_search_day(after) / 90, public.memo_search_day(coalesce(before, newest)) / 90)
              as period
         having count(*) <= 8)], null), ' & ')::tsquery;
end
$$;

-- Of the two 90-day periods holding `newest` (see memo_search_keys), the key
-- of the one that began earlier, as a tsquery.
create function memo_recent_window(tenant uuid, newest timestamptz)
returns tsquery
language sql
immutable
parallel safe
strict
as $$
    select public.memo_quoted_key(case when day % 90 >= (day + 45) % 90
               then public.memo_filter_key(tenant, 'a', (day / 90)::text)
               else public.memo_filter_key(tenant, 'b', ((day + 45) / 90)::text) end)::tsquery
    from (select public.memo_search_day(newest) as day) as newest_day
$$;

drop index memories_search;
create index memories_search on memories
    using gin (memo_search_keys(tenant_id, created_at, kind, source, tags, search));
-- Tag filters are keys now; one index fewer to maintain on every capture.
drop index memories_tags;

-- Planning a search estimated how many titles a trigram query matches by
-- computing word_similarity against every sampled title in the statistics
-- of this index's expression: 1.3 ms of every search's planning, fuzzy or
-- not. Without those statistics the estimate is a fixed fraction, and the
-- trigram index is still the only way to answer `%>`. Setting the target on
-- a new index keeps ANALYZE from ever collecting them.
drop index memories_fuzzy;
create index memories_fuzzy on memories using gin (tenant_id, memo_fuzzy_text(title, tags) gin_trgm_ops);
alter index memories_fuzzy alter column 2 set statistics 0;
