// Soak: mixed capture / search / list load for a while. Zero 5xx; the
// runtime's memory stays stable (workerd RSS at the end within `maxGrowth` of
// its level after warm-up, 10% by default); Postgres connections return to
// their baseline.
//
// The worker runs under plain workerd, not wrangler dev, whose dev tooling
// grows by tens of KB per request even for a trivial JavaScript worker. The
// rate-limit binding does not exist there (RATE_LIMIT_ENABLED=false). With
// `heap` (the default) workerd's V8 inspector is on, and the figures tell
// the JavaScript heap from the rest of the RSS: V8's own figures over time,
// and the live heap (a heap snapshot, after a full collection) before the
// load and at the end. Objects kept per request show there long before they
// show in the RSS, so the live heap may grow by at most `maxLiveHeapGrowthMib`
// (4 MiB; a full run grows it by about 2: compiled code, the wasm memory's
// first pages, the 1,000 console messages the inspector keeps). No snapshot
// is taken in between: its full collection hands V8's heap back to the
// system, which then grows again for minutes, as after a start.
//
//   npm run soak                             (10 minutes after a 4-minute warm-up)
//   node tests/reliability/soak.mjs          (same)
//   SCENARIO_OPTIONS='{"seconds":120,"warmUpSeconds":60}' npm run soak
import { randomUUID } from "node:crypto";
import { heapUsage, inspectWorker, liveHeap } from "../../scripts/lib/inspector.mjs";
import {
  Tally, captureBody, closedLoop, postgresConnections, runAsScript, scenarioStack, settle, sleep, tenants, workerdRss,
} from "./lib.mjs";

const SAMPLE_MS = 2000;
const HEAP_SAMPLE_MS = 20_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * `seconds` of measured load after `warmUpSeconds` of the same load: the
 * runtime's heaps (V8's and the allocator's under it) first grow to what
 * this load needs, and that is not a leak. Measured under this load, the RSS
 * rises for the first three to four minutes (about 10,000 requests) and then
 * levels off, hence the 4-minute warm-up; `rss_warm_up_timeline_mib` shows
 * that rise on every run.
 */
export async function run({ seconds = 600, warmUpSeconds = 240, clients = 16, maxGrowth = 0.1, heap = true, maxLiveHeapGrowthMib = 4 } = {}) {
  const stack = await scenarioStack("soak", { plainWorkerd: true, inspector: heap });
  const session = heap ? await inspectWorker(stack.inspectorPort) : null;
  try {
    const pool = tenants(stack.app, 8);
    const baseline = await postgresConnections(stack.app);
    const liveBefore = session ? await liveHeap(session) : null;
    const tally = new Tally();
    const warmUpTally = new Tally();
    const samples = [];
    const heapSamples = [];
    const started = Date.now() + warmUpSeconds * 1000;
    const deadline = started + seconds * 1000;
    const sampler = setInterval(() => samples.push({ at: Date.now() - started, rss: workerdRss(stack.workerPid) }), SAMPLE_MS);
    let heapPending = false;
    const heapSampler = setInterval(() => {
      if (!session || heapPending) return;
      heapPending = true;
      const at = Date.now() - started;
      heapUsage(session)
        .then((usage) => heapSamples.push({ at, ...usage }))
        .catch(() => {})
        .finally(() => (heapPending = false));
    }, HEAP_SAMPLE_MS);
    const words = ["postgres", "autovacuum", "rust", "reliability", "index", "lock"];
    await closedLoop({
      clients,
      stop: () => Date.now() >= deadline,
      step: async (c, i) => {
        const { client } = pool[(c + i) % pool.length];
        const roll = (c * 7 + i) % 10;
        // The warm-up sends the same mix, counted apart.
        const counted = Date.now() < started ? warmUpTally : tally;
        if (roll < 4) await counted.send(client, "POST", "/v1/memories", { json: captureBody(randomUUID()) });
        else if (roll < 7) await counted.send(client, "GET", `/v1/search?q=${words[i % words.length]}&limit=10`);
        else if (roll < 9) await counted.send(client, "GET", "/v1/memories?limit=20");
        else await counted.send(client, "GET", "/v1/stats");
      },
    });
    clearInterval(sampler);
    clearInterval(heapSampler);
    await sleep(SAMPLE_MS);
    const connectionsAfter = await settle(() => postgresConnections(stack.app), baseline, 10_000);
    const liveEnd = session ? await liveHeap(session, { top: 5 }) : null;
    // The median of the first quarter of the measured time against the median of the last.
    const measured = samples.filter((s) => s.at >= 0);
    const quarter = (seconds * 1000) / 4;
    const warm = median(measured.filter((s) => s.at <= quarter).map((s) => s.rss));
    const end = median(measured.filter((s) => s.at > 3 * quarter).map((s) => s.rss));
    const growth = warm ? end / warm - 1 : NaN;
    const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
    // Ten samples spread over the time, the last one included: a leak climbs, a warm runtime levels off.
    const tenths = (list) =>
      list.length <= 10 ? list : Array.from({ length: 10 }, (_, i) => list[Math.round((i * (list.length - 1)) / 9)]);
    const measuredHeap = heapSamples.filter((s) => s.at >= 0);
    const figures = {
      scenario: "soak",
      seconds,
      clients,
      ...tally.summary(),
      warm_up_seconds: warmUpSeconds,
      warm_up_requests: warmUpTally.total,
      requests_per_second: Math.round(tally.total / seconds),
      workerd_rss_mib: { after_warm_up: mib(warm), end: mib(end), max: mib(Math.max(...measured.map((s) => s.rss))) },
      rss_growth_percent: Math.round(growth * 1000) / 10,
      rss_warm_up_timeline_mib: tenths(samples.filter((s) => s.at < 0)).map((s) => mib(s.rss)),
      rss_timeline_mib: tenths(measured).map((s) => mib(s.rss)),
      ...(session && {
        // V8's heap as it goes (used, not collected first; total = what V8 holds from the system).
        js_heap_used_timeline_mib: tenths(measuredHeap).map((s) => mib(s.used)),
        js_heap_total_timeline_mib: tenths(measuredHeap).map((s) => mib(s.total)),
        js_live_heap_mib: { before_load: mib(liveBefore.bytes), end: mib(liveEnd.bytes) },
        // What the live heap holds most of (the inspector keeps the last 1,000 console messages).
        js_live_heap_largest_at_end: liveEnd.largest,
      }),
      connections_baseline: baseline,
      connections_after: connectionsAfter,
    };
    const problems = tally.problems();
    if (tally.count((s) => s >= 500) > 0) problems.push(`${tally.count((s) => s >= 500)} answers were 5xx`);
    if (!(warm > 0)) problems.push("no workerd process found to measure");
    else if (!(growth < maxGrowth)) problems.push(`workerd RSS grew ${figures.rss_growth_percent}% (limit ${maxGrowth * 100}%)`);
    if (session && !(liveEnd.bytes - liveBefore.bytes < maxLiveHeapGrowthMib * 2 ** 20)) {
      problems.push(`the live JavaScript heap grew ${mib(liveEnd.bytes - liveBefore.bytes)} MiB (limit ${maxLiveHeapGrowthMib} MiB)`);
    }
    if (connectionsAfter > baseline) problems.push(`Postgres connections ${connectionsAfter} did not return to the baseline ${baseline}`);
    return { figures, problems };
  } finally {
    session?.close();
    await stack.stop();
  }
}

await runAsScript(import.meta.url, run, JSON.parse(process.env.SCENARIO_OPTIONS ?? "{}"));
