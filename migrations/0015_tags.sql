-- The tag vocabulary (`GET /v1/tags`) and the exact-URL lookup
-- (`GET /v1/memories?url=`), both for the browser extension.
--
-- Counting tags from `memories` would read every memory of a tenant on each
-- keystroke of a tag field. `tag_counts` keeps each tenant's tags with how
-- many memories carry them, kept right by statement-level triggers on
-- `memories` (one upsert per statement, also for batches and imports). The
-- tag is compared bytewise (collation "C") so the primary key's btree serves
-- a prefix `like 'abc%'` as a range scan.
create table tag_counts (
    tenant_id uuid not null references tenants (id) on delete cascade,
    tag       text collate "C" not null,
    count     int8 not null,
    primary key (tenant_id, tag)
);

-- Applies (tenant, tag, delta) rows: in key order, so concurrent statements
-- take the rows' locks in the same order and cannot deadlock on them; then
-- drops the tags no memory carries any more (a second statement: the first
-- one's changes are not visible within it).
create function memo_apply_tag_deltas(deltas jsonb) returns void
language plpgsql as $$
begin
    with d as (
        select (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag, (e ->> 'delta')::int8 as delta
        from jsonb_array_elements(deltas) e),
    summed as (
        select tenant_id, tag, sum(delta)::int8 as delta from d group by tenant_id, tag having sum(delta) <> 0)
    insert into tag_counts as t (tenant_id, tag, count)
    select tenant_id, tag, delta from summed order by tenant_id, tag
    on conflict (tenant_id, tag) do update set count = t.count + excluded.count;
    delete from tag_counts t
    using (select distinct (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag
           from jsonb_array_elements(deltas) e) d
    where t.tenant_id = d.tenant_id and t.tag = d.tag and t.count <= 0;
end $$;

create function memo_tag_counts_insert() returns trigger
language plpgsql as $$
begin
    perform memo_apply_tag_deltas(coalesce((
        select jsonb_agg(jsonb_build_object('tenant_id', n.tenant_id, 'tag', tag, 'delta', 1))
        from new_rows n, unnest(n.tags) as tag), '[]'));
    return null;
end $$;

create function memo_tag_counts_update() returns trigger
language plpgsql as $$
begin
    perform memo_apply_tag_deltas(coalesce((
        select jsonb_agg(x) from (
            select jsonb_build_object('tenant_id', n.tenant_id, 'tag', tag, 'delta', 1) as x
            from new_rows n, unnest(n.tags) as tag
            union all
            select jsonb_build_object('tenant_id', o.tenant_id, 'tag', tag, 'delta', -1)
            from old_rows o, unnest(o.tags) as tag) changes), '[]'));
    return null;
end $$;

create function memo_tag_counts_delete() returns trigger
language plpgsql as $$
begin
    perform memo_apply_tag_deltas(coalesce((
        select jsonb_agg(jsonb_build_object('tenant_id', o.tenant_id, 'tag', tag, 'delta', -1))
        from old_rows o, unnest(o.tags) as tag), '[]'));
    return null;
end $$;

create trigger memories_tag_counts_insert after insert on memories
    referencing new table as new_rows for each statement execute function memo_tag_counts_insert();
create trigger memories_tag_counts_update after update on memories
    referencing old table as old_rows new table as new_rows for each statement execute function memo_tag_counts_update();
create trigger memories_tag_counts_delete after delete on memories
    referencing old table as old_rows for each statement execute function memo_tag_counts_delete();

insert into tag_counts (tenant_id, tag, count)
select tenant_id, tag, count(*) from memories, unnest(tags) as tag group by tenant_id, tag;

-- The exact-URL lookup; the search's `url:` filter may create the same index.
create index if not exists memories_tenant_url on memories (tenant_id, url);
