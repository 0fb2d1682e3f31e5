-- The characters the search index stores one per word are memo-core's
-- `is_indexed_alone` (crates/memo-core/src/text.rs): kana, Han ideographs and
-- Hangul syllables. 0002 left out the katakana phonetic extensions
-- (U+31F0–31FF), half-width katakana (U+FF66–FF9D) and the ideographs beyond
-- the first plane (U+20000–2FA1F), which memo-core's tokeniser has always
-- counted. tests/text-rules.test.mjs compares this copy with memo-core's rule
-- on every code point.
create or replace function memo_cjk_spaced(raw text)
returns text
language sql
immutable
parallel safe
strict
as $$
    select regexp_replace(raw,
        '([\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9d\U00020000-\U0002fa1f])',
        ' \1 ', 'g')
$$;

-- A stored search vector is recomputed when its row is written: rewrite only
-- the rows that hold one of the added characters.
update memories set title = title
where (coalesce(title, '') || ' ' || array_to_string(tags, ' ') || ' ' || content)
    ~ '[\u31f0-\u31ff\uff66-\uff9d\U00020000-\U0002fa1f]';
