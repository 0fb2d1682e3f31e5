-- Per-tenant quotas (number of memories, stored bytes) and the scheduled upkeep.
--
-- Usage is kept in `tenant_usage` by statement-level triggers on `memories`,
-- so every statement that stores memories (a capture, a batch, an import, a
-- patch, `memo-admin import`) is checked in itself, with no extra round trip
-- and no change to the statements: a write that leaves the tenant over a
-- quota raises SQLSTATE MQ001 and so changes nothing at all.
--
-- A tenant's quota is its override here (`memo-admin tenant quota`), else the
-- default the statement set in `memo.quota_memories` / `memo.quota_bytes`
-- (the worker's QUOTA_MEMORIES / QUOTA_BYTES, see memo_quota_defaults); with
-- neither, there is no limit.

-- No write may land between counting the usage below and the triggers
-- taking over (writes wait for this migration's transaction).
lock table memories in share row exclusive mode;

alter table tenants
    add column quota_memories bigint check (quota_memories >= 0),
    add column quota_bytes bigint check (quota_bytes >= 0);

create table tenant_usage (
    tenant_id  uuid primary key references tenants (id) on delete cascade,
    memories   bigint not null default 0,
    bytes      bigint not null default 0
);

-- What one memory counts against the byte quota: the UTF-8 bytes of what the
-- caller sent and is stored (content, title, metadata as JSON text).
create function memo_memory_bytes(content text, title text, metadata jsonb)
returns bigint
language sql
immutable
parallel safe
as $$ select octet_length(content)::bigint + octet_length(title) + octet_length(metadata::text) $$;

insert into tenant_usage (tenant_id, memories, bytes)
select tenant_id, count(*), sum(memo_memory_bytes(content, title, metadata))
from memories
group by tenant_id;

-- Sets the defaults for the rest of the current transaction (a single
-- statement's, for the worker); always true, so it can sit in a WHERE clause
-- the statement's write depends on.
create function memo_quota_defaults(memories bigint, bytes bigint)
returns boolean
language sql
volatile
as $$
    select set_config('memo.quota_memories', coalesce(memories::text, ''), true) is not null
       and set_config('memo.quota_bytes', coalesce(bytes::text, ''), true) is not null
$$;

-- Refuses usage over a quota, for the quotas the statement made grow.
create function memo_check_quota(tenant uuid, memories bigint, bytes bigint, more_memories boolean, more_bytes boolean)
returns void
language plpgsql
as $$
declare
    limit_memories bigint;
    limit_bytes bigint;
begin
    select coalesce(t.quota_memories, nullif(current_setting('memo.quota_memories', true), '')::bigint),
           coalesce(t.quota_bytes, nullif(current_setting('memo.quota_bytes', true), '')::bigint)
      into limit_memories, limit_bytes
      from tenants t where t.id = tenant;
    if more_memories and memories > limit_memories then
        raise exception using errcode = 'MQ001', message = 'quota exceeded', detail = 'memories',
                              hint = limit_memories::text;
    end if;
    if more_bytes and bytes > limit_bytes then
        raise exception using errcode = 'MQ001', message = 'quota exceeded', detail = 'bytes',
                              hint = limit_bytes::text;
    end if;
end
$$;

-- One function for the three triggers (a trigger with transition tables
-- serves one event). Statement-level: one row of `tenant_usage` per tenant
-- and statement, whatever the batch size; each affected row is seen once.
create function memo_count_usage()
returns trigger
language plpgsql
as $$
declare
    r record;
begin
    if tg_op = 'INSERT' then
        for r in
            insert into tenant_usage as u (tenant_id, memories, bytes)
            select tenant_id, count(*), sum(memo_memory_bytes(content, title, metadata))
            from new_rows group by tenant_id
            on conflict (tenant_id) do update
                set memories = u.memories + excluded.memories, bytes = u.bytes + excluded.bytes
            returning u.tenant_id, u.memories, u.bytes
        loop
            perform memo_check_quota(r.tenant_id, r.memories, r.bytes, true, true);
        end loop;
    elsif tg_op = 'UPDATE' then
        for r in
            with delta as (
                select tenant_id, sum(b) as bytes from (
                    select tenant_id, memo_memory_bytes(content, title, metadata) as b from new_rows
                    union all
                    select tenant_id, -memo_memory_bytes(content, title, metadata) from old_rows) d
                group by tenant_id)
            update tenant_usage u set bytes = u.bytes + delta.bytes
            from delta where u.tenant_id = delta.tenant_id and delta.bytes <> 0
            returning u.tenant_id, u.memories, u.bytes, delta.bytes > 0 as grew
        loop
            perform memo_check_quota(r.tenant_id, r.memories, r.bytes, false, r.grew);
        end loop;
    else
        with delta as (
            select tenant_id, count(*) as memories, sum(memo_memory_bytes(content, title, metadata)) as bytes
            from old_rows group by tenant_id)
        update tenant_usage u set memories = u.memories - delta.memories, bytes = u.bytes - delta.bytes
        from delta where u.tenant_id = delta.tenant_id;
    end if;
    return null;
end
$$;

create trigger memories_usage_insert after insert on memories
    referencing new table as new_rows
    for each statement execute function memo_count_usage();
create trigger memories_usage_update after update on memories
    referencing old table as old_rows new table as new_rows
    for each statement execute function memo_count_usage();
create trigger memories_usage_delete after delete on memories
    referencing old table as old_rows
    for each statement execute function memo_count_usage();

-- The scheduled upkeep (the worker's Cron Trigger, `memo-admin prune`, and
-- `npm run serve`'s timer all call this): deletes idempotency records older
-- than 24 hours, at most `batch` per call so one run stays within a
-- statement timeout however long upkeep was skipped; returns how many it
-- deleted (a caller repeats while the answer equals `batch`). Idempotency
-- records are the only rows that accumulate without a user's action.
create function memo_upkeep(batch integer)
returns bigint
language sql
as $$
    with expired as (
        select tenant_id, key from idempotency_keys
        where created_at < now() - interval '24 hours'
        order by created_at
        limit batch),
    deleted as (
        delete from idempotency_keys i using expired e
        where i.tenant_id = e.tenant_id and i.key = e.key
        returning 1)
    select count(*) from deleted
$$;
