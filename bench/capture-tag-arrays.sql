-- A candidate for `npm run bench:capture-pg` (MEMO_BENCH_CANDIDATE=bench/capture-tag-arrays.sql),
-- measured and not kept (BENCHMARKS.md, migration 0020): the tag-count
-- triggers passing arrays straight from the transition tables instead of
-- 0015's jsonb, and skipping the call when there are no deltas.
create or replace function memo_apply_tag_counts(tenant_ids uuid[], tag_names text[], deltas int8[]) returns void
language plpgsql as $$
declare
    mine smallint := memo_shard();
begin
    insert into tag_counts as t (tenant_id, tag, shard, count)
    select d.tenant_id, d.tag collate "C", mine, sum(d.delta)::int8
    from unnest(tenant_ids, tag_names, deltas) as d(tenant_id, tag, delta)
    group by 1, 2
    having sum(d.delta) > 0 or (sum(d.delta) < 0 and exists (select from tenants x where x.id = d.tenant_id))
    order by 1, 2
    on conflict (tenant_id, tag, shard) do update set count = t.count + excluded.count;
    if -1 = any(deltas) then
        delete from tag_counts t
        using unnest(tenant_ids, tag_names) as d(tenant_id, tag)
        where t.shard = mine and t.count = 0 and t.tenant_id = d.tenant_id and t.tag = d.tag collate "C";
    end if;
end $$;

create or replace function memo_tag_counts_insert() returns trigger
language plpgsql as $$
declare
    tenant_ids uuid[];
    tag_names text[];
    deltas int8[];
begin
    select array_agg(n.tenant_id), array_agg(tag), array_agg(1::int8) into tenant_ids, tag_names, deltas
    from new_rows n, unnest(n.tags) as tag;
    if deltas is not null then
        perform memo_apply_tag_counts(tenant_ids, tag_names, deltas);
    end if;
    return null;
end $$;

create or replace function memo_tag_counts_update() returns trigger
language plpgsql as $$
declare
    tenant_ids uuid[];
    tag_names text[];
    deltas int8[];
begin
    select array_agg(c.tenant_id), array_agg(c.tag), array_agg(c.delta) into tenant_ids, tag_names, deltas
    from (select n.tenant_id, tag, 1::int8 as delta from new_rows n, unnest(n.tags) as tag
          union all
          select o.tenant_id, tag, -1::int8 from old_rows o, unnest(o.tags) as tag) c;
    if deltas is not null then
        perform memo_apply_tag_counts(tenant_ids, tag_names, deltas);
    end if;
    return null;
end $$;

create or replace function memo_tag_counts_delete() returns trigger
language plpgsql as $$
declare
    tenant_ids uuid[];
    tag_names text[];
    deltas int8[];
begin
    select array_agg(o.tenant_id), array_agg(tag), array_agg(-1::int8) into tenant_ids, tag_names, deltas
    from old_rows o, unnest(o.tags) as tag;
    if deltas is not null then
        perform memo_apply_tag_counts(tenant_ids, tag_names, deltas);
    end if;
    return null;
end $$;
