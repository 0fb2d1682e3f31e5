-- Search keys bounded, so every memory is found whatever its size.
--
-- A tsvector addresses its lexemes' bytes with 20 bits: at most 1,048,575
-- bytes in all, and 2,047 bytes for one lexeme. array_to_tsvector checks
-- neither. A memory's keys (migration 0006) are its document's lexemes with
-- the tenant's 32-character prefix, so a memory of about 30,000 distinct
-- lexemes (200,000 characters of code or identifiers) had keys past 1 MB:
-- the vector was corrupt, and the key index never returned the memory, not
-- even for a word of its title.
--
-- The keys are now kept within those bounds, in this order until the bytes
-- run out: the filters' keys (tags, periods, kind, source); the lexemes of
-- the title and tags (weights A and B); then the content's, in the order
-- they first occur in the document (its stems first, then the words as
-- written, memo_search_document), shortest first where positions tie (a
-- document numbers words up to 16,383). A key longer than 2,047 bytes (a
-- "word" of over 2,015 bytes) is left out. A memory whose keys fit (nearly
-- all) gets exactly the keys it had; only a larger one's are ranked.
-- README ("Search") states what this means for a user.
create or replace function memo_search_keys(
    tenant uuid, made timestamptz, kind text, source text, tags text[], document tsvector)
returns tsvector
language sql
immutable
parallel safe
as $$
    select array_to_tsvector(f.keys || case
        -- Each lexeme's key is the lexeme and the prefix: at most the
        -- document's size plus the prefix per lexeme.
        when coalesce(pg_column_size(document), 0) + 32 * coalesce(length(document), 0) <= f.room
        then array(select k from (select public.memo_tenant_key(tenant) || lexeme as k
                                  from unnest(tsvector_to_array(document)) as lexeme) as lexemes
                   where octet_length(k) <= 2047)
        else array(select kept.k from (
                 select ranked.k, sum(octet_length(ranked.k)) over (
                         order by ranked.rank, ranked.first_at, octet_length(ranked.k), ranked.k collate "C"
                         rows between unbounded preceding and current row) as used
                 from (select public.memo_tenant_key(tenant) || d.lexeme as k,
                              case when d.weights && array['A', 'B'] then 0 else 1 end as rank,
                              d.positions[1] as first_at
                       from unnest(document) as d) as ranked
                 where octet_length(ranked.k) <= 2047) as kept
             where kept.used <= f.room)
        end)
    from (select filters.keys,
                 1048575 - coalesce((select sum(octet_length(k)) from unnest(filters.keys) as k), 0) as room
          from (select array(select k from unnest(
                    array(select public.memo_filter_key(tenant, 'tag', tag) from unnest(tags) as tag)
                    || array_remove(array[
                           public.memo_filter_key(tenant, 'a', (public.memo_search_day(made) / 90)::text),
                           public.memo_filter_key(tenant, 'b', ((public.memo_search_day(made) + 45) / 90)::text),
                           public.memo_filter_key(tenant, 'kind', kind),
                           public.memo_filter_key(tenant, 'source', source)], null)) as k
                    where octet_length(k) <= 2047) as keys) as filters) as f
$$;

-- The index holds keys made by the old definition, corrupt for the largest
-- memories: rebuilt from the new one.
reindex index memories_search;

-- A search's cost bounded whatever its query (issue 18).
--
-- The time window of a search's keys: one key per 90-day period from
-- `after` to `before`, used only when there are at most eight. The series
-- was generated in full before being counted, so `after:-4000-01-01
-- before:+262000-01-01` generated a million periods per index lookup. The
-- worker now refuses dates outside 1970 to a year ahead
-- (src/domain/search.rs); here the series stops at nine periods, which is
-- enough to tell "too many". Otherwise the function is migration 0006's,
-- with migration 0008's setting.
create or replace function memo_keys_query(
    tenant uuid, query tsquery, all_tags text[], any_tags text[], kind text, source text,
    after timestamptz, before timestamptz, newest timestamptz)
returns tsquery
language plpgsql
immutable
parallel safe
set plan_cache_mode = force_generic_plan
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
         from generate_series(public.memo_search_day(after) / 90,
                              least(public.memo_search_day(coalesce(before, newest)) / 90,
                                    public.memo_search_day(after) / 90 + 8)) as period
         having count(*) <= 8)], null), ' & ')::tsquery;
end
$$;

-- Where a snippet starts (migration 0009): each word it looks for scans a
-- long memory up to twice (as written, capitalised), so a long `or` of
-- words no memory holds scanned 512 KiB twice per word for each hit of the
-- page. It now looks for the query's first eight words only (README,
-- "Search"); a snippet whose words come later starts at the beginning.
create or replace function memo_snippet_start(content text, query tsquery, window_chars int)
returns int
language plpgsql
immutable
parallel safe
as $$
begin
    return greatest(1, coalesce((
        select min(place.at)
        from (select strpos(content, written) as at
              from (select word from regexp_matches(query::text, '''((?:[^'']|'''')+)''', 'g') as word limit 8)
                       as words,
                   lateral (select replace(words.word[1], '''''', '''') as lexeme) as unquoted,
                   unnest(array[unquoted.lexeme, initcap(unquoted.lexeme)]) as written) as place
        where place.at > 0), 1) - window_chars / 4);
end
$$;

-- Search parameters passed as one value (src/db/search/protocol.rs).
--
-- memo_search (migration 0010) and memo_search_part (0007) took each of a
-- search's 21 parameters as an argument of its own, so a new filter meant
-- new signatures for both, and the same list in four places of the worker.
-- They now take the search's parameters as one jsonb value, an array of
-- `{name, type, value}` in the order of the statement's `$3`, `$4`, … (the
-- worker's parameter table, src/db/search/params.rs), which the statement
-- also gets whole as `$2`, to hand to its parts. Each function prepares its
-- statement once per server connection, named after a hash of the types and
-- the text, and executes it with the values written as literals of their
-- types, as memo_search did.

-- The command that executes `statement`, prepared once per server
-- connection under `prefix` with the types `params` names: `$1` the tenant,
-- `$2` the parameters whole, then each one. Types are read as regtype, so
-- nothing but a type name reaches the PREPARE.
create function memo_search_command(prefix text, statement text, tenant uuid, params jsonb)
returns text
language plpgsql
as $function$
declare
    types text;
    literals text;
    prepared text;
begin
    select coalesce(string_agg((p->>'type')::regtype::text, ', ' order by n), ''),
           coalesce(string_agg(format('%L::%s',
               case when jsonb_typeof(p->'value') = 'array'
                   then array(select jsonb_array_elements_text(p->'value'))::text
                   else p->>'value' end,
               (p->>'type')::regtype), ', ' order by n), '')
    into types, literals
    from jsonb_array_elements(params) with ordinality as e(p, n);
    prepared := prefix || md5(types || ';' || statement);
    if not exists (select from pg_prepared_statements s where s.name = prepared) then
        execute format('prepare %I (uuid, jsonb, %s) as %s', prepared, types, statement);
    end if;
    return format('execute %I(%L::uuid, %L::jsonb, %s)', prepared, tenant, params, literals);
end
$function$;

-- A search statement on its generic plan (as migration 0010's memo_search).
-- Values are written as literals, so the settings that change how they are
-- read back are fixed here.
create function memo_search(statement text, tenant uuid, params jsonb)
returns setof record
language plpgsql
set plan_cache_mode = force_generic_plan
set extra_float_digits = 1
set datestyle = 'ISO, YMD'
set intervalstyle = 'postgres'
set bytea_output = 'hex'
as $function$
begin
    return query execute memo_search_command('memo_search_', statement, tenant, params);
end
$function$;

-- A part of a search (as migration 0007's memo_search_part), planned for its
-- values like before, each time it runs: its parse is kept. `overrides`
-- names the parameters the part sees with other values (the tenant's newest
-- memory, a later `after`).
create function memo_search_part(statement text, tenant uuid, params jsonb, overrides jsonb)
returns setof record
language plpgsql
-- Volatile: it prepares its statement.
set plan_cache_mode = force_custom_plan
-- The search statement is never parallel (it updates the key's last use);
-- a part's statement would be, and starting workers to read a few hundred
-- rows took 6 to 9 ms of the 15 the prefix's first part took.
set max_parallel_workers_per_gather = 0
set extra_float_digits = 1
set datestyle = 'ISO, YMD'
set intervalstyle = 'postgres'
set bytea_output = 'hex'
as $function$
declare
    seen jsonb;
begin
    select jsonb_agg(case when overrides ? (p->>'name')
                         then jsonb_set(p, '{value}', overrides -> (p->>'name')) else p end order by n)
    into seen
    from jsonb_array_elements(params) with ordinality as e(p, n);
    return query execute memo_search_command('memo_part_', statement, tenant, seen);
end
$function$;

drop function memo_search(text, uuid, text, text, text, text, text, uuid, text[], text[], text, text,
    timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, text, text, int4);
drop function memo_search_part(text, uuid, text, text, text, text, text, uuid, text[], text[], text, text,
    timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, timestamptz);

-- The `url:` filter: a search of a URL alone walks the tenant's memories
-- with it (the same index, made by the same statement, as the list's `url`
-- filter).
create index if not exists memories_tenant_url on memories (tenant_id, url);
