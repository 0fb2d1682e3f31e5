-- Search statements planned once per server connection, not once per search.
--
-- Each search statement is sent unnamed, so Postgres parsed and planned it
-- every time: about 3 ms of a search's 10 in Postgres at one million
-- memories (parse 1.1, planning 1.9). The worker opens a connection per
-- request, so a statement it prepares itself would die with it, and a pooler
-- in transaction mode (Hyperdrive, PgBouncer) carries no named statement
-- between clients anyway. The server connections behind the pool last, so
-- the search statement is now prepared there, by this function: the first
-- search of a shape on a server connection prepares it (named after a hash
-- of its text), later ones execute it with their values.
--
-- The plan is the statement's generic plan (`force_generic_plan`): one plan
-- for every set of values, made once. The statement is written for that
-- (src/db/search.rs): what its values decide (which tier, which filters) is
-- decided by one-time filters, values derived from the query are computed
-- once, and each shape holds only the branches it can use. The search plan
-- test (tests/search-plans.test.mjs) checks the generic plan of every shape.
--
-- The first argument is the statement, built by the worker from its own
-- constant parts, never from input; the others are its values `$1`..`$22`,
-- numbered as in the search statement but for `$1`, the caller's tenant (as
-- for `memo_search_part`, migration 0007): the worker's statement
-- authenticates the caller and then calls this.
-- A prepared statement's EXECUTE takes its values as SQL, not as
-- parameters, so they are passed as quoted literals (`%L`), each read back
-- as the type it was written from; the settings that change how values are
-- written are fixed here so that reading back is exact. A server connection
-- that was reset (`DISCARD ALL`) simply prepares again. The caller names
-- the columns of the rows.
create function memo_search(
    statement text, uuid, text, text, text, text, text, uuid, text[], text[], text, text,
    timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, text, text, int4)
returns setof record
language plpgsql
set plan_cache_mode = force_generic_plan
set extra_float_digits = 1
set datestyle = 'ISO, YMD'
set intervalstyle = 'postgres'
set bytea_output = 'hex'
as $function$
declare
    prepared text := 'memo_search_' || md5(statement);
begin
    if not exists (select from pg_prepared_statements p where p.name = prepared) then
        execute format('prepare %I (uuid, text, text, text, text, text, uuid, text[], text[], text, text, '
            'timestamptz, timestamptz, int8, int4, float4, timestamptz, uuid, int8, text, text, int4) as %s',
            prepared, statement);
    end if;
    return query execute format(
        'execute %I(%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L)',
        prepared, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23);
end
$function$;
