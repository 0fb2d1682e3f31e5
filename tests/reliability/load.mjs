// Load: many concurrent clients posting captures at once. Every request is
// answered (201, or a clean JSON 429/503 with Retry-After), and the rows
// stored equal the 201 answers, no more, no fewer: each stored id was
// answered, each answered id is stored.
//
// The per-key rate limiter stays on (600 requests/min per key): the clients
// share a pool of keys sized so no key passes it.
//
//   node tests/reliability/load.mjs      (full: 1,000 clients × 3 captures)
import { randomUUID } from "node:crypto";
import { Tally, captureBody, closedLoop, postgresConnections, runAsScript, scenarioStack, settle, storedIds, storedMemories, tenants } from "./lib.mjs";

/** Captures per key, at most: under the limiter's 600 per minute. */
const CAPTURES_PER_KEY = 300;

export async function run({ clients = 1000, capturesPerClient = 3 } = {}) {
  const stack = await scenarioStack("load", {});
  try {
    const pool = tenants(stack.app, Math.ceil((clients * capturesPerClient) / CAPTURES_PER_KEY));
    const baseline = await postgresConnections(stack.app);
    const tally = new Tally();
    const created = new Set();
    const started = Date.now();
    await closedLoop({
      clients,
      iterations: capturesPerClient,
      step: async (c) => {
        const response = await tally.send(pool[c % pool.length].client, "POST", "/v1/memories", {
          json: captureBody(randomUUID()),
          hangMs: 120_000,
        });
        if (response?.status === 201) created.add(response.body.id);
      },
    });
    const seconds = (Date.now() - started) / 1000;
    const stored = await storedMemories(stack.app, pool);
    const ids = await storedIds(stack.app, pool);
    const connectionsAfter = await settle(() => postgresConnections(stack.app), baseline, 10_000);
    const figures = {
      scenario: "load",
      clients,
      captures_per_client: capturesPerClient,
      keys: pool.length,
      seconds: Math.round(seconds * 10) / 10,
      answered_per_second: Math.round(tally.total / seconds),
      ...tally.summary(),
      answered_201: created.size,
      rows_stored: stored.rows,
      partial_rows: stored.partial,
      connections_baseline: baseline,
      connections_after: connectionsAfter,
    };
    const problems = tally.problems();
    if (tally.total !== clients * capturesPerClient) problems.push(`${tally.total} of ${clients * capturesPerClient} requests were sent`);
    if (tally.count((s) => ![201, 429, 503].includes(s)) > 0) problems.push(`answers other than 201/429/503: ${JSON.stringify(tally.statuses)}`);
    if (stored.rows !== created.size) problems.push(`${stored.rows} rows stored for ${created.size} answers 201`);
    const missing = [...created].filter((id) => !ids.has(id)).length;
    if (missing) problems.push(`${missing} captures answered 201 are not stored`);
    if (stored.partial) problems.push(`${stored.partial} partial rows`);
    if (connectionsAfter > baseline) problems.push(`Postgres connections ${connectionsAfter} did not return to the baseline ${baseline}`);
    return { figures, problems };
  } finally {
    await stack.stop();
  }
}

await runAsScript(import.meta.url, run, JSON.parse(process.env.SCENARIO_OPTIONS ?? "{}"));
