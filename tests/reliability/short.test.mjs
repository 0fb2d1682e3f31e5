// The short versions of the reliability scenarios, run by `npm test` after
// the integration tests (one at a time: each loads the machine on purpose).
// The full versions: node tests/reliability/<scenario>.mjs, npm run soak;
// figures of a full run are in docs/reliability.md.
import assert from "node:assert/strict";
import { test } from "node:test";
import { run as load } from "./load.mjs";
import { run as outage } from "./outage.mjs";
import { run as slowDatabase, runCancelIgnored } from "./slow-db.mjs";
import { run as soak } from "./soak.mjs";

async function scenario(t, run, options) {
  const { figures, problems } = await run(options);
  t.diagnostic(JSON.stringify(figures));
  assert.deepEqual(problems, []);
}

test("database outage in the middle of a capture load", (t) => scenario(t, outage, { clients: 30, warmSeconds: 2, downSeconds: 4, afterSeconds: 7 }));

test("slow database: statements past the timeout are answered 503 and cancelled", (t) => scenario(t, slowDatabase, { requests: 30 }));

test("slow database: a write whose statement outlives its cancel never counts without its idempotency record", (t) => scenario(t, runCancelIgnored));

test("load: many concurrent clients posting captures", (t) => scenario(t, load, { clients: 500, capturesPerClient: 1 }));

// Thirty seconds are mostly the runtime's own warm-up (its heaps grow for
// minutes before they level off), so the RSS bound here only catches gross
// leaks; the live JavaScript heap (at most 4 MiB more, from heap snapshots)
// catches objects kept per request, and the 10% RSS bound holds the
// 10-minute `npm run soak`.
test("soak: mixed load, no gross memory growth, connections back to baseline", (t) =>
  scenario(t, soak, { seconds: 30, warmUpSeconds: 15, maxGrowth: 0.5 }));
