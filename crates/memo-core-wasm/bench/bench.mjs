// Throughput of the wasm analyze() in Node on the inputs of the native
// criterion bench (4 KB, 64 KB, 1 MB).
//
//   node crates/memo-core-wasm/build.mjs && node crates/memo-core-wasm/bench/bench.mjs
//
// Prints the median wall time and the median CPU time of the process
// (process.cpuUsage: user + system, all threads, so it includes V8's
// helper threads) per call. On a shared machine the CPU time is the figure
// to compare with the native bench run with MEMO_BENCH_CPU_TIME=1.

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
  const wall = [];
  const cpu = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const start = performance.now();
    const startCpu = process.cpuUsage();
    analyze(capture(content));
    const used = process.cpuUsage(startCpu);
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (samples) => samples.sort((a, b) => a - b)[Math.floor(samples.length / 2)];
  return { wall: median(wall), cpu: median(cpu), runs: wall.length };
}

console.log(`node ${process.version}, ${SECONDS} s per size`);
for (const [label, size] of SIZES) {
  const content = input(size);
  const bytes = Buffer.byteLength(content);
  const sha = createHash("sha256").update(content).digest("hex").slice(0, 12);
  measure(content, SECONDS / 5);
  const { wall, cpu, runs } = measure(content, SECONDS);
  const rate = (ms) => (bytes / (1 << 20) / (ms / 1000)).toFixed(1);
  console.log(
    `analyze/${label.padEnd(5)} ${bytes} bytes (sha256 ${sha}): ` +
      `wall ${wall.toFixed(3)} ms = ${rate(wall)} MiB/s, cpu ${cpu.toFixed(3)} ms = ${rate(cpu)} MiB/s, ${runs} runs`,
  );
}
