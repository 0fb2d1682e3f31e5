// A CPU profile of the worker under load (a build with function names), self-hosted: plain workerd with its
// inspector on, PgBouncer, an embedded Postgres. It drives one route with wrk
// (captures by default) while V8's sampling profiler runs, then prints the
// functions with the most self time and the share of each, so BENCHMARKS.md
// can say where a request's CPU goes.
//
//   npm run bench:profile -- [--seconds 10] [--connections 10] [--path /bench-no-op] [--top 30]
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    path: { type: "string" },
    top: { type: "string", default: "30" },
  },
});
ensureToolchain();
// Function names in the profile: a build that keeps the wasm name section.
process.env.MEMO_WASM_NAMES = "1";
const { admin, buildAdmin, freePort } = await import("../scripts/lib/stack.mjs");
const { startPostgres } = await import("../scripts/lib/postgres.mjs");
const { startWorkerd } = await import("../scripts/lib/workerd.mjs");
const { startPgbouncer } = await import("../scripts/lib/pgbouncer.mjs");
const { inspectWorker } = await import("../scripts/lib/inspector.mjs");
buildWorker();

const wrkScript = path.resolve(root, process.env.SEED_AIOHTTP_DIR ?? "../shared/peers/seed_aiohttp", "post_memory.lua");

const scratch = path.join(root, ".dev", `bench-profile-${process.pid}`);
const pg = await startPostgres({ dataDir: path.join(scratch, "postgres"), port: await freePort(), durable: true });
const stops = [pg.stop];
try {
  buildAdmin();
  admin(pg.url, ["migrate"]);
  const key = admin(pg.url, ["dev-key", "--file", path.join(scratch, "api-key")]);
  const pooler = await startPgbouncer({ databaseUrl: pg.url, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
  stops.push(pooler.stop);
  const inspectorPort = await freePort();
  const worker = await startWorkerd({
    databaseUrl: pooler.url,
    port: await freePort(),
    scratch: path.join(scratch, "workerd"),
    inspectorPort,
  });
  stops.push(worker.stop);
  const session = await inspectWorker(inspectorPort);
  await session.send("Profiler.enable");
  await session.send("Profiler.setSamplingInterval", { interval: 100 });
  await session.send("Profiler.start");
  const args = ["-t", "2", "-c", values.connections, "-d", `${values.seconds}s`];
  const url = `${worker.baseUrl}${values.path ?? ""}`;
  const run = spawnSync("wrk", values.path ? [...args, "-H", `Authorization: Bearer ${key}`, url] : [...args, "-s", wrkScript, url], {
    encoding: "utf8",
    env: { ...process.env, MEMO_KEY: key },
  });
  const { profile } = await session.send("Profiler.stop");
  session.close();
  const requests = Number(run.stdout.match(/(\d+) requests in/)?.[1] ?? NaN);

  // Self time per function: samples × the interval between them.
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const deltas = profile.timeDeltas;
  profile.samples.forEach((id, i) => {
    const { functionName, url: file } = byId.get(id).callFrame;
    const name = functionName || (file ? `(anonymous ${path.basename(file)})` : "(program)");
    self.set(name, (self.get(name) ?? 0) + (deltas[i + 1] ?? 0) / 1000);
  });
  const idle = self.get("(idle)") ?? 0;
  const busy = [...self.values()].reduce((a, b) => a + b, 0) - idle;
  log(`${requests} requests; ${busy.toFixed(0)} ms on the isolate's thread while busy`);
  console.log(`\n${values.path ? `GET ${values.path}` : "captures (POST /memory)"}, ${values.connections} connections, ${values.seconds} s: ` +
    `${requests} requests, ${(busy / requests).toFixed(3)} ms of sampled isolate CPU per request\n`);
  console.log("| function (self time) | ms per request | share of busy time |");
  console.log("|---|---|---|");
  const rows = [...self.entries()].filter(([name]) => name !== "(idle)").sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
  for (const [name, ms] of rows) {
    console.log(`| \`${name.slice(0, 90)}\` | ${(ms / requests).toFixed(4)} | ${((100 * ms) / busy).toFixed(1)}% |`);
  }
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  rmSync(scratch, { recursive: true, force: true });
}
