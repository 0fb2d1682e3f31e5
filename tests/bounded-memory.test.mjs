// The worker's peak memory on list, export, batch and import requests among
// memories of 500 KiB stays under a stated bound (tests/reliability/bounded-memory.mjs;
// run it alone for the figures).
import assert from "node:assert/strict";
import { test } from "node:test";
import { run } from "./reliability/bounded-memory.mjs";

test("list, export, batch and import among 500 KiB memories keep the worker's peak memory bounded", async (t) => {
  const { figures, problems } = await run();
  t.diagnostic(JSON.stringify(figures));
  assert.deepEqual(problems, []);
});
