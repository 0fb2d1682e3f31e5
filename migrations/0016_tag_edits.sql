-- Tag edits across memories (issue 22): rename, merge and delete a tag, and
-- add or remove tags on a selection. One function owns the rule so every
-- route edits `tags` and `user_tags` the same way.

-- `tags` with each tag in `dropped` replaced by `replacement` (removed when
-- it is null), then the tags of `added` appended; the first position of each
-- tag is kept and no tag appears twice.
create function memo_tags_edit(tags text[], dropped text[], replacement text, added text[])
returns text[]
language sql
immutable
parallel safe
as $$
    select coalesce(array_agg(d.tag order by d.pos), '{}')
    from (select e.tag, min(e.pos) as pos
          from (select case when u.tag = any(dropped) then replacement else u.tag end as tag, u.pos
                from unnest(tags) with ordinality as u(tag, pos)
                union all
                select a.tag, cardinality(tags) + a.pos
                from unnest(added) with ordinality as a(tag, pos)) e
          where e.tag is not null
          group by e.tag) d
$$;
