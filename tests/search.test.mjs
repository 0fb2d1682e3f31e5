// /v1/search: ranked full-text search with snippets and cursors.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("finds by words in content, ranks title matches first, marks snippets", async () => {
  const { client } = app.tenant();
  const inContent = (await client.post("/v1/memories", {
    content: "Long notes. Somewhere in here we talk about postgres vacuum tuning for large tables.",
    title: "Database maintenance",
  })).body;
  const inTitle = (await client.post("/v1/memories", {
    content: "autovacuum thresholds, analyze, and bloat",
    title: "Postgres vacuum cheatsheet",
  })).body;
  await client.post("/v1/memories", { content: "Nothing relevant: sourdough bread recipe" });

  const response = await client.get(`/v1/search?q=${encodeURIComponent("postgres vacuum")}`);
  assert.equal(response.status, 200);
  assert.equal(response.body.query, "postgres vacuum");
  assert.deepEqual(response.body.items.map((i) => i.id), [inTitle.id, inContent.id]);
  const [best, second] = response.body.items;
  assert.ok(best.score > second.score);
  assert.match(second.snippet, /<mark>postgres<\/mark>/i);
  assert.equal(best.title, inTitle.title, "items carry the memory fields");
  assert.equal(response.body.next_cursor, null);
});

test("stemming, phrases and exclusion follow web-search syntax", async () => {
  const { client } = app.tenant();
  const running = (await client.post("/v1/memories", { content: "I was running the deployment scripts all night" })).body;
  const other = (await client.post("/v1/memories", { content: "deployment of the new kubernetes cluster" })).body;
  const ids = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id).sort();
  assert.deepEqual(await ids("runs"), [running.id]);
  assert.deepEqual(await ids("deployment"), [running.id, other.id].sort());
  assert.deepEqual(await ids("deployment -kubernetes"), [running.id]);
  assert.deepEqual(await ids('"kubernetes cluster"'), [other.id]);
  assert.deepEqual(await ids("nothingmatcheshere"), []);
});

test("snippets are HTML-escaped", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "xss attempt <script>alert('memo')</script> here" });
  const response = await client.get("/v1/search?q=attempt");
  const [hit] = response.body.items;
  assert.ok(!hit.snippet.includes("<script>"), hit.snippet);
  assert.match(hit.snippet, /&lt;script&gt;/);
});

test("in a long conversation, the snippet is taken from around the match, however deep", async () => {
  const { client } = app.tenant();
  const filler = "The river bends past the old mill and the willows lean over the water. ";
  const deep = `${filler.repeat(1500)}Then we tuned the Zeppelin's ballast tanks & <vents>. ${filler.repeat(300)}`;
  const early = `We talked about ballast first. ${filler.repeat(1500)}`;
  const deepId = (await client.post("/v1/memories", { title: "A long talk", content: deep })).body.id;
  const earlyId = (await client.post("/v1/memories", { title: "Another long talk", content: early })).body.id;
  const hit = async (q, id) => (await client.get(`/v1/search?q=${q}`)).body.items.find((item) => item.id === id);
  // About 108,000 characters in: found as written with a capital letter, escaped, marked.
  const zeppelin = await hit("zeppelin", deepId);
  assert.match(zeppelin.snippet, /<mark>Zeppelin<\/mark>'s <mark>ballast<\/mark>|<mark>Zeppelin<\/mark>/, zeppelin.snippet);
  assert.match(zeppelin.snippet, /&amp; &lt;vents&gt;/, "escaped after the window is cut");
  assert.ok(zeppelin.snippet.length < 1000, "a snippet, not the conversation");
  assert.match((await hit("ballast", earlyId)).snippet, /<mark>ballast<\/mark> first/);
  assert.match((await hit("ballast", deepId)).snippet, /<mark>ballast<\/mark> tanks/);
  // Where the window starts (SEARCH_SNIPPET_CHARS, 2,000): a quarter of it
  // before the first word found, as written or capitalised; at the start when
  // none is.
  const start = async (content, q) =>
    (await app.sql("select memo_snippet_start($1, websearch_to_tsquery('memo_stem', $2), 2000) as at", [content, q]))[0].at;
  const padding = "x ".repeat(2000);
  assert.equal(await start(`${padding}Kubernetes deployment`, "kubernetes"), 4001 - 500);
  assert.equal(await start(`${padding}deploy ${padding}kubernetes`, "kubernetes deployment"), 4001 - 500, "the first of the words");
  assert.equal(await start(`${padding}KUBERNETES`, "kubernetes"), 1, "not found in capitals: the start");
  assert.equal(await start(`kubernetes ${padding}`, "kubernetes"), 1);
});

test("cursor paging walks every hit exactly once", async () => {
  const { client } = app.tenant();
  const created = [];
  for (let i = 0; i < 7; i++) {
    created.push((await client.post("/v1/memories", { content: `kayak trip number ${i}${" kayak".repeat(i % 3)}` })).body.id);
  }
  const seen = [];
  let cursor = "";
  for (let pages = 0; pages < 10; pages++) {
    const r = await client.get(`/v1/search?q=kayak&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200);
    // Every hit returned has its snippet; only the one past the page, used
    // to learn that another page follows, is left without.
    assert.ok(r.body.items.every((i) => /<mark>kayak<\/mark>/.test(i.snippet)), JSON.stringify(r.body.items));
    seen.push(...r.body.items.map((i) => i.id));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.equal(seen.length, 7);
  assert.deepEqual([...seen].sort(), [...created].sort());
});

/** Imports memories as export lines, so each keeps its `created_at`. */
async function importMemories(client, memories) {
  const body = memories
    .map(({ title, content, created_at }) => JSON.stringify({ schema: "memo.export/1", kind: "note", title, content, created_at }))
    .join("\n");
  const r = await client.request("POST", "/v1/import", { body, headers: { "content-type": "application/x-ndjson" } });
  assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 300));
  assert.equal(r.body.summary.created, memories.length);
}

async function allPages(client, query, limit = 100) {
  const items = [];
  let cursor = "";
  for (let pages = 0; pages < 30; pages++) {
    const r = await client.get(`/v1/search?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200);
    items.push(...r.body.items);
    if (!r.body.next_cursor) return items;
    cursor = r.body.next_cursor;
  }
  assert.fail("more pages than memories");
}

// SEARCH_RANKED_MATCHES is 200: the newest 200 matches are ranked, older ones
// follow newest first. 230 matches: 200 made in the last days (the newest
// periods hold them all, so older ones are never read for the first pages),
// 30 two years ago, 5 of them with the word in the title (they would rank
// first, were they ranked).
test("paging goes past the ranked matches to every match, the older ones newest first", async () => {
  const { client } = app.tenant();
  const day = 24 * 3600 * 1000;
  const now = Date.now();
  const recent = Array.from({ length: 200 }, (_, i) => ({
    title: `Field log ${i}`,
    content: `A heron by the river, sighting ${i}.${i % 4 ? "" : " Another heron later."}`,
    created_at: new Date(now - (i + 1) * 3600 * 1000).toISOString(),
  }));
  const old = Array.from({ length: 30 }, (_, i) => ({
    title: i < 5 ? `Heron nest ${i}` : `Old log ${i}`,
    content: `A heron on the old pond, entry ${i}.`,
    created_at: new Date(now - 730 * day - i * day).toISOString(),
  }));
  // Also in the tenant: memories without the word, in both times.
  const others = [now - day, now - 731 * day].map((t, i) => ({ title: `Other ${i}`, content: `Only ducks today, ${i}.`, created_at: new Date(t).toISOString() }));
  await importMemories(client, [...recent, ...old, ...others]);

  // Pages of 20: the first page of older ones comes from the memories just
  // older than the ranked ones, the second from all the keys' matches.
  const items = await allPages(client, "q=heron", 20);
  assert.equal(items.length, 230);
  assert.equal(new Set(items.map((i) => i.id)).size, 230, "no memory twice");
  assert.ok(items.every((i) => i.match === "text"));
  const ranked = items.slice(0, 200);
  const older = items.slice(200);
  assert.deepEqual(new Set(ranked.map((i) => i.title)), new Set(recent.map((m) => m.title)));
  assert.ok(ranked.every((i) => i.score > 0), "the ranked ones have scores");
  for (let i = 1; i < ranked.length; i++) assert.ok(ranked[i - 1].score >= ranked[i].score, "ranked best first");
  assert.deepEqual(older.map((i) => i.title), old.map((m) => m.title), "older ones newest first");
  assert.ok(older.every((i) => i.score === 0));

  // Fewer matches than are ranked: all of them ranked, none left over, and
  // the old title hits come first.
  const fewer = await allPages(client, "q=heron+nest");
  assert.deepEqual(fewer.map((i) => i.title).sort(), old.slice(0, 5).map((m) => m.title).sort());
  const titled = await allPages(client, "q=heron&after=2020-01-01&before=" + new Date(now - 365 * day).toISOString().slice(0, 10));
  assert.equal(titled.length, 30);
  assert.deepEqual(titled.slice(0, 5).map((i) => i.title).sort(), old.slice(0, 5).map((m) => m.title).sort());

  // A query of filters only pages the same way: every memory, newest first.
  const everything = await allPages(client, "kind=note");
  assert.equal(everything.length, 232);
  const times = everything.map((i) => Date.parse(i.created_at));
  assert.deepEqual(times, [...times].sort((a, b) => b - a));
});

// A date before the newest memory: the newest matches before it are looked
// for first in the period up to it (RESULTS.md, "The fifth run"). 220
// matches before the date: 210 in the days just before it, 10 a year before
// that; 5 matches after it, 3 memories without the word.
test("before a date, paging gives every match made before it, the older ones newest first", async () => {
  const { client } = app.tenant();
  const hour = 3600 * 1000;
  const day = 24 * hour;
  const cutoff = new Date(Date.now() - 400 * day).toISOString().slice(0, 10);
  const at = Date.parse(cutoff);
  const note = (title, content, time) => ({ title, content, created_at: new Date(time).toISOString() });
  const justBefore = Array.from({ length: 210 }, (_, i) => note(`Before ${i}`, `An egret at dawn, ${i}.`, at - (i + 1) * hour));
  const yearBefore = Array.from({ length: 10 }, (_, i) => note(`Long before ${i}`, `An egret, once, ${i}.`, at - (365 + i) * day));
  const after = Array.from({ length: 5 }, (_, i) => note(`After ${i}`, `An egret again, ${i}.`, at + (i + 1) * day));
  const without = Array.from({ length: 3 }, (_, i) => note(`Other ${i}`, `Only ducks, ${i}.`, at - (i + 1) * day));
  await importMemories(client, [...justBefore, ...yearBefore, ...after, ...without]);

  const items = await allPages(client, `q=egret+before:${cutoff}`, 50);
  assert.equal(new Set(items.map((i) => i.id)).size, items.length, "no memory twice");
  assert.deepEqual(new Set(items.map((i) => i.title)), new Set([...justBefore, ...yearBefore].map((m) => m.title)));
  assert.ok(items.every((i) => Date.parse(i.created_at) < at), "nothing from the day given or later");
  assert.deepEqual(new Set(items.slice(0, 200).map((i) => i.title)), new Set(justBefore.slice(0, 200).map((m) => m.title)),
    "the 200 newest before the date are the ranked ones");
  assert.deepEqual(items.slice(200).map((i) => i.title), [...justBefore.slice(200), ...yearBefore].map((m) => m.title));
});

test("before a date days after the first memory, every match before it is found", async () => {
  const { client } = app.tenant();
  const day = 24 * 3600 * 1000;
  const first = Date.parse("2024-03-01T08:00:00Z");
  const note = (title, time) => ({ title, content: `A heron by the pond: ${title}.`, created_at: new Date(time).toISOString() });
  const early = Array.from({ length: 4 }, (_, i) => note(`Early ${i}`, first + i * 0.5 * day));
  const later = Array.from({ length: 6 }, (_, i) => note(`Later ${i}`, first + (20 + i * 30) * day));
  await importMemories(client, [...later, ...early]);
  // Two days and two months after the first memory: the newest period up to
  // the date holds too few, so all matches are looked for, from the first
  // memory's period on.
  for (const [before, expected] of [["2024-03-03", early.slice(0, 4)], ["2024-05-01", [...early, ...later.slice(0, 2)]]]) {
    const items = await allPages(client, `q=heron+before:${before}`, 3);
    assert.deepEqual(new Set(items.map((i) => i.title)), new Set(expected.map((m) => m.title)), before);
  }
});

test("a query that only excludes words gives the memories without them", async () => {
  const { client } = app.tenant();
  // A web clipper's captures are web pages.
  const post = async (content, source = "cli") => (await client.post("/v1/memories", { content, source })).body.id;
  const python = await post("python packaging with uv");
  const both = await post("python bindings for a rust crate");
  const rust = await post("rust borrow checker notes", "web-clipper");
  const neither = [await post("sourdough starter"), await post("a walk by the river", "web-clipper"), await post("budget 2026")];
  const ids = async (q) => (await allPages(client, `q=${encodeURIComponent(q)}`, 2)).map((i) => i.id).sort();
  assert.deepEqual(await ids("-python"), [rust, ...neither].sort());
  assert.deepEqual(await ids("-python -rust"), [...neither].sort());
  assert.deepEqual(await ids("-python or -rust"), [python, rust, ...neither].sort());
  assert.deepEqual(await ids('-"borrow checker"'), [python, both, ...neither].sort());
  assert.deepEqual(await ids("-python kind:web_page"), [rust, neither[1]].sort());
  assert.ok((await ids("-python")).every((id) => id !== both), "excluded whatever else it holds");
});

// Paging goes on in the search as it was when its first page was made: a
// memory that arrives meanwhile does not push the oldest ranked match, seen
// on the first page (its title holds the word), into the older matches,
// where it would come again.
test("paging past the ranked matches is stable while memories arrive", async () => {
  const { client } = app.tenant();
  const hour = 3600 * 1000;
  const now = Date.now();
  const matches = Array.from({ length: 230 }, (_, i) => ({
    title: i === 199 ? "Ibis at the weir" : `Log ${i}`,
    content: `An ibis by the river, sighting ${i}.`,
    created_at: new Date(now - (i + 1) * hour).toISOString(),
  }));
  await importMemories(client, matches);
  const first = (await client.get("/v1/search?q=ibis&limit=50")).body;
  assert.equal(first.items[0].title, "Ibis at the weir", "the title hit ranks first");
  await client.post("/v1/memories", { content: "Another ibis, just now." });
  const seen = first.items.map((i) => i.id);
  for (let cursor = first.next_cursor; cursor;) {
    const page = (await client.get(`/v1/search?q=ibis&limit=50&cursor=${cursor}`)).body;
    seen.push(...page.items.map((i) => i.id));
    cursor = page.next_cursor;
  }
  assert.equal(new Set(seen).size, seen.length, "no hit twice");
  assert.equal(seen.length, 230, "every hit there was when paging began, and only those");
});

test("q is required and bounded; bad cursors are named", async () => {
  const { client } = app.tenant();
  for (const query of ["", "?q=", "?q=%20%20", `?q=${"a".repeat(513)}`]) {
    const r = await client.get(`/v1/search${query}`);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.field, "q");
  }
  const r = await client.get("/v1/search?q=x&cursor=garbage");
  assert.equal(r.status, 422);
  assert.equal(r.body.error.field, "cursor");
});

test("a query of only stop words or punctuation finds nothing and does not fail", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "the and of" });
  for (const q of ["the", "!!!", "-", '"', "or", "-the"]) {
    const r = await client.get(`/v1/search?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, q);
    assert.deepEqual(r.body.items, []);
  }
});

test("hits are marked text; typos and unfinished words are found as fuzzy", async () => {
  const { client } = app.tenant();
  const k8s = (await client.post("/v1/memories", {
    content: "We rolled the deployment out with a canary first.",
    title: "Kubernetes deployment checklist",
    tags: ["devops"],
  })).body;
  const search = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items;
  const [exact] = await search("kubernetes");
  assert.equal(exact.id, k8s.id);
  assert.equal(exact.match, "text");
  const [typo] = await search("kubrenetes");
  assert.equal(typo.id, k8s.id, "a typo in the title finds it");
  assert.equal(typo.match, "fuzzy");
  const [typing] = await search("canary deploym");
  assert.equal(typing.id, k8s.id, "the last word is matched as a prefix");
  assert.equal(typing.match, "fuzzy");
  assert.match(typing.snippet, /<mark>deployment<\/mark>/);
});

// Typing `tokio m`, `tokio mu`: the last word is too short to be matched as
// a prefix, and with it the query is in no memory; the words before it are
// (as fuzzy hits), rather than every title "similar" to `tokio mu`.
test("while a short last word is typed, the words before it find their memories", async () => {
  const { client } = app.tenant();
  const tokio = [];
  for (const n of [1, 2, 3]) {
    tokio.push((await client.post("/v1/memories", { content: `Notes on tokio runtime internals, part ${n}.`, title: `Runtime ${n}` })).body.id);
  }
  await client.post("/v1/memories", { content: "Sourdough starter feeding log.", title: "Bread" });
  const search = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items;
  for (const q of ["tokio m", "tokio mu"]) {
    const hits = await search(q);
    assert.deepEqual(hits.map((hit) => hit.id).sort(), [...tokio].sort(), q);
    assert.ok(hits.every((hit) => hit.match === "fuzzy"), q);
    assert.match(hits[0].snippet, /<mark>tokio<\/mark>/, q);
  }
  assert.deepEqual(await search("mu"), [], "two letters alone are similar to nothing");
});

test("paging goes from the text hits on into the fuzzy ones", async () => {
  const { client } = app.tenant();
  const text = (await client.post("/v1/memories", { content: "Rolling upgrades.", title: "Kubernetes deployment checklist" })).body;
  const prefixed = [];
  for (const n of [1, 2]) {
    prefixed.push((await client.post("/v1/memories", { content: `Ran kubernetesctl against node ${n}.`, title: `Node ${n}` })).body);
  }
  const seen = [];
  let cursor = "";
  for (let pages = 0; pages < 5; pages++) {
    const r = await client.get(`/v1/search?q=kubernetes&limit=1${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(r.status, 200);
    seen.push(...r.body.items.map((i) => ({ id: i.id, match: i.match })));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.deepEqual(seen[0], { id: text.id, match: "text" });
  assert.deepEqual(seen.slice(1).map((hit) => hit.match), ["fuzzy", "fuzzy"], JSON.stringify(seen));
  assert.deepEqual(seen.slice(1).map((hit) => hit.id).sort(), prefixed.map((m) => m.id).sort());
});

test("an unfinished word's completions come before titles merely similar to it", async () => {
  const kubernetes = { content: "Rolling upgrades of the cluster.", title: "Kubernetes deployment checklist" };
  // `kubrenetes` is in no memory as a word: full text finds nothing. As a
  // prefix it begins `kubrenetesctl`; as a typo it is close to "Kubernetes".
  const completion = (n) => ({ content: `Ran kubrenetesctl against node ${n}.`, title: `Node ${n} notes` });
  const search = async (client) =>
    (await client.get("/v1/search?q=kubrenetes")).body.items.map((hit) => ({ title: hit.title, match: hit.match }));

  const { client: many } = app.tenant();
  for (const memory of [kubernetes, completion(1), completion(2), completion(3)]) await many.post("/v1/memories", memory);
  const completed = await search(many);
  assert.deepEqual(completed.map((hit) => hit.match), ["fuzzy", "fuzzy", "fuzzy"], JSON.stringify(completed));
  assert.ok(!completed.some((hit) => hit.title === kubernetes.title), "three completions: similar titles are not looked for");

  const { client: few } = app.tenant();
  for (const memory of [kubernetes, completion(1)]) await few.post("/v1/memories", memory);
  const titles = (await search(few)).map((hit) => hit.title).sort();
  assert.deepEqual(titles, [kubernetes.title, "Node 1 notes"].sort(), "one completion: similar titles follow");
});

test("filters in q and as parameters; bad values name their field", async () => {
  const { client } = app.tenant();
  const note = (await client.post("/v1/memories", {
    content: "Rust async runtime notes", source: "cli", tags: ["rust", "async"],
  })).body;
  const page = (await client.post("/v1/memories", {
    content: "Rust async book chapter", source: "web-clipper", tags: ["rust"], metadata: { url: "https://example.com/book" },
  })).body;
  const other = (await client.post("/v1/memories", { content: "Go concurrency notes", tags: ["go"] })).body;
  const ids = async (query) => (await client.get(`/v1/search?${query}`)).body.items.map((i) => i.id).sort();
  assert.deepEqual(await ids(`q=${encodeURIComponent("#rust async")}`), [note.id, page.id].sort());
  assert.deepEqual(await ids("q=async&tag=rust&tag=async"), [note.id]);
  assert.deepEqual(await ids("any_tag=go,async"), [note.id, other.id].sort(), "filters alone are a query");
  assert.deepEqual(await ids(`q=${encodeURIComponent("rust source:web-clipper")}`), [page.id]);
  assert.notEqual(note.kind, page.kind);
  assert.deepEqual(await ids(`q=rust&kind=${page.kind}`), [page.id]);
  assert.deepEqual(await ids(`q=rust&after=${encodeURIComponent(new Date(Date.now() + 86400e3).toISOString())}`), []);
  // (Dates lie between 1970 and a year ahead: issue 18.)
  const nextYear = new Date(Date.now() + 300 * 86400e3).toISOString().slice(0, 10);
  assert.deepEqual(await ids(`q=rust&before=${nextYear}&after=2000-01`), [note.id, page.id].sort());
  for (const [query, field] of [
    ["q=kind:podcast", "q"], ["q=x&kind=podcast", "kind"], ["q=x&before=yesterday", "before"],
    ["q=x&after=2025-13-01", "after"], ["q=x&tag=%21%21", "tag"], ["q=x&limit=101", "limit"],
    ["q=x&after=2025-02-01&before=2025-01-01", "before"],
  ]) {
    const r = await client.get(`/v1/search?${query}`);
    assert.equal(r.status, 422, query);
    assert.equal(r.body.error.field, field, query);
  }
});

// Filters are looked up as keys of the search index (migration 0006): a
// source holding quotes, backslashes and spaces must match itself exactly,
// and only within the caller's memories.
test("a source with quotes, backslashes and spaces filters exactly, and only the caller's", async () => {
  const source = `O'Neil's \\ "tool" v2`;
  const { client } = app.tenant();
  const mine = (await client.post("/v1/memories", { content: "Heron photos from the lake", source })).body;
  await client.post("/v1/memories", { content: "Heron photos from the river", source: `O'Neil's "tool" v2` });
  const stranger = app.tenant().client;
  await stranger.post("/v1/memories", { content: "Heron photos from the sea", source });
  const ids = async (c, query) => (await c.get(`/v1/search?${query}`)).body.items.map((i) => i.id);
  assert.deepEqual(await ids(client, `q=heron&source=${encodeURIComponent(source)}`), [mine.id]);
  assert.deepEqual(await ids(client, `source=${encodeURIComponent(source)}`), [mine.id], "a filter alone");
  assert.equal((await ids(stranger, `q=heron&source=${encodeURIComponent(source)}`)).length, 1);
});

test("responses say where their time went (Server-Timing)", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories", { content: "Timing a heron search" });
  // Each metric: `name;dur=ms` or `name;desc=text`.
  const parse = (header) => Object.fromEntries(header.split(", ").map((part) => {
    const [name, ...params] = part.split(";");
    return [name, Object.fromEntries(params.map((param) => param.split("=")))];
  }));
  const searched = parse((await client.get("/v1/search?q=heron")).headers.get("server-timing"));
  assert.deepEqual(Object.keys(searched), ["db-connect", "db", "db-statements", "total"]);
  // A search is one round trip, with the key cached by the capture.
  assert.equal(searched["db-statements"].desc, "1");
  const ms = (name) => Number(searched[name].dur);
  assert.ok(["db-connect", "db", "total"].every((name) => Number.isFinite(ms(name)) && ms(name) >= 0));
  assert.ok(ms("db") + ms("db-connect") <= ms("total"));
  // Only callers whose key the database accepted see timings (tests/transport.test.mjs).
  assert.equal((await client.get("/v1/no-such-route")).headers.get("server-timing"), null);
});

test("a memory id finds that memory first", async () => {
  const { client } = app.tenant();
  const target = (await client.post("/v1/memories", { content: "the one to find by id" })).body;
  await client.post("/v1/memories", { content: "another memory" });
  const r = await client.get(`/v1/search?q=${target.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.items[0].id, target.id);
  assert.equal(r.body.items[0].match, "id");
  const stranger = app.tenant().client;
  assert.deepEqual((await stranger.get(`/v1/search?q=${target.id}`)).body.items, [], "never another tenant's");
});

test("accents, stems and CJK are findable", async () => {
  const { client } = app.tenant();
  const cafe = (await client.post("/v1/memories", { content: "Réunion au Café Müller demain" })).body;
  const tokyo = (await client.post("/v1/memories", { content: "明日は東京の天気を確認する" })).body;
  const kyoto = (await client.post("/v1/memories", { content: "京都と東の旅行" })).body;
  const ids = async (q) => (await client.get(`/v1/search?q=${encodeURIComponent(q)}`)).body.items.map((i) => i.id);
  assert.deepEqual(await ids("cafe muller"), [cafe.id]);
  assert.deepEqual(await ids("réunion"), [cafe.id]);
  assert.deepEqual(await ids("東京"), [tokyo.id], "the characters in sequence, not anywhere");
  assert.deepEqual(await ids("京都"), [kyoto.id]);
});

test("exact phrases and title hits rank first; paging is stable while memories arrive", async () => {
  const { client } = app.tenant();
  const scattered = (await client.post("/v1/memories", {
    content: "The index was rebuilt. Later the partial plan changed.", title: "Notes",
  })).body;
  const phrase = (await client.post("/v1/memories", {
    content: "Why a partial index helps here: the plan uses it.", title: "Notes too",
  })).body;
  const titled = (await client.post("/v1/memories", {
    content: "Some words about it.", title: "Partial index tricks",
  })).body;
  const items = (await client.get(`/v1/search?q=${encodeURIComponent("partial index")}`)).body.items;
  assert.deepEqual(items.map((i) => i.id), [titled.id, phrase.id, scattered.id]);

  for (let i = 0; i < 5; i++) await client.post("/v1/memories", { content: `zeppelin log ${i}` });
  const first = (await client.get("/v1/search?q=zeppelin&limit=2")).body;
  for (let i = 0; i < 3; i++) await client.post("/v1/memories", { content: `zeppelin log late ${i}` });
  const seen = first.items.map((i) => i.id);
  let cursor = first.next_cursor;
  while (cursor) {
    const page = (await client.get(`/v1/search?q=zeppelin&limit=2&cursor=${cursor}`)).body;
    seen.push(...page.items.map((i) => i.id));
    cursor = page.next_cursor;
  }
  assert.equal(new Set(seen).size, seen.length, "no hit twice");
  assert.ok(seen.length >= 5, "every hit that existed when paging began");
});

// A first page ranks by cover density only the hits whose bonus (title 1,
// exact phrase 2) can make it: the pages must still be exactly the order
// of one page holding every hit, scores and all.
test("small pages give the order and scores of one large page, across title and phrase hits", async () => {
  const { client } = app.tenant();
  const memories = [
    ...[0, 1, 2, 3].map((i) => ({ title: `Notes ${i}`, content: `the glacier survey${" and more".repeat(i)} glacier survey` })),
    ...[0, 1, 2, 3, 4].map((i) => ({ title: `Glacier survey ${i}`, content: `glacier then${" filler".repeat(i)} survey` })),
    ...[0, 1, 2, 3, 4].map((i) => ({ title: `Other ${i}`, content: `survey first,${" filler".repeat(i * 2)} glacier last` })),
  ];
  for (const m of memories) assert.equal((await client.post("/v1/memories", m)).status, 201);
  const whole = (await client.get("/v1/search?q=glacier%20survey&limit=100")).body.items;
  assert.equal(whole.length, memories.length);
  // Phrase hits (some also titled) first, then title hits, then the rest.
  assert.ok(whole.slice(0, 4).every((i) => i.score >= 2), JSON.stringify(whole.map((i) => i.score)));
  for (const limit of [1, 3, 4, 6]) {
    const paged = await allPages(client, "q=glacier%20survey", limit);
    assert.deepEqual(paged.map((i) => [i.id, i.score]), whole.map((i) => [i.id, i.score]), `limit ${limit}`);
  }
});
