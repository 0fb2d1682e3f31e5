-- The hot rows of a capture (issue 23). Every capture of a tenant added to
-- the same `tag_counts` rows (its tags) and to the tenant's one
-- `tenant_usage` row, from statement triggers, and held those row locks to
-- the end of its commit (WAL flush included): concurrent captures of one
-- tenant ran one after another from their triggers on (BENCHMARKS.md, issue
-- 23: ~10 ms of lock wait per capture at 10 concurrent captures).
--
-- Both counters are now split into shards: a statement adds to the shard
-- of its backend (`memo_shard()`), so concurrent statements on different
-- backends touch different rows. A count is the sum over its shards, exact
-- as before; a shard alone may be negative (a memory counted on one backend
-- and deleted on another).

-- Shards per counter: enough that the few backends writing for one tenant
-- at a time rarely share one, few enough that readers summing them stay
-- cheap and the quota's margin below stays small.
create function memo_shards() returns smallint
language sql immutable parallel safe
as $$ select 16::smallint $$;

-- The shard of the current backend. A backend runs one transaction at a
-- time, so two transactions in flight on one shard are serialised by its
-- rows' locks: at most `memo_shards()` transactions hold uncommitted deltas
-- of one counter, which is what the quota check below relies on.
create function memo_shard() returns smallint
language sql stable parallel restricted
as $$ select (pg_backend_pid() % memo_shards())::smallint $$;

lock table memories in share row exclusive mode;

-- Tag counts: one row per tenant, tag and shard. The primary key still
-- leads with (tenant_id, tag), so a prefix is a range scan of it, now
-- summing the shards of each tag.
alter table tag_counts
    add column shard smallint not null default 0,
    drop constraint tag_counts_pkey,
    add constraint tag_counts_pkey primary key (tenant_id, tag, shard);
alter table tag_counts alter column shard drop default;
-- What the upkeep folds back into shard 0 (memo_fold_tag_counts).
-- (Not on `count`: a partial index on it would make every count's update
-- write the indexes anew instead of a heap-only update.)
create index tag_counts_unfolded on tag_counts (tenant_id, tag) where shard <> 0;

-- Applies (tenant, tag, delta) rows to this backend's shard, in key order
-- (concurrent statements on one shard take its rows' locks in the same
-- order). Deltas that cancel out (a re-capture that keeps its tags) write
-- nothing. Fewer uses never insert for a tenant that is gone: deleting a
-- tenant cascades to its memories, whose delete trigger lands here after
-- the cascade removed its tag_counts (migration 0018). A shard's row that
-- reaches zero is dropped; the other shards of the tag are left to the
-- upkeep, as they may be in use by transactions in flight.
create or replace function memo_apply_tag_deltas(deltas jsonb) returns void
language plpgsql as $$
declare
    mine smallint := memo_shard();
begin
    if jsonb_array_length(deltas) = 0 then
        return;
    end if;
    with summed as (
        select (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag,
               sum((e ->> 'delta')::int8)::int8 as delta
        from jsonb_array_elements(deltas) e
        group by 1, 2
        having sum((e ->> 'delta')::int8) <> 0)
    insert into tag_counts as t (tenant_id, tag, shard, count)
    select s.tenant_id, s.tag, mine, s.delta
    from summed s
    where s.delta > 0 or exists (select from tenants where id = s.tenant_id)
    order by 1, 2
    on conflict (tenant_id, tag, shard) do update set count = t.count + excluded.count;
    if jsonb_path_exists(deltas, '$[*] ? (@.delta < 0)') then
        delete from tag_counts t
        where t.shard = mine and t.count = 0
          and (t.tenant_id, t.tag) in (select (e ->> 'tenant_id')::uuid, (e ->> 'tag') collate "C"
                                       from jsonb_array_elements(deltas) e);
    end if;
end $$;

-- 0015's tag-count triggers, for a capture (issue 23): a new memory's tags
-- go straight from the transition table to this backend's shard (no JSON
-- built and parsed again), and the UPDATE trigger of a capture that
-- inserted (its transition tables empty) returns at once. Measured side by
-- side before it was kept: 0.93 of the Postgres CPU per capture.
create or replace function memo_tag_counts_insert() returns trigger
language plpgsql as $$
begin
    insert into tag_counts as t (tenant_id, tag, shard, count)
    select n.tenant_id, tag collate "C", memo_shard(), count(*)
    from new_rows n, unnest(n.tags) as tag
    group by 1, 2
    order by 1, 2
    on conflict (tenant_id, tag, shard) do update set count = t.count + excluded.count;
    return null;
end $$;

create or replace function memo_tag_counts_update() returns trigger
language plpgsql as $$
begin
    if not exists (select from new_rows) then
        return null;
    end if;
    perform memo_apply_tag_deltas(coalesce((
        select jsonb_agg(jsonb_build_object('tenant_id', c.tenant_id, 'tag', c.tag, 'delta', c.delta))
        from (select n.tenant_id, tag, 1 as delta from new_rows n, unnest(n.tags) as tag
              union all
              select o.tenant_id, tag, -1 from old_rows o, unnest(o.tags) as tag) c), '[]'));
    return null;
end $$;

-- 0019's path for negative deltas, written for the unsharded key.
drop function memo_apply_tag_deltas_all(jsonb);

-- Folds up to `batch` tags' shards back into shard 0 and drops the tags no
-- memory carries any more; returns how many tags it folded. The rows are
-- locked in key order (as the triggers take theirs) and only the rows
-- locked are folded, so a shard row a capture creates meanwhile keeps its
-- count.
create function memo_fold_tag_counts(batch integer) returns bigint
language plpgsql as $$
declare
    tenants uuid[];
    tags text[];
    shards smallint[];
    counts int8[];
begin
    select array_agg(l.tenant_id), array_agg(l.tag), array_agg(l.shard), array_agg(l.count)
      into tenants, tags, shards, counts
    from (select c.tenant_id, c.tag, c.shard, c.count
          from tag_counts c
          join (select distinct tenant_id, tag from tag_counts where shard <> 0 limit batch) g
            on c.tenant_id = g.tenant_id and c.tag = g.tag
          order by c.tenant_id, c.tag, c.shard
          for update of c) l;
    if tenants is null then
        return 0;
    end if;
    delete from tag_counts c
    using unnest(tenants, tags, shards) as f(tenant_id, tag, shard)
    where c.tenant_id = f.tenant_id and c.tag = f.tag collate "C" and c.shard = f.shard;
    insert into tag_counts as t (tenant_id, tag, shard, count)
    select f.tenant_id, f.tag collate "C", 0, sum(f.count)
    from unnest(tenants, tags, counts) as f(tenant_id, tag, count)
    group by 1, 2 having sum(f.count) > 0
    on conflict (tenant_id, tag, shard) do update set count = t.count + excluded.count;
    return (select count(distinct (f.tenant_id, f.tag)) from unnest(tenants, tags) as f(tenant_id, tag));
end $$;

-- Usage: one row per tenant and shard.
alter table tenant_usage
    add column shard smallint not null default 0,
    drop constraint tenant_usage_pkey,
    add constraint tenant_usage_pkey primary key (tenant_id, shard);
alter table tenant_usage alter column shard drop default;

-- The tenant's usage, summed over its shards (a set-returning SQL
-- function, so Postgres inlines it into the statements that read it).
create function memo_usage(tenant uuid)
returns table (memories bigint, bytes bigint)
language sql stable
as $$
    select coalesce(sum(u.memories), 0)::bigint, coalesce(sum(u.bytes), 0)::bigint
    from tenant_usage u where u.tenant_id = tenant
$$;

-- Adds a statement's change to a tenant's usage and refuses it (MQ001,
-- memo_check_quota) if it grows the usage past a quota. Exact, and without
-- a tenant-wide lock unless the usage is near a quota:
--
-- Quick path: add to this backend's shard, which locks that row until
-- commit, then read the sum with a new snapshot. A transaction not in that
-- snapshot either holds another shard's row now (at most one per shard,
-- each adding at most one `step`, counted in this transaction's margin) or
-- takes its row later and so reads a later sum, counting this one in its
-- own margin. So if the sum plus (shards - 1) steps is within the quota, the
-- usage stays within it whatever commits. Proof sketch: take the quick
-- transaction whose check read the latest snapshot; everything committed
-- after that snapshot held a row of another shard at that moment.
--
-- Exact path (near a quota, or a change over one step): the quick path's
-- write is undone (its subtransaction rolled back, which releases the row,
-- so no transaction waits for it while it waits for the others), then every
-- shard row of the tenant is locked in shard order and the sum checked
-- exactly: no other change is in flight.
--
-- Changes that only shrink are not checked and take the shard's row only;
-- nothing is added for a tenant that is gone (see memo_apply_tag_deltas).
-- A transaction that stores memories in several statements counts its
-- growth together against the step (memo.usage_in_flight); if it then takes
-- the exact path it already holds its shard's row, and two such transactions
-- can deadlock (Postgres cancels one). The worker stores in one statement
-- per transaction.
create function memo_usage_add(tenant uuid, memories bigint, bytes bigint) returns void
language plpgsql as $$
declare
    -- The step: most memories and bytes one transaction may add on the
    -- quick path (a batch of the worker's default MAX_BATCH_ITEMS in a body
    -- of its default MAX_BODY_BYTES fits). With 16 shards the quick path
    -- leaves 15 steps of room: 1,500 memories and 60 MiB.
    step_memories constant bigint := 100;
    step_bytes constant bigint := 4 * 1024 * 1024;
    margin constant bigint := memo_shards() - 1;
    growing boolean := memories > 0 or bytes > 0;
    quick boolean := false;
    in_flight bigint[];
    total record;
begin
    if memories = 0 and bytes = 0 then
        return;
    end if;
    if growing then
        in_flight := coalesce(nullif(current_setting('memo.usage_in_flight', true), ''), '{0,0}')::bigint[];
        in_flight := array[in_flight[1] + greatest(memories, 0), in_flight[2] + greatest(bytes, 0)];
        perform set_config('memo.usage_in_flight', in_flight::text, true);
        quick := in_flight[1] <= step_memories and in_flight[2] <= step_bytes;
    end if;
    loop
        if growing and not quick then
            insert into tenant_usage (tenant_id, shard, memories, bytes)
            select tenant, s, 0, 0 from generate_series(0, memo_shards() - 1) s
            where exists (select from tenants t where t.id = tenant)
            on conflict do nothing;
            perform from tenant_usage u where u.tenant_id = tenant order by u.shard for update;
        end if;
        begin
            insert into tenant_usage as u (tenant_id, shard, memories, bytes)
            select tenant, memo_shard(), memories, bytes
            where exists (select from tenants t where t.id = tenant)
            on conflict (tenant_id, shard) do update
                set memories = u.memories + excluded.memories, bytes = u.bytes + excluded.bytes;
            if growing then
                select * into total from memo_usage(tenant);
                perform memo_check_quota(tenant,
                    total.memories + case when quick then margin * step_memories else 0 end,
                    total.bytes + case when quick then margin * step_bytes else 0 end,
                    memories > 0, bytes > 0);
            end if;
            return;
        exception when sqlstate 'MQ001' then
            if not quick then
                raise;
            end if;
            -- Near a quota: checked exactly.
            quick := false;
        end;
    end loop;
end $$;

-- 0013's trigger function on the shards; a statement that changes no
-- tenant's usage (the UPDATE trigger of every new capture, with empty
-- transition tables) does nothing.
create or replace function memo_count_usage()
returns trigger
language plpgsql
as $$
declare
    change record;
begin
    case tg_op
    when 'INSERT' then
        for change in
            select tenant_id, count(*) as memories, sum(memo_memory_bytes(content, title, metadata))::bigint as bytes
            from new_rows group by tenant_id order by tenant_id
        loop
            perform memo_usage_add(change.tenant_id, change.memories, change.bytes);
        end loop;
    when 'UPDATE' then
        for change in
            select tenant_id, sum(b)::bigint as bytes from (
                select tenant_id, memo_memory_bytes(content, title, metadata) as b from new_rows
                union all
                select tenant_id, -memo_memory_bytes(content, title, metadata) from old_rows) d
            group by tenant_id having sum(b) <> 0 order by tenant_id
        loop
            perform memo_usage_add(change.tenant_id, 0, change.bytes);
        end loop;
    else
        for change in
            select tenant_id, count(*) as memories, sum(memo_memory_bytes(content, title, metadata))::bigint as bytes
            from old_rows group by tenant_id order by tenant_id
        loop
            perform memo_usage_add(change.tenant_id, -change.memories, -change.bytes);
        end loop;
    end case;
    return null;
end
$$;

-- The upkeep now also folds the tag counts' shards (up to `batch` tags per
-- call): 0013's function, kept as it is under a new name, and the fold. It
-- still returns the idempotency records deleted, which a caller repeats on.
alter function memo_upkeep(integer) rename to memo_prune_idempotency;

create function memo_upkeep(batch integer)
returns bigint
language plpgsql
as $$
declare
    deleted bigint := memo_prune_idempotency(batch);
begin
    perform memo_fold_tag_counts(batch);
    return deleted;
end
$$;

-- The worker's capture statement, planned on every request (an unnamed
-- statement), spent 7-9% of a capture's Postgres CPU planning its CTEs:
-- the key check, its `touch`, the quota defaults (issue 23). It now sends
--   select u.* from memo_capture_tenant($1, $19, $20) c
--   cross join lateral memo_capture_memories(c.tenant_id, $2, ..., $18) u
-- which plans in next to nothing, while the statements in here keep their
-- plans per server connection. The key is still checked in the statement
-- that writes, by the same rule as the worker's `authed!`
-- (crates/memo-api/src/sql/mod.rs): no row at all for a key that is unknown
-- or revoked (so the capture never runs); its use recorded at most once per
-- five minutes. Then the statement's default quotas (memo_quota_defaults).
create function memo_capture_tenant(key_hash bytea, quota_memories bigint, quota_bytes bigint)
returns setof uuid
language plpgsql
as $$
declare
    caller record;
begin
    select k.id, k.tenant_id into caller
    from api_keys k where k.key_hash = memo_capture_tenant.key_hash and k.revoked_at is null;
    if not found then
        return;
    end if;
    update api_keys k set last_used_at = now()
    where k.id = caller.id and (k.last_used_at is null or k.last_used_at < now() - interval '5 minutes');
    perform memo_quota_defaults(quota_memories, quota_bytes);
    return next caller.tenant_id;
end
$$;
