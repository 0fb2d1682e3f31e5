// Builds of the worker side by side (issue 23: a change to the worker
// measured before and after in one run), self-hosted: each build on its own
// plain workerd, all behind one PgBouncer in front of one durable embedded
// Postgres. Each round drives captures with wrk through each build in turn
// (the order rotates from round to round), and reads from /proc the CPU per
// capture of that workerd, of PgBouncer and of Postgres. Medians over the
// rounds, and each build against the first.
//
//   node scripts/build-worker.mjs && cp -r build /tmp/build-before   # on the old code
//   node scripts/build-worker.mjs && cp -r build /tmp/build-after    # on the new code
//   npm run bench:worker-ab -- --builds /tmp/build-before,/tmp/build-after [--seconds 6] [--rounds 8]
//                              [--connections 10] [--script bench/search/capture.lua]
import { rmSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { ensureToolchain, log, root } from "../scripts/lib/toolchain.mjs";
import { cpuOfTrees, postmasterPid } from "./lib/cpu.mjs";
import { median, wrk } from "./lib/wrk.mjs";

const { values } = parseArgs({
  options: {
    builds: { type: "string" },
    seconds: { type: "string", default: "6" },
    rounds: { type: "string", default: "8" },
    connections: { type: "string", default: "10" },
    script: { type: "string", default: "bench/search/capture.lua" },
  },
});
const folders = (values.builds ?? "").split(",").filter(Boolean);
if (folders.length < 2) throw new Error("--builds names two or more build folders (copies of build/), comma-separated");

ensureToolchain();
const { admin, buildAdmin, freePort } = await import("../scripts/lib/stack.mjs");
const { startPostgres } = await import("../scripts/lib/postgres.mjs");
const { startWorkerd } = await import("../scripts/lib/workerd.mjs");
const { ensurePgbouncer, startPgbouncer } = await import("../scripts/lib/pgbouncer.mjs");
ensurePgbouncer();

const scratch = path.join(root, ".dev", `bench-worker-ab-${process.pid}`);
const dataDir = path.join(scratch, "postgres");
const server = await startPostgres({ dataDir, port: await freePort(), durable: true });
const stops = [server.stop];
const f = (n, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : "n/a");

try {
  buildAdmin();
  admin(server.url, ["migrate"]);
  const key = admin(server.url, ["dev-key", "--file", path.join(scratch, "api-key")]);
  const pooler = await startPgbouncer({ databaseUrl: server.url, port: await freePort(), scratch: path.join(scratch, "pgbouncer") });
  stops.push(pooler.stop);
  const builds = [];
  for (const [index, folder] of folders.entries()) {
    const build = path.resolve(folder);
    const worker = await startWorkerd({ databaseUrl: pooler.url, port: await freePort(), scratch: path.join(scratch, `workerd-${index}`), build });
    stops.push(worker.stop);
    builds.push({ build, worker, runs: [] });
  }
  const options = { connections: values.connections, seconds: values.seconds, script: path.resolve(root, values.script), key };
  log("warming up each");
  for (const { worker } of builds) wrk(worker.baseUrl, options);

  for (let round = 1; round <= Number(values.rounds); round += 1) {
    const order = builds.map((_, i) => builds[(i + round) % builds.length]);
    for (const { build, worker, runs } of order) {
      const name = path.basename(build);
      const roots = { workerd: worker.pid, pgbouncer: pooler.pid, postgres: postmasterPid(dataDir) };
      const before = cpuOfTrees(roots);
      const run = wrk(worker.baseUrl, options);
      const after = cpuOfTrees(roots);
      const perCapture = Object.fromEntries(Object.keys(roots).map((r) => [r, (after[r] - before[r]) / run.requests]));
      log(`round ${round} ${name}: ${f(run.rps, 0)} captures/s, workerd ${f(perCapture.workerd)} ms, Postgres ${f(perCapture.postgres)} ms`);
      runs.push({ ...run, ...perCapture });
    }
  }

  const load = (await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\n${values.rounds} rounds of ${values.seconds} s, wrk -t2 -c${values.connections}, ${path.basename(values.script)}; load average at the end ${load}\n`);
  console.log("| build | captures/s | workerd CPU ms / capture | PgBouncer CPU ms | Postgres CPU ms | non-2xx | workerd vs the first |");
  console.log("|---|---|---|---|---|---|---|");
  const first = builds[0].runs;
  for (const { build, runs } of builds) {
    const m = (field) => median(runs.map((r) => r[field]));
    const non2xx = runs.reduce((sum, r) => sum + r.non2xx, 0);
    console.log(`| ${build} | ${f(m("rps"), 0)} | ${f(m("workerd"))} | ${f(m("pgbouncer"))} | ${f(m("postgres"))} | ${non2xx} | ${f(m("workerd") / median(first.map((r) => r.workerd)), 2)} |`);
  }
  for (const { build, runs } of builds.slice(1)) {
    console.log(`\nper round, workerd of ${path.basename(build)} / the first: ${runs.map((r, i) => f(r.workerd / first[i].workerd, 2)).join(", ")}`);
  }
} finally {
  for (const stop of stops.reverse()) await stop();
  rmSync(scratch, { recursive: true, force: true });
}
