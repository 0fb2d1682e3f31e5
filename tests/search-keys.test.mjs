// The search keys' index (migration 0006) finds candidates; the document and
// the filters then decide. So a keys query must be true of every memory its
// document query is true of, or a search silently misses memories. This
// checks that property in Postgres for a few hundred generated web-search
// queries (words, quoted phrases, negations, `or`, stop words, punctuation,
// quotes and backslashes, hyphens, CJK) against generated documents made
// over four years, with and without tag, kind, source and date filters.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { random } from "../scripts/lib/random.mjs";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

const WORDS = [
  "heron", "river", "herons", "running", "runs", "the", "and", "café", "cafe", "real-time", "o'neil", "back\\slash",
  "東京", "天気", "c++", "rust", "python", "borrow", "checker", "it's", "(paren)", "a<->b", "x:*", "!bang", "or",
];
const TAGS = ["rust", "python", "birds", "o-neil"];

test("a keys query is true of every memory its document query is true of", async () => {
  const rand = random(20261126);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const docs = Array.from({ length: 60 }, (_, i) => ({
    title: words(1 + Math.floor(rand() * 3)),
    content: words(3 + Math.floor(rand() * 12)),
    tags: TAGS.filter(() => rand() < 0.3),
    kind: pick(["note", "web_page"]),
    source: pick([null, "cli", `O'Neil's \\ "tool"`]),
    made: new Date(Date.UTC(2022, 0, 1) + rand() * 4 * 365 * 86400e3).toISOString(),
    i,
  }));
  const day = () => new Date(Date.UTC(2022, 0, 1) + rand() * 4 * 365 * 86400e3).toISOString();
  const piece = () => {
    const r = rand();
    if (r < 0.15) return `"${words(2 + Math.floor(rand() * 2))}"`;
    if (r < 0.3) return `-${pick(WORDS)}`;
    if (r < 0.4) return `-"${words(2)}"`;
    if (r < 0.5) return "or";
    return pick(WORDS);
  };
  const queries = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(rand() * 4) }, piece).join(" "));
  const filters = Array.from({ length: 300 }, () => ({
    all: rand() < 0.2 ? [pick(TAGS)] : null,
    any: rand() < 0.2 ? [pick(TAGS), pick(TAGS)] : null,
    kind: rand() < 0.2 ? pick(["note", "web_page"]) : null,
    source: rand() < 0.2 ? pick(["cli", `O'Neil's \\ "tool"`]) : null,
    after: rand() < 0.3 ? day() : null,
    before: rand() < 0.3 ? day() : null,
  }));

  // Memories that the document query and the filters select, but the keys
  // query does not: must be none. Also counted: pairs the document query
  // selects at all, so the test cannot pass by selecting nothing.
  const [row] = await app.sql(
    `with docs as (
       select d.*, '00000000-0000-4000-8000-000000000001'::uuid as tenant,
              memo_search_document(d.title, d.tags, d.content) as search
       from jsonb_to_recordset($1::jsonb)
            as d(i int, title text, content text, tags text[], kind text, source text, made timestamptz)),
     newest as (select max(made) as made from docs),
     queries as (
       select q.n, websearch_to_tsquery('memo_stem', memo_cjk_spaced(q.q)) as query, q.q,
              q.all_tags, q.any_tags, q.kind, q.source, q.after, q.before
       from jsonb_to_recordset($2::jsonb) as q(n int, q text, all_tags text[], any_tags text[], kind text, source text,
                                                after timestamptz, before timestamptz)),
     selected as (
       select q.n, q.q, d.i,
              memo_search_keys(d.tenant, d.made, d.kind, d.source, d.tags, d.search)
                @@ memo_keys_query(d.tenant, q.query, q.all_tags, q.any_tags, q.kind, q.source,
                                   q.after, q.before, newest.made) as by_keys
       from queries q cross join docs d cross join newest
       where d.search @@ q.query
         and (q.all_tags is null or d.tags @> q.all_tags)
         and (q.any_tags is null or d.tags && q.any_tags)
         and (q.kind is null or d.kind = q.kind)
         and (q.source is null or d.source = q.source)
         and (q.after is null or d.made >= q.after)
         and (q.before is null or d.made < q.before))
     select count(*)::int as selected,
            count(distinct n)::int as queries,
            coalesce(jsonb_agg(jsonb_build_object('q', q, 'doc', i)) filter (where not by_keys), '[]') as missed
     from selected`,
    [
      JSON.stringify(docs),
      JSON.stringify(queries.map((q, n) => {
        const { all, any, kind, source, after, before } = filters[n];
        return { n, q, all_tags: all, any_tags: any, kind, source, after, before };
      })),
    ],
  );
  assert.deepEqual(row.missed, [], "memories the keys query missed");
  assert.ok(row.selected > 200, `only ${row.selected} selected pairs`);
  assert.ok(row.queries > 100, `only ${row.queries} queries selected anything`);
});

// The newest-period-first search asks for the key `memo_recent_window` names:
// it must be a key of every memory made at that moment, or the window finds
// nothing and every search falls back to reading all its matches.
test("the recent window's key is a key of the memories made then", async () => {
  const [row] = await app.sql(
    `select count(*) filter (where not memo_search_keys(t, made, 'note', null, '{}', ''::tsvector)
                                     @@ memo_recent_window(t, made))::int as missed, count(*)::int as checked
     from (select '00000000-0000-4000-8000-000000000001'::uuid as t,
                  timestamptz '2020-01-01' + n * interval '7 hours 13 minutes' as made
           from generate_series(0, 3000) n) moments`,
  );
  assert.deepEqual(row, { missed: 0, checked: 3001 });
});
