// Tidying tags (issue 22): POST /v1/tags/rename|merge|delete across all of a
// tenant's memories, POST /v1/memories/bulk on chosen ones, and by_day in
// /v1/stats. Each is idempotent, keeps the edited tags as the user's, and
// never reaches another tenant's memories.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

async function capture(client, content, tags) {
  const r = await client.post("/v1/memories", { content, tags });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const tagsOf = async (client, id) => (await client.get(`/v1/memories/${id}`)).body.tags;

test("rename, merge and delete a tag on every memory holding it, once", async () => {
  const { client } = app.tenant();
  const one = await capture(client, "Notes on the garden shed roof", ["Old Name", "keep"]);
  const two = await capture(client, "A list of seeds to order", ["old-name", "new-name"]);
  const other = await capture(client, "Bicycle repair log", ["unrelated"]);

  const renamed = await client.post("/v1/tags/rename", { from: "Old Name", to: "new-name" });
  assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
  assert.deepEqual(renamed.body, { changed: 2 });
  const oneTags = await tagsOf(client, one.id);
  assert.ok(oneTags.includes("new-name") && oneTags.includes("keep") && !oneTags.includes("old-name"), oneTags);
  const twoTags = await tagsOf(client, two.id);
  assert.equal(twoTags.filter((t) => t === "new-name").length, 1, "a rename onto a tag already there merges");
  assert.ok(!twoTags.includes("old-name"));
  assert.ok((await tagsOf(client, other.id)).includes("unrelated"));
  const vocabulary = (await client.get("/v1/tags?limit=100")).body.tags;
  assert.ok(!vocabulary.some((t) => t.tag === "old-name"), JSON.stringify(vocabulary));
  assert.deepEqual(vocabulary.find((t) => t.tag === "new-name"), { tag: "new-name", count: 2 });
  const before = (await client.get(`/v1/memories/${one.id}`)).body.updated_at;
  assert.deepEqual((await client.post("/v1/tags/rename", { from: "old-name", to: "new-name" })).body, { changed: 0 });
  assert.equal((await client.get(`/v1/memories/${one.id}`)).body.updated_at, before, "a repeat writes nothing");

  // The renamed tags are the user's now: a content change keeps them.
  const patched = await client.patch(`/v1/memories/${one.id}`, { content: "Completely different words about kayaks" });
  assert.equal(patched.status, 200);
  assert.deepEqual(patched.body.tags, oneTags);

  const merged = await client.post("/v1/tags/merge", { tags: ["keep", "unrelated"], into: "misc" });
  assert.deepEqual(merged.body, { changed: 2 });
  assert.ok((await tagsOf(client, other.id)).includes("misc"));
  assert.deepEqual((await client.post("/v1/tags/merge", { tags: ["keep", "unrelated"], into: "misc" })).body, { changed: 0 });

  assert.deepEqual((await client.post("/v1/tags/delete", { tag: "misc" })).body, { changed: 2 });
  assert.ok(!(await tagsOf(client, one.id)).includes("misc"));
  assert.deepEqual((await client.post("/v1/tags/delete", { tag: "misc" })).body, { changed: 0 });
});

test("bulk add, remove and delete on chosen memories", async () => {
  const { client } = app.tenant();
  const a = await capture(client, "Chosen one: a recipe for bread", ["food"]);
  const b = await capture(client, "Chosen two: a recipe for soup", ["food"]);
  const c = await capture(client, "Not chosen: a train timetable", ["travel"]);
  const ids = [a.id, b.id];

  const added = await client.post("/v1/memories/bulk", { ids, action: "add_tags", tags: ["Recipes", "food"] });
  assert.equal(added.status, 200, JSON.stringify(added.body));
  assert.deepEqual(added.body, { changed: 2, over_tag_limit: [] });
  for (const id of ids) assert.ok((await tagsOf(client, id)).includes("recipes"));
  assert.ok(!(await tagsOf(client, c.id)).includes("recipes"));
  assert.deepEqual((await client.post("/v1/memories/bulk", { ids, action: "add_tags", tags: ["recipes"] })).body, { changed: 0, over_tag_limit: [] });

  const removed = await client.post("/v1/memories/bulk", { ids: [a.id], action: "remove_tags", tags: ["food"] });
  assert.deepEqual(removed.body, { changed: 1, over_tag_limit: [] });
  assert.ok(!(await tagsOf(client, a.id)).includes("food"));
  assert.ok((await tagsOf(client, b.id)).includes("food"));

  const deleted = await client.post("/v1/memories/bulk", { ids, action: "delete" });
  assert.deepEqual(deleted.body, { changed: 2 });
  assert.equal((await client.get(`/v1/memories/${a.id}`)).status, 404);
  assert.equal((await client.get(`/v1/memories/${c.id}`)).status, 200);
  assert.deepEqual((await client.post("/v1/memories/bulk", { ids, action: "delete" })).body, { changed: 0 });
});

test("a bulk add beyond MAX_TAGS leaves that memory alone and names it", async () => {
  const { client } = app.tenant();
  const many = Array.from({ length: 32 }, (_, i) => `t${i}`);
  const full = await capture(client, "A memory with every tag it may hold", many);
  const fullTags = await tagsOf(client, full.id);
  const room = await capture(client, "A memory with room for more", ["one"]);
  const answer = await client.post("/v1/memories/bulk", { ids: [full.id, room.id], action: "add_tags", tags: ["extra"] });
  assert.equal(answer.status, 200);
  assert.ok(fullTags.length >= 32, `a capture keeps the tags it was given: ${fullTags.length}`);
  assert.deepEqual(answer.body, { changed: 1, over_tag_limit: [full.id] });
  assert.deepEqual(await tagsOf(client, full.id), fullTags);
  assert.ok((await tagsOf(client, room.id)).includes("extra"));
});

test("bad bodies name the field", async () => {
  const { client } = app.tenant();
  const cases = [
    ["/v1/tags/rename", { from: "a" }, "to"],
    ["/v1/tags/rename", { from: "!!!", to: "b" }, "from"],
    ["/v1/tags/rename", { from: "a", to: "b", extra: 1 }, "extra"],
    ["/v1/tags/merge", { tags: [], into: "b" }, "tags"],
    ["/v1/tags/delete", {}, "tag"],
    ["/v1/memories/bulk", { ids: [], action: "delete" }, "ids"],
    ["/v1/memories/bulk", { ids: ["nope"], action: "delete" }, "ids[0]"],
    ["/v1/memories/bulk", { ids: [crypto.randomUUID()], action: "paint" }, "action"],
    ["/v1/memories/bulk", { ids: [crypto.randomUUID()], action: "add_tags" }, "tags"],
    ["/v1/memories/bulk", { ids: Array.from({ length: 501 }, () => crypto.randomUUID()), action: "delete" }, "ids"],
  ];
  for (const [path, body, field] of cases) {
    const r = await client.post(path, body);
    assert.equal(r.status, 422, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.field, field);
  }
  assert.equal((await client.post("/v1/tags/rename", [1])).status, 400);
  assert.equal((await app.anonymous().post("/v1/tags/rename", { from: "a", to: "b" })).status, 401);
  assert.equal((await client.get("/v1/tags/rename")).status, 405);
});

test("one tenant's tag edits never reach another's memories", async () => {
  const alice = app.tenant();
  const bob = app.tenant();
  const hers = await capture(alice.client, "Alice's private note on taxes", ["shared-name"]);
  await capture(bob.client, "Bob's note on cycling", ["shared-name"]);

  assert.deepEqual((await bob.client.post("/v1/tags/rename", { from: "shared-name", to: "bobs" })).body, { changed: 1 });
  assert.deepEqual((await bob.client.post("/v1/tags/delete", { tag: "shared-name" })).body, { changed: 0 });
  assert.ok((await tagsOf(alice.client, hers.id)).includes("shared-name"));

  const tagged = await bob.client.post("/v1/memories/bulk", { ids: [hers.id], action: "add_tags", tags: ["bobs"] });
  assert.deepEqual(tagged.body, { changed: 0, over_tag_limit: [] });
  assert.deepEqual((await bob.client.post("/v1/memories/bulk", { ids: [hers.id], action: "delete" })).body, { changed: 0 });
  const still = await alice.client.get(`/v1/memories/${hers.id}`);
  assert.equal(still.status, 200);
  assert.ok(!still.body.tags.includes("bobs"));
});

test("stats count captures per day over the last 90 days", async () => {
  const { client } = app.tenant();
  await capture(client, "Captured today, one", []);
  await capture(client, "Captured today, two", []);
  const stats = (await client.get("/v1/stats")).body;
  assert.equal(stats.by_day.length, 90);
  const today = new Date().toISOString().slice(0, 10);
  assert.deepEqual(stats.by_day.at(-1), { day: today, count: 2 });
  assert.equal(stats.by_day.reduce((sum, d) => sum + d.count, 0), 2);
  const days = stats.by_day.map((d) => d.day);
  assert.deepEqual(days, [...days].sort(), "oldest first");
  assert.equal(new Set(days).size, 90);
});
