-- Capture answers only what it needs. memo_upsert_memories (0005) answered
-- every item with its memory's whole row: an import of 1,000 small lines
-- folding into one stored conversation of 500 KiB made Postgres build and
-- send 1,000 copies of that content (about 500 MiB) for a 120 KB request.
-- memo_capture_memories does the same work and answers each item with what a
-- batch result says (id, title, tags, kind and what happened); the other
-- columns are only filled when $18 is true, which the worker sets for a
-- single capture, whose answer is the whole memory. The content and metadata
-- stay out of the rows the statement's parts hand each other unless $18.
--
-- memo_upsert_memories stays for a worker of the previous release still
-- running while this migration is applied; nothing calls it any more.
--
-- $1 is the tenant, $2..$17 the columns of the items as arrays (see
-- `UpsertParams` in src/db/memories.rs), $18 whether to answer whole
-- memories; one row per item, in order.
create function memo_capture_memories(
    uuid, int4[], text[], text[], boolean[], boolean[], text[], text[], text[], jsonb[], jsonb[], jsonb[],
    timestamptz[], text[], timestamptz[], timestamptz[], int4[], boolean)
returns table (
    idx int4, id uuid, title text, tags text[], kind text, inserted boolean, updated boolean, sent boolean,
    content text, source text, url text, metadata jsonb,
    captured_at timestamptz, created_at timestamptz, updated_at timestamptz, capture_count integer,
    user_tags text[], title_by_user boolean, tags_by_user boolean, conversation_key text)
language plpgsql
as $function$
#variable_conflict use_column
begin
    return query
    with caller as (select $1 as tenant_id),
    input as (
        select t.idx, t.content, t.title, t.title_by_user, t.tags_by_user, t.kind, t.source, t.url,
               array(select jsonb_array_elements_text(t.tags)) as tags,
               array(select jsonb_array_elements_text(t.user_tags)) as user_tags,
               t.metadata, t.captured_at, t.conversation_key,
               coalesce(t.created_at, now()) as created_at, coalesce(t.updated_at, now()) as updated_at,
               t.capture_count, memo_content_hash(t.content) as content_hash
        from unnest($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             as t(idx, content, title, title_by_user, tags_by_user, kind, source, url, tags, user_tags,
                  metadata, captured_at, conversation_key, created_at, updated_at, capture_count)),
    -- Repeats within the batch fold first: the latest state of a conversation,
    -- the first of equal notes.
    conversations as (
        select distinct on (conversation_key) * from input where conversation_key is not null
        order by conversation_key, captured_at desc, idx desc),
    notes as (
        select distinct on (content_hash) * from input where conversation_key is null
        order by content_hash, idx),
    -- A conversation's capture is newer when it was captured no earlier than
    -- what is stored and its content differs: then it replaces the content
    -- and what is derived from it, keeping a title or tags the user chose. A
    -- repeated capture counts once more; a repeated import line (it carries
    -- its original created_at, never now) keeps the larger exported count.
    by_conversation as (
        insert into memories as m
            (tenant_id, content, title, title_by_user, tags_by_user, kind, source, url, tags, user_tags,
             metadata, captured_at, conversation_key, created_at, updated_at, capture_count)
        select caller.tenant_id, i.content, i.title, i.title_by_user, i.tags_by_user, i.kind, i.source, i.url,
               i.tags, i.user_tags, i.metadata, i.captured_at, i.conversation_key, i.created_at, i.updated_at,
               i.capture_count
        from caller, conversations i
        on conflict (tenant_id, conversation_key) where conversation_key is not null do update set
            content = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                           then excluded.content else m.content end,
            title = case when excluded.title_by_user then excluded.title
                         when m.title_by_user then m.title
                         when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                         then excluded.title else m.title end,
            title_by_user = m.title_by_user or excluded.title_by_user,
            tags = case when not m.tags_by_user
                             and excluded.captured_at >= m.captured_at and excluded.content <> m.content
                        then excluded.tags else m.tags end,
            user_tags = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                             then excluded.user_tags else m.user_tags end,
            kind = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                        then excluded.kind else m.kind end,
            metadata = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                            then excluded.metadata else m.metadata end,
            url = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                       then coalesce(excluded.url, m.url) else m.url end,
            captured_at = greatest(m.captured_at, excluded.captured_at),
            updated_at = case when excluded.captured_at >= m.captured_at and excluded.content <> m.content
                              then now() else m.updated_at end,
            capture_count = case when excluded.created_at = now() then m.capture_count + 1
                                 else greatest(m.capture_count, excluded.capture_count) end
        returning m.id, m.tenant_id, m.title, m.tags, m.kind, m.conversation_key, m.content_hash,
                  (m.xmax = 0) as inserted, (m.xmax <> 0 and m.updated_at = now()) as updated,
                  case when $18 then m.content end as content, case when $18 then m.metadata end as metadata,
                  m.source, m.url, m.captured_at, m.created_at, m.updated_at, m.capture_count,
                  m.user_tags, m.title_by_user, m.tags_by_user),
    -- Notes (no conversation) are stored once per content (whitespace folded,
    -- see memo_content_hash); a repeat only counts.
    by_content as (
        insert into memories as m
            (tenant_id, content, title, title_by_user, tags_by_user, kind, source, url, tags, user_tags,
             metadata, captured_at, conversation_key, created_at, updated_at, capture_count)
        select caller.tenant_id, i.content, i.title, i.title_by_user, i.tags_by_user, i.kind, i.source, i.url,
               i.tags, i.user_tags, i.metadata, i.captured_at, i.conversation_key, i.created_at, i.updated_at,
               i.capture_count
        from caller, notes i
        on conflict (tenant_id, content_hash) where conversation_key is null do update set
            capture_count = case when excluded.created_at = now() then m.capture_count + 1
                                 else greatest(m.capture_count, excluded.capture_count) end
        returning m.id, m.tenant_id, m.title, m.tags, m.kind, m.conversation_key, m.content_hash,
                  (m.xmax = 0) as inserted, false as updated,
                  case when $18 then m.content end as content, case when $18 then m.metadata end as metadata,
                  m.source, m.url, m.captured_at, m.created_at, m.updated_at, m.capture_count,
                  m.user_tags, m.title_by_user, m.tags_by_user),
    stored as (select * from by_conversation union all select * from by_content),
    sent as (select idx from conversations union all select idx from notes)
    select i.idx, m.id, m.title, m.tags, m.kind,
           m.inserted, m.updated, exists (select 1 from sent where sent.idx = i.idx) as sent,
           m.content, m.source, m.url, m.metadata,
           m.captured_at, m.created_at, m.updated_at, m.capture_count,
           m.user_tags, m.title_by_user, m.tags_by_user, m.conversation_key
    from caller cross join input i
    left join stored m on m.tenant_id = caller.tenant_id
        and (m.conversation_key = i.conversation_key
             or (i.conversation_key is null and m.conversation_key is null and m.content_hash = i.content_hash))
    order by i.idx;
end
$function$;
