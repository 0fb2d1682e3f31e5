// Loads the built ES module (crates/memo-core-wasm/pkg) in Node and reads
// the golden corpus shared with the native tests.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const crateDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkgDir = join(crateDir, "pkg");

/** The module's exports, initialised from the .wasm file on disk. */
export async function loadModule() {
  const modulePath = join(pkgDir, "memo_core_wasm.js");
  if (!existsSync(modulePath)) {
    throw new Error(`${modulePath} is missing: run node crates/memo-core-wasm/build.mjs first`);
  }
  const module = await import(modulePath);
  module.initSync({ module: readFileSync(join(pkgDir, "memo_core_wasm_bg.wasm")) });
  return module;
}

/** The golden cases of crates/memo-core/tests/golden, in file-name order. */
export function goldenCases() {
  const dir = join(crateDir, "..", "memo-core", "tests", "golden");
  return readdirSync(dir)
    .filter((name) => name.endsWith(".capture"))
    .sort()
    .map((name) => parseCase(name.replace(/\.capture$/, ""), readFileSync(join(dir, name), "utf8")));
}

const list = (value) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

function parseCase(name, text) {
  const split = text.indexOf("\n---\n");
  if (split < 0) throw new Error(`${name}: missing the --- line`);
  const content = text.slice(split + 5).replace(/\n$/, "");
  const capture = { content, capturedAt: "2026-11-03T09:30:00Z" };
  const expected = {};
  for (const line of text.slice(0, split).split("\n")) {
    const colon = line.indexOf(":");
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ +/, "");
    switch (key) {
      case "source":
      case "title":
        capture[key] = value;
        break;
      case "tags":
        capture.tags = list(value);
        break;
      case "metadata":
        capture.metadata = JSON.parse(value);
        break;
      case "captured_at":
        capture.capturedAt = value;
        break;
      case "expect_title":
        expected.title = value;
        break;
      case "expect_kind":
        expected.kind = value;
        break;
      case "expect_tags":
        expected.tags = list(value);
        break;
      default:
        throw new Error(`${name}: unknown header key ${key}`);
    }
  }
  return { name, capture, expected };
}
