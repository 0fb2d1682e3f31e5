-- Parts of a search that run for few searches, planned only for those.
--
-- Postgres plans every part of a statement before it runs any. Two parts of
-- a search run only sometimes: the fuzzy tier (the last word as a prefix,
-- titles with similar words), when full text finds fewer than three
-- memories, and the text tier's look at all of a tenant's matches, when
-- their newest period holds too few. Planning the fuzzy tier took 1.6 ms of
-- every search with words, the look at all matches about 0.4 ms, and parsing
-- them about half the statement's parse. The search statement now calls
-- this function for each (src/db/search.rs). A function call costs next to
-- nothing to plan, and its body runs, so the part's statement is parsed and
-- planned, only when the gate around the call lets it (a one-time filter
-- above the function scan).
--
-- The first argument is the part's statement, built by the worker from its
-- own constant parts, never from input. The others are its values, bound
-- (`using`), numbered as in the search statement: the part's `$1` is the
-- tenant (where the search statement has the key's hash), `$2`..`$19` are
-- the search's values, `$20` is when the tenant's newest memory was made.
-- The caller names the columns of the part's rows. tests/search-plans.test.mjs
-- checks each part's plan for sequential scans like the search statement's.
create function memo_search_part(
    text, uuid, text, text, text, text, text, uuid, text[], text[], text, text,
    timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, timestamptz)
returns setof record
language plpgsql
stable
-- The search statement is never parallel (it updates the key's last use);
-- a part's statement would be, and starting workers to read a few hundred
-- rows took 6 to 9 ms of the 15 the prefix's first part took.
set max_parallel_workers_per_gather = 0
as $function$
begin
    return query execute $1
        using $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21;
end
$function$;
