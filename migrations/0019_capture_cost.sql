-- What a capture costs in the tag-count triggers (issue 23). Every capture
-- is an INSERT ... ON CONFLICT DO UPDATE, which fires the statement-level
-- triggers of both events: the UPDATE one with no rows when the capture
-- inserted, the INSERT one with no rows when it updated. Each called
-- memo_apply_tag_deltas, which ran its upsert, an update joined against
-- tag_counts and a delete joined against it, whatever the deltas held.
-- Measured side by side (BENCHMARKS.md, issue 23), those statements were most
-- of the tag counts' cost per capture.
--
-- Now nothing runs for no deltas, and the update and the delete only when a
-- delta is negative: only fewer uses can lower a count or leave it at zero.
-- What the function does with the rows is migration 0018's.
create or replace function memo_apply_tag_deltas(deltas jsonb) returns void
language plpgsql as $$
begin
    if jsonb_array_length(deltas) = 0 then
        return;
    end if;
    if not jsonb_path_exists(deltas, '$[*] ? (@.delta < 0)') then
        -- In key order, so concurrent statements take the rows' locks in the
        -- same order.
        insert into tag_counts as t (tenant_id, tag, count)
        select (e ->> 'tenant_id')::uuid, (e ->> 'tag') collate "C", sum((e ->> 'delta')::int8)
        from jsonb_array_elements(deltas) e
        group by 1, 2
        order by 1, 2
        on conflict (tenant_id, tag) do update set count = t.count + excluded.count;
        return;
    end if;
    with d as (
        select (e ->> 'tenant_id')::uuid as tenant_id, (e ->> 'tag') collate "C" as tag, (e ->> 'delta')::int8 as delta
        from jsonb_array_elements(deltas) e),
    summed as (
        select tenant_id, tag, sum(delta)::int8 as delta from d group by tenant_id, tag having sum(delta) <> 0),
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
