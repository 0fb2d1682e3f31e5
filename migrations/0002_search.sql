-- Search that suits mixed-language captures, tolerates typos and serves
-- every query shape from an index.
--
-- Text search configuration. Captures mix English with German, French,
-- Spanish, Chinese, Japanese… in one tenant and often in one memory, so no
-- single-language configuration fits. The document holds two lexeme sets:
--
--   memo_stem:  unaccent, then the English Snowball stemmer (with English
--               stop words). English is the most common language of the
--               captures and of the queries; "runs" finds "running". For other
--               Latin-script languages the stemmer only strips English
--               suffixes, consistently on both sides, so they still match
--               word for word.
--   memo_exact: unaccent, then the `simple` dictionary (lowercase, English
--               stop words dropped), so a word is also indexed as written.
--               This is what prefix matching needs ("deploym" is a prefix of
--               "deployment" but not of its stem "deploy"), and it keeps
--               non-English words that the stemmer would mangle findable.
--
-- unaccent on both sides makes "cafe" find "Café" and "Muller" find "Müller".
--
-- CJK: Chinese and Japanese are written without spaces, so the default
-- parser would read a whole sentence as one word. memo_cjk_spaced() puts
-- spaces around every Han, kana and Hangul character, so each character is
-- a lexeme at its own position; the worker turns a CJK run in a query into
-- a phrase of characters ("東京" → '東' <-> '京'), which matches exactly that
-- sequence. That needs no segmenter dictionary and finds any word.

create extension if not exists pg_trgm;
create extension if not exists unaccent;
-- Lets the GIN indexes below lead with tenant_id, so one index scan finds a
-- tenant's matches instead of intersecting with every row of the tenant.
create extension if not exists btree_gin;

create text search dictionary memo_simple (template = simple, stopwords = english);

create text search configuration memo_stem (copy = english);
alter text search configuration memo_stem
    alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
    with unaccent, english_stem;

create text search configuration memo_exact (copy = simple);
alter text search configuration memo_exact
    alter mapping for asciiword, asciihword, hword_asciipart, word, hword, hword_part
    with unaccent, memo_simple;

-- The ranges must match `is_cjk` in src/domain/search.rs: kana, CJK
-- ideographs (and extension A), Hangul syllables, compatibility ideographs.
create function memo_cjk_spaced(raw text)
returns text
language sql
immutable
parallel safe
strict
as $$
    select regexp_replace(raw, '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])', ' \1 ', 'g')
$$;

-- One function builds the document so the generated column, the queries and
-- any future re-index agree on it. Title (A) outranks tags (B) outranks
-- content (C). Tags are kept as written (memo_exact): they are already
-- normalised kebab-case words.
create function memo_search_document(title text, tags text[], content text)
returns tsvector
language sql
immutable
parallel safe
as $$
    select setweight(to_tsvector('memo_stem', memo_cjk_spaced(coalesce(title, ''))), 'A')
        || setweight(to_tsvector('memo_exact', memo_cjk_spaced(coalesce(title, ''))), 'A')
        || setweight(to_tsvector('memo_exact', memo_cjk_spaced(coalesce(array_to_string(tags, ' '), ''))), 'B')
        || setweight(to_tsvector('memo_stem', memo_cjk_spaced(coalesce(content, ''))), 'C')
        || setweight(to_tsvector('memo_exact', memo_cjk_spaced(coalesce(content, ''))), 'C')
$$;

-- Typo tolerance compares trigrams of the query with the title and tags,
-- lowercased and unaccented. unaccent() is only stable (its dictionary could
-- change), so it is named explicitly here to make an immutable, indexable
-- expression.
create function memo_fuzzy_text(title text, tags text[])
returns text
language sql
immutable
parallel safe
as $$
    select lower(public.unaccent('public.unaccent'::regdictionary,
                 coalesce(title, '') || ' ' || coalesce(array_to_string(tags, ' '), '')))
$$;

-- How similar a word of a title or tag must be to a query word for the `%>`
-- operator (and its trigram index) to call it a match. The default, 0.6,
-- misses a swapped pair of letters even in a long word ("kubrenetes" scores
-- 0.47 against "kubernetes"); 0.45 finds those while "tomato" still does not
-- match "automation" (0.43). Set for the database, so every connection
-- (Hyperdrive's pooled ones included) has it without session state, which
-- transaction pooling would not keep.
do $$
begin
    execute format('alter database %I set pg_trgm.word_similarity_threshold = 0.45', current_database());
end
$$;

-- Replacing the generated column rewrites the table once; its index goes with it.
alter table memories drop column search;
alter table memories
    add column search tsvector generated always as (memo_search_document(title, tags, content)) stored;
drop function memo_search_vector(text, text[], text);

create index memories_search on memories using gin (tenant_id, search);
create index memories_fuzzy on memories using gin (tenant_id, memo_fuzzy_text(title, tags) gin_trgm_ops);
-- `#tag` and `tag=` filters without words.
create index memories_tags on memories using gin (tenant_id, tags);
