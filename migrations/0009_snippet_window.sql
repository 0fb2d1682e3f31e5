-- Where a search result's snippet is taken from in a long memory.
--
-- ts_headline parses the whole text it is given, every word through the
-- dictionaries: about 0.35 ms per 1,000 characters here, so 66 ms for a
-- conversation of 190,000 characters and some 180 ms at the 512 KiB a
-- memory may hold, for each hit of a page. A search now gives it a window
-- of `SEARCH_SNIPPET_CHARS` characters (src/db/search.rs), starting a
-- quarter of a window before the first place where one of the query's words
-- occurs in the text, so that a match deep in a long conversation is still
-- the one shown and marked.
--
-- The words are the query's lexemes, looked for as they are and with a
-- capital first letter (lowering a 512 KiB text took 8 ms; each look, which
-- stops at the first find, at most 0.4 ms). A stem is found inside the
-- words it was made from ('kubernet' in "Kubernetes"); one that is not (a
-- stem that changed letters, an accent the search folds away, a word in
-- capitals) is not found, and when none is, the window starts at the
-- beginning.
--
-- The search statement calls this only for a text longer than the window.
-- PL/pgSQL, not SQL: the planner tries to inline a SQL function wherever a
-- statement calls it, parsing its body, and this one cannot be inlined (its
-- subquery); that try and the SQL function's call cost 0.8 ms of every
-- search.
create function memo_snippet_start(content text, query tsquery, window_chars int)
returns int
language plpgsql
immutable
parallel safe
as $$
begin
    return greatest(1, coalesce((
        select min(place.at)
        from (select strpos(content, written) as at
              from regexp_matches(query::text, '''((?:[^'']|'''')+)''', 'g') as word,
                   lateral (select replace(word[1], '''''', '''') as lexeme) as unquoted,
                   unnest(array[unquoted.lexeme, initcap(unquoted.lexeme)]) as written) as place
        where place.at > 0), 1) - window_chars / 4);
end
$$;
