// The web app's search at the search bench's size: the time from a keystroke
// in the search box to the results shown, measured in headless Chromium
// against `wrangler dev` on bench/search's data set (1M memories by default;
// loaded once by bench/search/data.mjs, then reused).
//
//   node bench/webapp-search.mjs [--rows 1000000] [--tenants 4] [--rounds 4]
//                                [--min-key-ms 60] [--max-key-ms 260] [--worker-log-level warn]
//                                [--data-dir .dev/bench-search]
//
// Every round signs in as the next tenant (a fresh browser profile, the key
// remembered) and types each query of bench/search's mix into the box one
// character at a time, a random 60–260 ms between keys (75 words a minute on
// average): pauses longer than the app's debounce (web/src/timing.js) send a request the
// next key makes stale and the app aborts, as for a real user. The page is
// instrumented, not the app: a capture-phase `input` listener stamps each
// keystroke, a wrapper around `fetch` stamps each search request, and a
// MutationObserver stamps the DOM commit that shows a search's results (the
// screen-reader status line "N memories shown" is filled in the same render
// as the results list, also when the list itself is unchanged), and the
// next animation frame after it (painted). After each query, the same search
// (the app's URL, limit 20, the same tenant) straight from Node: the
// server's share, in the same run. Prints Markdown tables.
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import { QUERY_MIX, random } from "./search/corpus.mjs";
import { openDataSet, summary } from "./search/data.mjs";
import { SEARCH_DEBOUNCE_MS } from "../web/src/timing.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    tenants: { type: "string", default: "4" },
    rounds: { type: "string", default: "4" },
    "min-key-ms": { type: "string", default: "60" },
    "max-key-ms": { type: "string", default: "260" },
    "worker-log-level": { type: "string", default: "warn" },
    "data-dir": { type: "string" },
  },
});
const minKey = Number(values["min-key-ms"]);
const maxKey = Number(values["max-key-ms"]);
// The app's own constants (web/src/main.js).
const PAGE = 20;

// As bench/search/run.mjs runs the stack, so the two benches' figures compare.
const { stack, db, tenants, n, size } = await openDataSet({
  rows: Number(values.rows),
  tenants: Number(values.tenants),
  vars: { RATE_LIMIT_ENABLED: "false", LOG_LEVEL: values["worker-log-level"] },
  logLevel: "warn",
  dir: values["data-dir"] ? path.resolve(values["data-dir"]) : undefined,
});
const { launchChromium } = await import("../scripts/lib/browsers.mjs");
const { log } = await import("../scripts/lib/toolchain.mjs");

/** Runs in the page before the app: stamps keystrokes, search requests and results shown. */
function instrument() {
  const bench = { inputs: [], requests: [], shown: [] };
  window.__bench = bench;
  document.addEventListener("input", (event) => {
    if (event.target.id === "q") bench.inputs.push({ t: event.timeStamp, value: event.target.value });
  }, true);
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = new URL(String(input?.url ?? input), location.href);
    const promise = fetch.call(this, input, init);
    if (url.pathname === "/v1/search") {
      const request = { q: url.searchParams.get("q"), start: performance.now() };
      bench.requests.push(request);
      promise.then((response) => {
        request.headers = performance.now();
        request.status = response.status;
        request.serverTiming = response.headers.get("server-timing");
      }, (error) => {
        request.failed = performance.now();
        request.aborted = error.name === "AbortError";
      });
    }
    return promise;
  };
  let shown = false;
  new MutationObserver(() => {
    const status = document.querySelector("section.search p.visually-hidden[role=status]");
    const now = !!status?.textContent;
    if (now && !shown) {
      const event = { t: performance.now(), results: document.querySelectorAll("ol.results > li").length };
      bench.shown.push(event);
      requestAnimationFrame(() => { event.painted = performance.now(); });
    }
    shown = now;
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

/** The same search from Node: its time and the worker's own total (Server-Timing). */
async function serverSearch(q, tenant) {
  const t0 = performance.now();
  const response = await fetch(`${stack.baseUrl}/v1/search?${new URLSearchParams({ limit: String(PAGE), q })}`, {
    headers: { authorization: `Bearer ${tenant.key}` },
  });
  const body = await response.json();
  if (response.status !== 200) throw new Error(`search ${q}: ${response.status} ${JSON.stringify(body)}`);
  const total = (response.headers.get("server-timing") ?? "").match(/total;dur=([\d.]+)/)?.[1];
  return { ms: performance.now() - t0, worker: Number(total), hits: body.items.length };
}

const chromium = await launchChromium();
const rand = random(7);
const samples = {
  lastKey: [], // last keystroke → results in the DOM (the debounce included)
  painted: [], // last keystroke → the frame after (painted)
  asked: [], // the app's request sent (debounce over) → results in the DOM
  fetch: [], // the request as the page sees it: sent → response headers
  render: [], // response headers → results in the DOM (body, JSON, Preact)
  serverWorker: [], // the worker's own total for the same search (Server-Timing)
  serverNode: [], // the same search from Node, one at a time
};
const perQuery = new Map(QUERY_MIX.map((q) => [q, { lastKey: [], server: [], hits: 0 }]));
let sent = 0;
let aborted = 0;
let answeredStale = 0;
try {
  // Warm-up: every query of the mix once per tenant, from Node (as
  // bench/search/run.mjs's warm-up round).
  for (const tenant of tenants) for (const q of QUERY_MIX) await serverSearch(q, tenant);

  for (let round = 0; round < Number(values.rounds); round++) {
    const tenant = tenants[round % tenants.length];
    const context = await chromium.browser.createBrowserContext();
    const page = await context.newPage();
    await page.evaluateOnNewDocument((key) => localStorage.setItem("memo.key", key), tenant.key);
    await page.evaluateOnNewDocument(instrument);
    await page.goto(`${stack.baseUrl}/app/`, { waitUntil: "load" });
    await page.waitForFunction(() => window.__bench.shown.length > 0, { timeout: 60_000 });
    await page.focus("#q");
    for (const q of QUERY_MIX) {
      // An empty box: the newest memories, asked at once (no debounce).
      if (await page.$eval("#q", (input) => input.value !== "")) {
        const before = await page.evaluate(() => window.__bench.shown.length);
        await page.$eval("#q", (input) => input.select());
        await page.keyboard.press("Backspace");
        const cleared = await page.evaluate(() => document.querySelector("#q").value === "");
        if (!cleared) throw new Error("the search box did not clear");
        await page.waitForFunction((n) => window.__bench.shown.length > n, { timeout: 60_000 }, before);
      }
      const marks = await page.evaluate(() => ({ inputs: window.__bench.inputs.length, requests: window.__bench.requests.length }));
      for (const ch of q) {
        await page.keyboard.type(ch);
        await new Promise((resolve) => setTimeout(resolve, minKey + rand() * (maxKey - minKey)));
      }
      const want = q.trim();
      await page.waitForFunction((want, mark) => {
        const b = window.__bench;
        const last = b.inputs.at(-1).t;
        const request = b.requests.slice(mark).find((r) => r.q === want && r.start >= last);
        return request && b.shown.some((s) => s.t > request.start && s.painted);
      }, { timeout: 60_000 }, want, marks.requests);
      const b = await page.evaluate((marks) => ({
        inputs: window.__bench.inputs.slice(marks.inputs),
        requests: window.__bench.requests.slice(marks.requests),
        shown: window.__bench.shown,
      }), marks);
      const last = b.inputs.at(-1);
      if (last.value !== q) throw new Error(`typed ${JSON.stringify(last.value)}, not ${JSON.stringify(q)}`);
      const request = b.requests.find((r) => r.q === want && r.start >= last.t);
      if (request.status !== 200) throw new Error(`${q}: ${request.status}`);
      const shown = b.shown.find((s) => s.t > request.start);
      sent += b.requests.length;
      aborted += b.requests.filter((r) => r.aborted).length;
      answeredStale += b.requests.filter((r) => r !== request && r.status).length;
      samples.lastKey.push(shown.t - last.t);
      samples.painted.push(shown.painted - last.t);
      samples.asked.push(shown.t - request.start);
      samples.fetch.push(request.headers - request.start);
      samples.render.push(shown.t - request.headers);
      perQuery.get(q).lastKey.push(shown.t - last.t);
      perQuery.get(q).hits = shown.results;

      const server = await serverSearch(want, tenant);
      samples.serverNode.push(server.ms);
      samples.serverWorker.push(server.worker);
      perQuery.get(q).server.push(server.ms);
    }
    await context.close();
    log(`round ${round + 1}: ${tenant.name} done`);
  }

  const f = (x) => (!Number.isFinite(x) ? "n/a" : x < 10 ? x.toFixed(1) : x.toFixed(0));
  const row = (label, xs) => {
    const s = summary(xs);
    console.log(`| ${label} | ${s.n} | ${f(s.p50)} | ${f(s.p95)} | ${f(s.p99)} |`);
  };
  console.log(`\n${n} memories, ${tenants.length} tenants, ${size}; ${values.rounds} rounds of ${QUERY_MIX.length} queries ` +
    `typed one character at a time (${minKey}–${maxKey} ms between keys), headless Chromium, wrangler dev --log-level warn, ` +
    `the worker at LOG_LEVEL=${values["worker-log-level"]}\n`);
  console.log("| ms | samples | p50 | p95 | p99 |");
  console.log("|---|---|---|---|---|");
  row(`**last keystroke → results shown** (the app's ${SEARCH_DEBOUNCE_MS} ms debounce included)`, samples.lastKey);
  row("last keystroke → the next frame (painted)", samples.painted);
  row("**request sent → results shown** (without the debounce)", samples.asked);
  row("of which the request, as the page sees it (sent → response headers)", samples.fetch);
  row("of which the page's own work (body, JSON, render)", samples.render);
  row("the same search from Node, right after (the server's share)", samples.serverNode);
  row("of which in the worker (Server-Timing total)", samples.serverWorker);
  console.log(`\nsearch requests the page sent: ${sent} for ${samples.lastKey.length} queries; ` +
    `${aborted} aborted as stale by a later key, ${answeredStale} answered before the next key`);
  console.log("\nper query, ms\n");
  console.log("| q | last key → shown p50 | max | server (Node) p50 | results shown |");
  console.log("|---|---|---|---|---|");
  for (const [q, s] of perQuery) {
    const k = summary(s.lastKey);
    console.log(`| \`${q}\` | ${f(k.p50)} | ${f(Math.max(...s.lastKey))} | ${f(summary(s.server).p50)} | ${s.hits} |`);
  }
} finally {
  await chromium.close();
  await db.end().catch(() => {});
  await stack.stop();
}
