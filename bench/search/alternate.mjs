// Two versions of the worker side by side on the one-million-memory data set
// that `npm run bench:search` leaves in .dev/bench-search, the query mix
// alternating between them request by request (which goes first is drawn
// for each pair), so both see the same machine at the same moments: the
// before/after figures in BENCHMARKS.md. Each checkout builds and runs its
// own worker, admin tool and PgBouncer; the second is usually a worktree of
// an earlier commit:
//
//   git worktree add .dev/before <commit>
//   node bench/search/alternate.mjs --checkout . --checkout .dev/before [--runtime workerd] [--rounds 10]
//
// or one checkout under two settings, a --vars list for each side:
//
//   node bench/search/alternate.mjs --checkout . --checkout . --vars LOG_LEVEL=info --vars LOG_LEVEL=warn
//
// Prints, for each checkout, the p50 and p95 of each search as the client
// sees it and the worker's own account (Server-Timing), ms.
import path from "node:path";
import { parseArgs } from "node:util";
import { QUERY_MIX } from "./corpus.mjs";
import { root } from "../../scripts/lib/toolchain.mjs";

const { values } = parseArgs({
  options: {
    checkout: { type: "string", multiple: true },
    vars: { type: "string", multiple: true },
    runtime: { type: "string", default: "wrangler" },
    rounds: { type: "string", default: "10" },
    tenant: { type: "string", default: "bench-0" },
  },
});
if (values.checkout?.length !== 2) throw new Error("give two --checkout directories");
if (values.vars && values.vars.length !== 2) throw new Error("give a --vars list for each side, or none");
/** `NAME=value,NAME=value` as worker variables. */
const varsOf = (list) => Object.fromEntries((list ?? "").split(",").filter(Boolean).map((pair) => pair.split("=")));
const scratch = path.join(root, ".dev", "bench-search");
const { freePort } = await import("../../scripts/lib/stack.mjs");
const { startPostgres } = await import("../../scripts/lib/postgres.mjs");
const pg = await startPostgres({ dataDir: path.join(scratch, "postgres"), port: await freePort() });

const stops = [pg.stop];
try {
  const sides = [];
  for (const [i, checkout] of values.checkout.entries()) {
    const dir = path.resolve(checkout);
    // Each checkout's own scripts, so each builds and runs its own worker.
    const previous = process.cwd();
    process.chdir(dir);
    const { startStack, admin } = await import(path.join(dir, "scripts/lib/stack.mjs"));
    const { buildWorker } = await import(path.join(dir, "scripts/build-worker.mjs"));
    buildWorker();
    const state = path.join(scratch, `alternate-${i}`);
    const stack = await startStack({
      databaseUrl: pg.url, port: await freePort(), stateDir: state, keyFile: path.join(state, "api-key"),
      logFile: path.join(state, "worker.log"), pooled: true,
      vars: { RATE_LIMIT_ENABLED: "false", ...varsOf(values.vars?.[i]) },
      logLevel: "warn", runtime: values.runtime,
    });
    stops.push(stack.stop);
    const key = admin(pg.url, ["key", "create", "--tenant", values.tenant, "--name", "alternate"]);
    process.chdir(previous);
    const label = [checkout, values.vars?.[i]].filter(Boolean).join(" ");
    sides.push({ label, base: stack.baseUrl, key, wall: [], db: [], total: [] });
  }

  for (let round = -1; round < Number(values.rounds); round++) {
    for (const q of QUERY_MIX) {
      const order = Math.random() < 0.5 ? [0, 1] : [1, 0];
      for (const side of order.map((i) => sides[i])) {
        const started = performance.now();
        const response = await fetch(`${side.base}/v1/search?q=${encodeURIComponent(q)}&limit=10`, {
          headers: { authorization: `Bearer ${side.key}` },
        });
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${side.label}: ${q}: ${response.status}`);
        if (round < 0) continue; // warm-up
        side.wall.push(performance.now() - started);
        for (const part of (response.headers.get("server-timing") ?? "").split(", ")) {
          const [name, ms] = part.split(";dur=");
          side[name]?.push(Number(ms));
        }
      }
    }
  }

  const at = (samples, p) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length * p)].toFixed(1);
  console.log(`\n${values.rounds} rounds of ${QUERY_MIX.length} queries, alternating, through ${values.runtime === "workerd" ? "workerd alone" : "wrangler dev"}\n`);
  console.log("| checkout | p50 | p95 | in the worker, p50 | the statement, p50 |");
  console.log("|---|---|---|---|---|");
  for (const s of sides) {
    console.log(`| ${s.label} | ${at(s.wall, 0.5)} | ${at(s.wall, 0.95)} | ${at(s.total, 0.5)} | ${at(s.db, 0.5)} |`);
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
