// Soak: mixed capture / search / list load for a while. Zero 5xx; the
// runtime's memory stays stable (workerd RSS at the end within `maxGrowth` of
// its level after warm-up, 10% by default); Postgres connections return to
// their baseline.
//
// The worker runs under plain workerd, not wrangler dev, whose dev tooling
// grows by tens of KB per request even for a trivial JavaScript worker. The
// rate-limit binding does not exist there (RATE_LIMIT_ENABLED=false).
//
//   npm run soak                             (10 minutes)
//   node tests/reliability/soak.mjs          (same)
import { randomUUID } from "node:crypto";
import {
  Tally, captureBody, closedLoop, postgresConnections, runAsScript, scenarioStack, settle, sleep, tenants, workerdRss,
} from "./lib.mjs";

const SAMPLE_MS = 2000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * `seconds` of measured load after `warmUpSeconds` of the same load (JIT,
 * caches and the heap's first growth are not a leak).
 */
export async function run({ seconds = 600, warmUpSeconds = 60, clients = 16, maxGrowth = 0.1 } = {}) {
  const stack = await scenarioStack("soak", { plainWorkerd: true });
  try {
    const pool = tenants(stack.app, 8);
    const baseline = await postgresConnections(stack.app);
    const tally = new Tally();
    const samples = [];
    const started = Date.now() + warmUpSeconds * 1000;
    const deadline = started + seconds * 1000;
    const sampler = setInterval(() => {
      if (Date.now() >= started) samples.push({ at: Date.now() - started, rss: workerdRss(stack.workerPid) });
    }, SAMPLE_MS);
    const words = ["postgres", "autovacuum", "rust", "reliability", "index", "lock"];
    await closedLoop({
      clients,
      stop: () => Date.now() >= deadline,
      step: async (c, i) => {
        const { client } = pool[(c + i) % pool.length];
        const roll = (c * 7 + i) % 10;
        if (Date.now() < started) {
          // warm-up: the same mix, not counted
          await client.post("/v1/memories", captureBody(randomUUID())).catch(() => {});
          await client.get(`/v1/search?q=${words[i % words.length]}`).catch(() => {});
        } else if (roll < 4) await tally.send(client, "POST", "/v1/memories", { json: captureBody(randomUUID()) });
        else if (roll < 7) await tally.send(client, "GET", `/v1/search?q=${words[i % words.length]}&limit=10`);
        else if (roll < 9) await tally.send(client, "GET", "/v1/memories?limit=20");
        else await tally.send(client, "GET", "/v1/stats");
      },
    });
    clearInterval(sampler);
    await sleep(SAMPLE_MS);
    const connectionsAfter = await settle(() => postgresConnections(stack.app), baseline, 10_000);
    // The median of the first quarter of the measured time against the median of the last.
    const quarter = (seconds * 1000) / 4;
    const warm = median(samples.filter((s) => s.at <= quarter).map((s) => s.rss));
    const end = median(samples.filter((s) => s.at > 3 * quarter).map((s) => s.rss));
    const growth = warm ? end / warm - 1 : NaN;
    const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
    const figures = {
      scenario: "soak",
      seconds,
      clients,
      ...tally.summary(),
      warm_up_seconds: warmUpSeconds,
      requests_per_second: Math.round(tally.total / seconds),
      workerd_rss_mib: { after_warm_up: mib(warm), end: mib(end), max: mib(Math.max(...samples.map((s) => s.rss))) },
      rss_growth_percent: Math.round(growth * 1000) / 10,
      // One sample per tenth of the measured time: a leak climbs, a warm runtime levels off.
      rss_timeline_mib: samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 10)) === 0).map((s) => mib(s.rss)),
      connections_baseline: baseline,
      connections_after: connectionsAfter,
    };
    const problems = tally.problems();
    if (tally.count((s) => s >= 500) > 0) problems.push(`${tally.count((s) => s >= 500)} answers were 5xx`);
    if (!(warm > 0)) problems.push("no workerd process found to measure");
    else if (!(growth < maxGrowth)) problems.push(`workerd RSS grew ${figures.rss_growth_percent}% (limit ${maxGrowth * 100}%)`);
    if (connectionsAfter > baseline) problems.push(`Postgres connections ${connectionsAfter} did not return to the baseline ${baseline}`);
    return { figures, problems };
  } finally {
    await stack.stop();
  }
}

await runAsScript(import.meta.url, run, JSON.parse(process.env.SCENARIO_OPTIONS ?? "{}"));
