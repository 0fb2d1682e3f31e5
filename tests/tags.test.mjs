// GET /v1/tags (the tag vocabulary) and GET /v1/memories?url= (the exact-URL
// lookup): what they answer, that the counts stay right through every kind of
// write, that both are served by an index, and that tenants never see each
// other's tags or memories.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";
import { connect } from "./helpers/pg.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

/** The tenant's tags counted from its memories: what /v1/tags must answer. */
async function truth(tenantName) {
  const rows = await app.sql(
    `select tag, count(*)::int as count
     from memories m join tenants t on t.id = m.tenant_id, unnest(m.tags) as tag
     where t.name = $1 group by tag order by count(*) desc, tag collate "C"`,
    [tenantName],
  );
  return rows.map((r) => ({ tag: r.tag, count: r.count }));
}

async function tags(client, query = "limit=100") {
  const response = await client.get(`/v1/tags?${query}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body.tags;
}

test("tags are counted, most used first then by name, and stay right through captures, batches, patches, upserts and deletes", async () => {
  const { name, client } = app.tenant();
  assert.deepEqual(await tags(client), []);
  const one = await client.post("/v1/memories", { content: "Autovacuum notes", tags: ["postgres", "ops"] });
  await client.post("/v1/memories", { content: "Index notes", tags: ["postgres", "indexes"] });
  await client.post("/v1/memories/batch", {
    items: [{ content: "Pooling notes", tags: ["postgres", "pgbouncer"] }, { content: "Rota", tags: ["ops"] }],
  });
  let listed = await tags(client);
  assert.deepEqual(listed, await truth(name));
  assert.deepEqual(listed.find((t) => t.tag === "postgres"), { tag: "postgres", count: 3 });
  assert.deepEqual(listed.find((t) => t.tag === "ops"), { tag: "ops", count: 2 });
  const counts = listed.map((t) => t.count);
  assert.deepEqual(counts, [...counts].sort((x, y) => y - x), "most used first");

  await client.patch(`/v1/memories/${one.body.id}`, { tags: ["vacuum"] });
  assert.deepEqual(await tags(client), await truth(name));

  // A growing conversation: its recomputed tags replace the old ones.
  const id = randomUUID();
  const chat = (content) => ({
    content,
    metadata: { platform: "ChatGPT", conversation_id: id },
    captured_at: new Date().toISOString(),
  });
  await client.post("/v1/memories", chat("User: How do I write a Rust macro?\nAssistant: With macro_rules."));
  await client.post("/v1/memories", chat("User: How do I write a Rust macro?\nAssistant: With macro_rules.\nUser: And in Python, a decorator?"));
  assert.deepEqual(await tags(client), await truth(name));

  await client.delete(`/v1/memories/${one.body.id}`);
  listed = await tags(client);
  assert.deepEqual(listed, await truth(name));
  assert.ok(!listed.some((t) => t.tag === "vacuum"), "a tag no memory carries any more is gone");
});

test("prefix and limit", async () => {
  const { client } = app.tenant();
  await client.post("/v1/memories/batch", {
    items: [
      { content: "a", tags: ["machine-learning", "postgres"] },
      { content: "b", tags: ["machine-learning", "post-mortem"] },
      { content: "c", tags: ["machinery"] },
    ],
  });
  assert.deepEqual(await tags(client, "prefix=Machine%20L"), [{ tag: "machine-learning", count: 2 }]);
  assert.deepEqual((await tags(client, "prefix=post")).map((t) => t.tag), ["post-mortem", "postgres"]);
  assert.deepEqual((await tags(client, "prefix=post%20")).map((t) => t.tag), ["post-mortem"]);
  assert.deepEqual((await tags(client, "prefix=machine")).map((t) => t.tag), ["machine-learning", "machinery"]);
  assert.deepEqual(await tags(client, "prefix=%25&limit=100"), await tags(client), "% is not a wildcard: it normalises away");
  assert.deepEqual(await tags(client, "prefix=zzz"), []);
  assert.deepEqual(await tags(client, "prefix=mach&limit=1"), [{ tag: "machine-learning", count: 2 }]);

  const tooLong = await client.get(`/v1/tags?prefix=${"a".repeat(65)}`);
  assert.equal(tooLong.status, 422);
  assert.equal(tooLong.body.error.field, "prefix");
  const badLimit = await client.get("/v1/tags?limit=0");
  assert.equal(badLimit.status, 422);
  assert.equal(badLimit.body.error.field, "limit");
  assert.equal((await app.anonymous().get("/v1/tags")).status, 401);
});

test("one tenant never sees another's tags or URLs", async () => {
  const a = app.tenant();
  const b = app.tenant();
  const url = `https://chatgpt.com/c/${randomUUID()}`;
  await a.client.post("/v1/memories", { content: "Tenant A's secret plan", tags: ["secret-plan"], url });
  await b.client.post("/v1/memories", { content: "Tenant B's note", tags: ["secret-other"] });
  assert.deepEqual((await tags(b.client, "prefix=secret")).map((t) => t.tag), ["secret-other"]);
  assert.deepEqual((await tags(a.client, "prefix=secret")).map((t) => t.tag), ["secret-plan"]);
  const seen = await b.client.get(`/v1/memories?url=${encodeURIComponent(url)}`);
  assert.equal(seen.status, 200);
  assert.deepEqual(seen.body.items, []);
  const own = await a.client.get(`/v1/memories?url=${encodeURIComponent(url)}`);
  assert.equal(own.body.items.length, 1);
  // Deleting a tenant cascades to its memories and its tags, and nothing else.
  await app.sql("delete from tenants where name = $1", [a.name]);
  const left = await app.sql(
    "select count(*)::int as n from tag_counts c left join tenants t on t.id = c.tenant_id where t.id is null",
  );
  assert.equal(left[0].n, 0);
  assert.deepEqual((await tags(b.client, "prefix=secret")).map((t) => t.tag), ["secret-other"]);
});

test("the exact-URL lookup finds only memories stored with exactly that URL", async () => {
  const { client } = app.tenant();
  // Not chat URLs: those name a conversation, and the second would update the first.
  const url = `https://notes.example.com/${randomUUID()}`;
  await client.post("/v1/memories", { content: "the page", url });
  await client.post("/v1/memories", { content: "another page", url: `${url}?x=1` });
  await client.post("/v1/memories", { content: "no url at all" });
  const found = await client.get(`/v1/memories?url=${encodeURIComponent(url)}`);
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.items.map((m) => m.url), [url]);
  assert.equal(found.body.next_cursor, null);
  const none = await client.get(`/v1/memories?url=${encodeURIComponent(`${url}/other`)}`);
  assert.deepEqual(none.body.items, []);
  const bad = await client.get("/v1/memories?url=chatgpt.com/c/1");
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.field, "url");
});

test("both lookups are served by their index", async () => {
  // A tenant with enough memories that reading them all costs more than the
  // index, and fresh statistics, as a real tenant's would be.
  const { name, client } = app.tenant();
  for (let batch = 0; batch < 3; batch++) {
    const items = Array.from({ length: 100 }, (_, i) => ({
      content: `Page ${batch}-${i} about indexes`,
      url: `https://notes.example.com/${batch}/${i}`,
      tags: [`topic-${i % 10}`],
    }));
    assert.equal((await client.post("/v1/memories/batch", { items })).status, 200);
  }
  const [{ id: tenant }] = await app.sql("select id from tenants where name = $1", [name]);
  const db = await connect(app.databaseUrl);
  try {
    await db.query("analyze memories");
    await db.query("analyze tag_counts");
    // tag_counts of the whole test database is a few pages, which Postgres
    // reads whole: price that out to see whether the index serves the
    // prefix as a range (it must, for a tenant with thousands of tags).
    await db.query("set enable_seqscan = off");
    const explain = async (sql, params) =>
      (await db.query(`explain ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
    // The statements of crates/memo-api/src/sql/tags.rs and crates/memo-api/src/sql/memories.rs (list), without the key check.
    const tagPlan = await explain(
      `select tag, sum(count)::int8 as count from tag_counts where tenant_id = $1 and tag like $2
       group by tag having sum(count) > 0 order by count desc, tag limit $3`,
      [tenant, "topic-1%", 8],
    );
    assert.match(tagPlan, /tag_counts_pkey/, tagPlan);
    assert.match(tagPlan, /Index Cond: .*tag >= 'topic-1'.*tag < 'topic-2'/s, tagPlan);
    const urlPlan = await explain(
      `select * from memories
       where tenant_id = $1
         and ($3::timestamptz is null or (created_at, id) < ($3, $4))
         and ($5::text is null or url = $5)
       order by created_at desc, id desc
       limit $2`,
      [tenant, 2, null, null, "https://notes.example.com/1/7"],
    );
    assert.match(urlPlan, /memories_tenant_url/, urlPlan);
  } finally {
    await db.end();
  }
});

test("concurrent captures of one tenant keep the counts exact, and the upkeep folds their shards", async () => {
  // Each request has its own connection, so concurrent captures add to
  // different shards of the same tags (migration 0020).
  const { name, client } = app.tenant();
  const captures = Array.from({ length: 24 }, (_, i) =>
    client.post("/v1/memories", { content: `Concurrent note ${i}`, tags: ["shared", `group-${i % 3}`] }),
  );
  const created = await Promise.all(captures);
  for (const response of created) assert.equal(response.status, 201, JSON.stringify(response.body));
  assert.deepEqual(await tags(client), await truth(name));
  assert.deepEqual((await tags(client, "prefix=shared")), [{ tag: "shared", count: 24 }]);
  // Deletes and edits on other connections subtract from other shards.
  const gone = created.filter((_, i) => i % 3 === 0).map((r) => client.delete(`/v1/memories/${r.body.id}`));
  const edited = created.filter((_, i) => i % 3 === 1).map((r) => client.patch(`/v1/memories/${r.body.id}`, { tags: ["edited"] }));
  await Promise.all([...gone, ...edited]);
  assert.deepEqual(await tags(client), await truth(name));
  assert.ok(!(await tags(client)).some((t) => t.tag === "group-0"), "a tag no memory carries any more is gone");

  app.admin(["prune"]);
  const [{ id: tenant }] = await app.sql("select id from tenants where name = $1", [name]);
  const rows = await app.sql("select tag, shard, count::int from tag_counts where tenant_id = $1 order by tag", [tenant]);
  assert.deepEqual(rows, (await truth(name)).map((t) => ({ tag: t.tag, shard: 0, count: t.count })), "one row per tag left");
  assert.deepEqual(await tags(client), await truth(name));
});
