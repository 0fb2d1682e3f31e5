// Throughput of the wasm analyze() in Node on the inputs of the native
// criterion bench (4 KB, 64 KB, 1 MB).
//
//   node crates/memo-core-wasm/build.mjs && node crates/memo-core-wasm/bench/bench.mjs

import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";

import { loadModule } from "../tests/load.mjs";
import { input } from "./input.mjs";

const { analyze } = await loadModule();
const SIZES = [
  ["4KB", 4 << 10],
  ["64KB", 64 << 10],
  ["1MB", 1 << 20],
];
/** Seconds spent measuring each size, after a warm-up of a fifth of that. */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const capture = (content) => ({
  content,
  source: "chatgpt-extension-v2",
  tags: ["work"],
  metadata: { url: "https://chatgpt.com/c/6750a1b2", messageCount: 4 },
  capturedAt: "2026-11-03T09:30:00Z",
});

function measure(content, seconds) {
  const samples = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    analyze(capture(content));
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples;
}

console.log(`node ${process.version}, ${SECONDS} s per size`);
for (const [label, size] of SIZES) {
  const content = input(size);
  const bytes = Buffer.byteLength(content);
  const sha = createHash("sha256").update(content).digest("hex").slice(0, 12);
  measure(content, SECONDS / 5);
  const samples = measure(content, SECONDS);
  const median = samples[Math.floor(samples.length / 2)];
  const mbPerSecond = bytes / (1 << 20) / (median / 1000);
  console.log(
    `analyze/${label.padEnd(5)} ${bytes} bytes (sha256 ${sha}): median ${median.toFixed(3)} ms, ` +
      `${mbPerSecond.toFixed(1)} MiB/s, ${samples.length} runs`,
  );
}
