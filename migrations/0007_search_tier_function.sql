-- A search tier that runs for few searches, planned only for those.
--
-- Postgres plans every part of a statement before it runs any. The fuzzy
-- tier (the last word as a prefix, titles with similar words) runs only when
-- full text finds fewer than three memories, yet planning its part of the
-- search statement took 1.6 ms of every search with words, and parsing it
-- about 0.7 ms more: half of the statement's text. The search statement now
-- calls this function for that tier instead (src/db/search.rs). A function
-- call costs next to nothing to plan, and its body runs, so the tier's
-- statement is parsed and planned, only when the gate around the call lets
-- it (a one-time filter above the function scan).
--
-- The first argument is the tier's statement, built by the worker from its
-- own constant parts, never from input. The others are its values, bound
-- (`using`), numbered as in the search statement: the tier's `$1` is the
-- tenant (where the search statement has the key's hash), `$2`..`$19` are
-- the search's values, `$20` is when the tenant's newest memory was made.
-- tests/search-plans.test.mjs checks the tier's plan for sequential scans
-- like the search statement's own.
create function memo_search_tier(
    text, uuid, text, text, text, text, text, uuid, text[], text[], text, text,
    timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, timestamptz)
returns table (id uuid, created_at timestamptz, tier int4, score float4)
language plpgsql
stable
-- The search statement is never parallel (it updates the key's last use);
-- the tier's statement would be, and starting workers to read a few hundred
-- rows took 6 to 9 ms of the 15 its first part took.
set max_parallel_workers_per_gather = 0
as $function$
begin
    return query execute $1
        using $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21;
end
$function$;
