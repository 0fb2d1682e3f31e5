// The web app's first load against the local stack (wrangler dev, embedded
// Postgres, 200 memories): from navigation to the signed-in search page
// showing its first results, in a fresh headless Chromium profile each run
// (nothing cached), plus the size of what it downloads.
//
//   node bench/webapp.mjs [--runs 7]
import { parseArgs } from "node:util";
import { appSize } from "../scripts/build-app.mjs";
import { ensureToolchain, log } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "7" } } });
const runs = Number(values.runs);
ensureToolchain();
const { startScratchStack } = await import("../scripts/lib/stack.mjs");
const { launchChromium } = await import("../scripts/lib/browsers.mjs");
const { buildWorker } = await import("../scripts/build-worker.mjs");
buildWorker();

const stack = await startScratchStack("bench-webapp");
const chromium = await launchChromium();
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
try {
  const headers = { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" };
  for (let i = 0; i < 2; i += 1) {
    const items = Array.from({ length: 100 }, (_, j) => ({ content: `Benchmark memory ${i * 100 + j}: notes on ${j % 7 ? "gardens" : "rivers"}`, tags: [`t${j % 5}`] }));
    await fetch(`${stack.baseUrl}/v1/memories/batch`, { method: "POST", headers, body: JSON.stringify({ items }) });
  }
  const load = [];
  const results = [];
  for (let i = 0; i < runs; i += 1) {
    const context = await chromium.browser.createBrowserContext();
    const page = await context.newPage();
    // Signed in already (the remembered key), as a returning user opens the app.
    await page.evaluateOnNewDocument((key) => localStorage.setItem("memo.key", key), stack.apiKey);
    const started = performance.now();
    await page.goto(`${stack.baseUrl}/app/`, { waitUntil: "load" });
    load.push(performance.now() - started);
    await page.waitForFunction(() => document.querySelectorAll(".result").length === 20);
    results.push(performance.now() - started);
    await context.close();
  }
  const { files, gzip } = appSize();
  log(`app: ${files.map((f) => `${f.name} ${f.bytes} B (${f.gzip} gzip)`).join(", ")}; ${(gzip / 1024).toFixed(1)} KiB gzip in all`);
  log(`load event: p50 ${percentile(load, 50).toFixed(0)} ms, max ${Math.max(...load).toFixed(0)} ms (${runs} runs)`);
  log(`first results shown: p50 ${percentile(results, 50).toFixed(0)} ms, max ${Math.max(...results).toFixed(0)} ms`);
} finally {
  await chromium.close();
  await stack.stop();
}
