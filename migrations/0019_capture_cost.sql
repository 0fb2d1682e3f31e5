-- What a capture costs in the tag-count triggers (issue 23). Every capture
-- is an INSERT ... ON CONFLICT DO UPDATE, which fires the statement-level
-- triggers of both events: the UPDATE one with no rows when the capture
-- inserted, the INSERT one with no rows when it updated. Each called
-- memo_apply_tag_deltas, which ran its upsert, an update joined against
-- tag_counts and a delete joined against it, whatever the deltas held.
-- Measured side by side (BENCHMARKS.md, issue 23), those statements were most
-- of the tag counts' cost per capture.
--
-- Now nothing runs for no deltas, nor for deltas that cancel out (a
-- re-capture that keeps its tags takes each away and adds it again); when
-- no delta is negative (a new memory, new tags) only the upsert runs: only
-- fewer uses can lower a count or leave it at zero. Other deltas go to
-- migration 0018's function, kept as it is under the name
-- memo_apply_tag_deltas_all.
alter function memo_apply_tag_deltas(jsonb) rename to memo_apply_tag_deltas_all;

create function memo_apply_tag_deltas(deltas jsonb) returns void
language plpgsql as $$
begin
    if jsonb_array_length(deltas) = 0 then
        return;
    end if;
    if jsonb_path_exists(deltas, '$[*] ? (@.delta < 0)') then
        if exists (select from jsonb_array_elements(deltas) e
                   group by e ->> 'tenant_id', e ->> 'tag' having sum((e ->> 'delta')::int8) <> 0) then
            perform memo_apply_tag_deltas_all(deltas);
        end if;
        return;
    end if;
    -- In key order, so concurrent statements take the rows' locks in the
    -- same order.
    insert into tag_counts as t (tenant_id, tag, count)
    select (e ->> 'tenant_id')::uuid, (e ->> 'tag') collate "C", sum((e ->> 'delta')::int8)
    from jsonb_array_elements(deltas) e
    group by 1, 2
    order by 1, 2
    on conflict (tenant_id, tag) do update set count = t.count + excluded.count;
end $$;
