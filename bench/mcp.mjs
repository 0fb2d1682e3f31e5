// CPU per call of the MCP tools memo_save and memo_search against the same
// REST calls (POST /v1/memories, GET /v1/search), side by side in one run on
// one self-hosted stack (plain workerd, PgBouncer, Postgres), rate limit off:
//
//   npm run bench:mcp -- [--calls 400] [--concurrency 8] [--rounds 3] [--corpus 2000]
//
// Each round runs every call kind once, in turn, so drift on a shared machine
// touches all of them alike; the table gives each kind's median over the
// rounds. CPU is read from /proc before and after each run for workerd, the
// pooler and Postgres (backends included), per call. An MCP call is what an
// agent's client sends after initialize: one POST /mcp with a tools/call.
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log } from "../scripts/lib/toolchain.mjs";
import { cpuOfTrees, postmasterPid } from "./lib/cpu.mjs";

const { values } = parseArgs({
  options: {
    calls: { type: "string", default: "400" },
    concurrency: { type: "string", default: "8" },
    rounds: { type: "string", default: "3" },
    corpus: { type: "string", default: "2000" },
  },
});
const calls = Number(values.calls);
const concurrency = Number(values.concurrency);

ensureToolchain();
// Only now are the npm packages these modules import sure to be installed.
const { startScratchStack } = await import("../scripts/lib/stack.mjs");
buildWorker();

const WORDS = "pool connection postgres timeout retry index vacuum query plan cache worker deploy rust tokio async".split(" ");
let serial = 0;
/** A distinct note of about 600 characters (no two captures are duplicates). */
function note() {
  serial += 1;
  const words = Array.from({ length: 90 }, (_, i) => WORDS[(serial * 7 + i * 3) % WORDS.length]);
  return `Bench note ${serial} ${process.pid}: ${words.join(" ")}.`;
}

const stack = await startScratchStack("bench-mcp", { runtime: "workerd", vars: { RATE_LIMIT_ENABLED: "false" } });
try {
  const headers = { authorization: `Bearer ${stack.apiKey}` };
  const json = { ...headers, "content-type": "application/json" };
  const mcpHeaders = { ...json, accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
  const rpc = (name, args) =>
    fetch(`${stack.baseUrl}/mcp`, {
      method: "POST",
      headers: mcpHeaders,
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: args } }),
    });
  const kinds = {
    "capture: REST POST /v1/memories": () =>
      fetch(`${stack.baseUrl}/v1/memories`, { method: "POST", headers: json, body: JSON.stringify({ content: note() }) }),
    "capture: MCP memo_save": () => rpc("memo_save", { content: note() }),
    "search: REST GET /v1/search": () => fetch(`${stack.baseUrl}/v1/search?q=postgres%20timeout&limit=10`, { headers }),
    "search: MCP memo_search": () => rpc("memo_search", { query: "postgres timeout", limit: 10 }),
  };

  log(`seeding ${values.corpus} memories`);
  for (let done = 0; done < Number(values.corpus); done += 100) {
    const items = Array.from({ length: 100 }, () => ({ content: note() }));
    const r = await fetch(`${stack.baseUrl}/v1/memories/batch`, { method: "POST", headers: json, body: JSON.stringify({ items }) });
    if (!r.ok) throw new Error(`seeding: ${r.status} ${await r.text()}`);
  }

  const roots = {
    workerd: stack.workerPid,
    pgbouncer: stack.poolerPid,
    postgres: postmasterPid(path.join(stack.scratch, "postgres")),
  };
  /** `calls` calls, `concurrency` at a time: CPU ms per call and failures. */
  async function measure(send) {
    let next = 0;
    let failures = 0;
    const before = cpuOfTrees(roots);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < calls) {
          next += 1;
          const response = await send();
          const text = await response.text();
          if (!response.ok || text.includes('"isError":true') || text.includes('"error":')) failures += 1;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = cpuOfTrees(roots);
    const cpu = Object.fromEntries(Object.keys(roots).map((name) => [name, (after[name] - before[name]) / calls]));
    return { cpu, failures, rps: calls / seconds };
  }

  for (const send of Object.values(kinds)) await measure(send); // warm every path once
  const runs = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
  for (let round = 1; round <= Number(values.rounds); round += 1) {
    for (const [kind, send] of Object.entries(kinds)) {
      log(`round ${round}: ${kind}`);
      runs[kind].push(await measure(send));
    }
  }

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(runs).map(([kind, rs]) => {
      const cpu = Object.fromEntries(Object.keys(roots).map((name) => [name, median(rs.map((r) => r.cpu[name]))]));
      const total = median(rs.map((r) => Object.values(r.cpu).reduce((a, b) => a + b, 0)));
      return [kind, { cpu, total, rps: median(rs.map((r) => r.rps)), failures: rs.reduce((a, r) => a + r.failures, 0) }];
    }),
  );
  const f = (n, d = 2) => n.toFixed(d);
  console.log(`\nmachine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`${calls} calls × ${values.rounds} rounds per kind, ${concurrency} at a time, ${values.corpus} memories seeded; CPU ms per call (median of rounds)\n`);
  console.log("| call | calls/s | workerd CPU ms | PgBouncer CPU ms | Postgres CPU ms | total CPU ms | MCP ÷ REST (total) | failed |");
  console.log("|---|---|---|---|---|---|---|---|");
  const entries = Object.entries(summary);
  for (const [kind, s] of entries) {
    const rest = kind.includes("MCP") ? summary[entries.find(([k]) => k.startsWith(kind.split(":")[0]) && k.includes("REST"))[0]] : null;
    console.log(
      `| ${kind} | ${f(s.rps, 0)} | ${f(s.cpu.workerd)} | ${f(s.cpu.pgbouncer)} | ${f(s.cpu.postgres)} | ${f(s.total)} | ${rest ? f(s.total / rest.total) : ""} | ${s.failures} |`,
    );
  }
} finally {
  await stack.stop();
  rmSync(stack.scratch, { recursive: true, force: true });
}
