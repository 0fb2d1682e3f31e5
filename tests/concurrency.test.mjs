// Many captures at once all succeed and store exactly one row each: the old
// server broke here ("another operation is in progress").
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { memoryLaneCapture, spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

test("200 concurrent captures all succeed with exactly 200 rows stored", async () => {
  const { client, name } = app.tenant();
  const responses = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      client.post("/v1/memories", memoryLaneCapture({ content: `Human: concurrent question ${i}?\nAssistant: answer ${i}` })),
    ),
  );
  const statuses = responses.map((r) => r.status);
  assert.deepEqual(statuses.filter((s) => s !== 201), [], `non-201 answers: ${JSON.stringify(responses.find((r) => r.status !== 201)?.body)}`);
  assert.equal(new Set(responses.map((r) => r.body.id)).size, 200);
  assert.equal(await app.countMemories(name), 200);
});
