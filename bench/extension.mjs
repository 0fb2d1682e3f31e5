// The extension's figures (BENCHMARKS.md), against a local stack (embedded
// Postgres + wrangler dev):
//   1. click to "Saved." in the popup, in Chromium with the extension loaded:
//      p50 and p95 over --saves saves of fresh fixture ChatGPT conversations,
//      timed inside the popup page (from the click to the status text);
//   2. the queue's flush rate: --queued captures queued, then sent through
//      POST /v1/memories/batch by the extension's own queue code (in Node);
//   3. the extension's size: each browser's zip and its unpacked files.
//
//   npm run bench:extension -- [--saves 50] [--queued 1000]
import { randomUUID } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildWorker } from "../scripts/build-worker.mjs";
import { ensureToolchain } from "../scripts/lib/toolchain.mjs";

const { values } = parseArgs({ options: { saves: { type: "string", default: "50" }, queued: { type: "string", default: "1000" } } });
ensureToolchain();
const { startScratchStack } = await import("../scripts/lib/stack.mjs");
const { launchChromium } = await import("../scripts/lib/browsers.mjs");
const { buildExtension } = await import("../extension/build.mjs");
const { ExtensionDriver, fixtureServer, until } = await import("../tests/helpers/extension.mjs");
const { Api } = await import("../extension/src/lib/api.js");
const { memoryStorage, Queue } = await import("../extension/src/lib/queue.js");

buildWorker();
const stack = await startScratchStack("bench-extension");
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const dirBytes = (dir) => readdirSync(dir, { recursive: true }).reduce((n, f) => n + (statSync(path.join(dir, f)).isFile() ? statSync(path.join(dir, f)).size : 0), 0);

try {
  const [testBuild, shipped, fixtures] = await Promise.all([buildExtension({ test: true }), buildExtension(), fixtureServer()]);
  const chromium = await launchChromium({ extension: testBuild.find((b) => b.browser === "chromium").dir });
  const ext = new ExtensionDriver(chromium.browser, `chrome-extension://${chromium.extensionId}`);
  await ext.configure({ apiBase: stack.baseUrl, apiKey: stack.apiKey });
  const clickToSaved = [];
  for (let i = 0; i < Number(values.saves); i++) {
    const { page, tabId } = await ext.open(fixtures.url(`/chatgpt.com/c/${randomUUID()}`));
    const popup = await ext.popup(tabId);
    await until(popup, () => !document.getElementById("save").disabled);
    clickToSaved.push(
      await popup.evaluate(
        () =>
          new Promise((resolve) => {
            const status = document.getElementById("status");
            const started = performance.now();
            new MutationObserver(() => {
              if (status.textContent.startsWith("Saved")) resolve(performance.now() - started);
            }).observe(status, { childList: true, characterData: true, subtree: true });
            document.getElementById("save").click();
          }),
      ),
    );
    await Promise.all([popup.close(), page.close()]);
  }
  await chromium.close();
  await fixtures.close();

  const queue = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: stack.baseUrl, apiKey: stack.apiKey }) });
  const n = Number(values.queued);
  await queue.add(Array.from({ length: n }, (_, i) => ({ content: `Benchmark capture ${i} ${randomUUID()}: notes on queue flushing.`, source: "memo-extension" })));
  const started = performance.now();
  const report = await queue.flush();
  const seconds = (performance.now() - started) / 1000;
  if (report.sent !== n) throw new Error(`flushed ${report.sent} of ${n}`);

  console.log(`click to "Saved." (${clickToSaved.length} saves, headless Chromium): p50 ${percentile(clickToSaved, 50).toFixed(0)} ms, p95 ${percentile(clickToSaved, 95).toFixed(0)} ms`);
  console.log(`queue flush: ${n} captures in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(0)} captures/s`);
  for (const b of shipped) console.log(`size ${b.browser}: zip ${(b.zipBytes / 1024).toFixed(1)} KB, unpacked ${(dirBytes(b.dir) / 1024).toFixed(1)} KB`);
} finally {
  await stack.stop();
}
