-- Deleting a tenant failed once 0015 was in: the cascade deletes its memories,
-- whose trigger gave memo_apply_tag_deltas negative deltas, and its upsert
-- inserted tag_counts rows for the tenant being deleted (a foreign key
-- violation) when the cascade had already removed that tenant's rows.
-- Fewer uses now only lower existing rows; more uses upsert as before.
create or replace function memo_apply_tag_deltas(deltas jsonb) returns void
language plpgsql as $$
begin
    with d as (
        select (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag, (e ->> 'delta')::int8 as delta
        from jsonb_array_elements(deltas) e),
    summed as (
        select tenant_id, tag, sum(delta)::int8 as delta from d group by tenant_id, tag having sum(delta) <> 0),
    -- In key order, so concurrent statements take the rows' locks in the
    -- same order.
    added as (
        insert into tag_counts as t (tenant_id, tag, count)
        select tenant_id, tag, delta from summed where delta > 0 order by tenant_id, tag
        on conflict (tenant_id, tag) do update set count = t.count + excluded.count)
    update tag_counts t set count = t.count + s.delta
    from summed s
    where s.delta < 0 and t.tenant_id = s.tenant_id and t.tag = s.tag;
    -- A second statement: the first one's changes are not visible within it.
    delete from tag_counts t
    using (select distinct (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag
           from jsonb_array_elements(deltas) e) d
    where t.tenant_id = d.tenant_id and t.tag = d.tag and t.count <= 0;
end $$;
