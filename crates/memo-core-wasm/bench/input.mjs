// Benchmark inputs, byte for byte the ones of
// crates/memo-core/benches/analyze/input.rs: the seed conversation repeated,
// each copy followed by a paragraph of pseudo-words from a 32-bit LCG.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const seedPath = join(dirname(fileURLToPath(import.meta.url)), "../../memo-core/benches/analyze/seed.md");
export const SEED = readFileSync(seedPath, "utf8");

const SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "tor", "vel", "qui", "dan", "pe", "shi", "zu", "mar", "io", "bel", "ten"];

/** `size` bytes of input, cut on a character boundary. */
export function input(size) {
  let state = 0x2545f491;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 16;
  };
  const parts = [];
  let length = 0;
  const seedLength = Buffer.byteLength(SEED);
  for (let note = 0; length < size; note++) {
    const words = [];
    for (let w = 0; w < 40; w++) {
      let word = "";
      const syllables = 2 + (next() % 3);
      for (let s = 0; s < syllables; s++) word += SYLLABLES[next() % 16];
      words.push(word);
    }
    const paragraph = `\nNote ${note}: ${words.join(" ")}.\n\n`;
    parts.push(SEED, paragraph);
    length += seedLength + Buffer.byteLength(paragraph);
  }
  const bytes = Buffer.from(parts.join(""));
  let end = Math.min(size, bytes.length);
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}
