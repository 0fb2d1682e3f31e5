// Search quality: judged queries over a fixed corpus
// (tests/fixtures/search-relevance.json), scored by mean reciprocal rank
// of the first relevant memory. A floor, not a snapshot: ranking may
// improve freely, and a change that makes it worse fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, test } from "node:test";
import { spawnApp } from "./helpers/app.mjs";

const MRR_FLOOR = 0.9;
const fixture = JSON.parse(readFileSync(new URL("./fixtures/search-relevance.json", import.meta.url), "utf8"));

let app;
before(async () => {
  app = await spawnApp();
});

test(`relevance: MRR over ${fixture.queries.length} judged queries is at least ${MRR_FLOOR}`, async () => {
  assert.ok(fixture.queries.length >= 30);
  const { client } = app.tenant();
  const keyOf = new Map();
  for (const { key, ...memory } of fixture.memories) {
    const response = await client.post("/v1/memories", memory);
    assert.equal(response.status, 201, key);
    keyOf.set(response.body.id, key);
  }
  let sum = 0;
  const misses = [];
  for (const { q, relevant } of fixture.queries) {
    const response = await client.get(`/v1/search?q=${encodeURIComponent(q)}&limit=10`);
    assert.equal(response.status, 200, q);
    const ranked = response.body.items.map((item) => keyOf.get(item.id));
    const rank = ranked.findIndex((key) => relevant.includes(key)) + 1;
    sum += rank ? 1 / rank : 0;
    if (rank !== 1) misses.push(`${q} → ${rank ? `rank ${rank}` : "not found"} (${ranked.slice(0, 3).join(", ")})`);
  }
  const mrr = sum / fixture.queries.length;
  console.log(`relevance: MRR ${mrr.toFixed(3)} over ${fixture.queries.length} queries`);
  for (const miss of misses) console.log(`  ${miss}`);
  assert.ok(mrr >= MRR_FLOOR, `MRR ${mrr.toFixed(3)} < ${MRR_FLOOR}:\n${misses.join("\n")}`);
});
