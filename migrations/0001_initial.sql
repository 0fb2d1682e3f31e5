-- Tenants, their API keys and their memories.

create table tenants (
    id          uuid primary key default gen_random_uuid(),
    name        text not null unique check (length(name) between 1 and 200),
    created_at  timestamptz not null default now()
);

-- Keys are stored as SHA-256 digests of the whole key; `prefix` is the
-- non-secret start of the key, shown by `memo-admin key list` so a key can be
-- recognised and revoked without ever being displayed again.
create table api_keys (
    id            uuid primary key default gen_random_uuid(),
    tenant_id     uuid not null references tenants (id) on delete cascade,
    prefix        text not null unique,
    key_hash      bytea not null unique check (length(key_hash) = 32),
    name          text,
    created_at    timestamptz not null default now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

create index api_keys_tenant on api_keys (tenant_id);

-- The search vector is built by one immutable function so the generated
-- column, the migration and any future re-index agree on it. Title outranks
-- tags, tags outrank content.
create function memo_search_vector(title text, tags text[], content text)
returns tsvector
language sql
immutable
parallel safe
as $$
    select setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector('english', coalesce(content, '')), 'C')
$$;

create table memories (
    id                uuid primary key default gen_random_uuid(),
    tenant_id         uuid not null references tenants (id) on delete cascade,
    content           text not null,
    title             text not null,
    kind              text not null,
    source            text,
    url               text,
    tags              text[] not null default '{}',
    -- Tags the user gave at capture: kept whenever tags are recomputed.
    user_tags         text[] not null default '{}',
    -- Set once the user chose the title or the tags; recomputation keeps them.
    title_by_user     boolean not null default false,
    tags_by_user      boolean not null default false,
    metadata          jsonb not null default '{}',
    content_hash      bytea,
    conversation_key  text,
    captured_at       timestamptz not null default now(),
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    search            tsvector generated always as (memo_search_vector(title, tags, content)) stored
);

create index memories_tenant_recent on memories (tenant_id, created_at desc, id desc);
create index memories_search on memories using gin (search);
