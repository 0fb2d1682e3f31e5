// Stamps of a step's inputs: a digest of every file it reads, so `npm test`
// and the builds skip work whose inputs have not changed since it last passed.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { root } from "./toolchain.mjs";

/** Folders never read as inputs: build output and installed packages. */
const SKIPPED = new Set(["target", "pkg", "node_modules", "corpus", "artifacts"]);

function* files(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return;
  if (statSync(full).isDirectory()) {
    for (const child of readdirSync(full).sort()) if (!SKIPPED.has(child)) yield* files(path.join(entry, child));
  } else {
    yield entry;
  }
}

/** SHA-256 over the names and contents of the files under `entries` (paths from the repository root). */
export function inputsDigest(entries, salt = "") {
  const hash = createHash("sha256").update(`${salt}\0`);
  for (const entry of entries) {
    for (const file of files(entry)) hash.update(file).update("\0").update(readFileSync(path.join(root, file)));
  }
  return hash.digest("hex");
}

/** Whether `stampFile` records `digest`. */
export function isCurrent(stampFile, digest) {
  return existsSync(stampFile) && readFileSync(stampFile, "utf8") === digest;
}

/** Records `digest` in `stampFile`. */
export function markCurrent(stampFile, digest) {
  mkdirSync(path.dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, digest);
}
