-- Capture semantics: living conversations, exact duplicates, idempotent retries.

-- The content hash is computed by Postgres from the content with whitespace
-- and line endings folded, so the rule lives in one place and can never
-- drift from what is stored.
create function memo_content_hash(content text)
returns bytea
language sql
immutable
parallel safe
-- textsend gives the text's bytes as they are; a ::bytea cast would parse
-- backslashes in the content as escapes and fail on some.
as $$ select sha256(textsend(btrim(regexp_replace(content, '\s+', ' ', 'g')))) $$;

alter table memories drop column content_hash;
alter table memories add column content_hash bytea generated always as (memo_content_hash(content)) stored;
alter table memories add column capture_count integer not null default 1;

-- Exact duplicates stored before this migration are folded into their
-- oldest copy, which counts them as captures.
with ranked as (
    select id,
           row_number() over (partition by tenant_id, content_hash order by created_at, id) as copy,
           count(*) over (partition by tenant_id, content_hash) as copies
    from memories
    where conversation_key is null),
counted as (
    update memories m set capture_count = r.copies
    from ranked r
    where m.id = r.id and r.copy = 1 and r.copies > 1)
delete from memories m using ranked r where m.id = r.id and r.copy > 1;

-- One memory per conversation of a tenant ("chatgpt:<id>"); repeated captures update it.
create unique index memories_conversation on memories (tenant_id, conversation_key)
    where conversation_key is not null;
-- One memory per distinct content of a tenant, outside conversations.
create unique index memories_content on memories (tenant_id, content_hash)
    where conversation_key is null;

-- The first answer to a request sent with an Idempotency-Key, replayed to
-- retries for 24 hours. A row is claimed (status 0) before the request runs
-- and completed with its answer after; a claim left behind by a crashed
-- request can be taken over after a minute.
create table idempotency_keys (
    tenant_id     uuid not null references tenants (id) on delete cascade,
    key           text not null,
    -- SHA-256 of method, path and body: the same key with another request is refused.
    request_hash  bytea not null,
    status        smallint not null default 0,
    body          bytea,
    created_at    timestamptz not null default now(),
    primary key (tenant_id, key)
);
create index idempotency_keys_created on idempotency_keys (created_at);
