-- A candidate for `npm run bench:capture-pg` (MEMO_BENCH_CANDIDATE=bench/capture-one-shard.sql):
-- migration 0020's counters with every backend on one shard, so every
-- capture of a tenant adds to the same tag_counts rows and tenant_usage row,
-- as before 0020. Measures what the shards change, side by side.
create or replace function memo_shard() returns smallint
language sql stable parallel restricted
as $$ select 0::smallint $$;
