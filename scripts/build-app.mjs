// The web app's bundle: web/src/main.js and its npm packages (Preact, htm,
// marked, DOMPurify) into web/public/app/app.js, minified, with no CDN at run
// time. Run by the worker's build (scripts/build-worker.mjs), so `npm run
// dev`, `npm run serve`, `npm test` and `wrangler deploy` serve a fresh app.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { log, root, run, toolEnv } from "./lib/toolchain.mjs";

export const appDir = path.join(root, "web", "public", "app");

/** The app's files as served, gzipped (what BENCHMARKS.md records). */
export function appSize() {
  const files = ["index.html", "app.css", "app.js"].map((name) => {
    const bytes = readFileSync(path.join(appDir, name));
    return { name, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((sum, f) => sum + f.gzip, 0) };
}

export function buildApp() {
  run(toolEnv().ESBUILD_BIN, [
    path.join(root, "web", "src", "main.js"),
    "--bundle", "--minify", "--format=esm", "--target=es2022", "--legal-comments=none",
    `--outfile=${path.join(appDir, "app.js")}`, "--log-level=warning",
  ]);
  log(`web app built: ${(appSize().gzip / 1024).toFixed(1)} KiB gzip (web/public/app)`);
}

if (import.meta.url === `file://${process.argv[1]}`) buildApp();
