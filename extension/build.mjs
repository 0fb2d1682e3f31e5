#!/usr/bin/env node
// `npm run extension`: builds the Memo extension from extension/src for each
// browser into build/extension/<browser>/ (git-ignored) and writes
// store-ready zips beside them (build/extension/memo-<browser>.zip).
//
//   node extension/build.mjs                 # the shipped builds
//   node extension/build.mjs --test          # build/extension-test/: also reads fixture pages on 127.0.0.1
//
// One source, two manifests: Chromium runs the background as a service
// worker, Firefox as an event page (`background.scripts`) with its add-on id.
// The test build differs only in what the tests need and a person must not
// get: fixture chat pages served from 127.0.0.1 are read by the chat
// adapters, and 127.0.0.1 (fixture pages and the local API) and the chat
// sites (auto-save) are granted host permissions.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { PNG } from "pngjs";
import { ADAPTERS, autoSaveTargets } from "./src/capture/adapters/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const src = path.join(here, "src");
const wasmPkg = path.join(root, "crates", "memo-core-wasm", "pkg");
const pkg = JSON.parse(readFileSync(path.join(here, "package.json"), "utf8"));

export const GECKO_ID = "memo-extension@memo.invalid";
export const BROWSERS = ["chromium", "firefox"];

function manifest(browser, test) {
  const common = {
    manifest_version: 3,
    name: "Memo",
    version: pkg.version,
    description: "Save AI chats, pages and selections to your Memo server in one click; recall them from the toolbar.",
    icons: { 16: "icons/idle-16.png", 32: "icons/idle-32.png", 48: "icons/idle-48.png", 128: "icons/idle-128.png" },
    action: { default_popup: "popup.html", default_title: "Save to Memo", default_icon: { 16: "icons/idle-16.png", 32: "icons/idle-32.png" } },
    options_ui: { page: "options.html", open_in_tab: true },
    permissions: ["storage", "contextMenus", "scripting", "activeTab", "alarms", "tabs"],
    // The API's origin (asked for in the options) and the chat sites whose
    // auto-save the user turns on: each asked for when needed, never up front.
    optional_host_permissions: ["https://*/*", "http://*/*"],
    // The test build has at install what a person grants when asked (a
    // headless browser cannot answer the prompt): 127.0.0.1 and the chat sites.
    ...(test ? { host_permissions: ["http://127.0.0.1/*", ...ADAPTERS.flatMap((a) => autoSaveTargets(a, []).origins)] } : {}),
    commands: {
      "save-page": { suggested_key: { default: "Alt+Shift+S" }, description: "Save this page or conversation to Memo" },
      _execute_action: { suggested_key: { default: "Alt+Shift+M" } },
    },
    // Extension pages instantiate memo-core's wasm module.
    content_security_policy: { extension_pages: "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'" },
  };
  if (browser === "firefox") {
    return {
      ...common,
      background: { scripts: ["background.js"] },
      browser_specific_settings: {
        // 140: the first ESR that reads data_collection_permissions.
        gecko: { id: GECKO_ID, strict_min_version: "140.0", data_collection_permissions: { required: ["none"] } },
        gecko_android: { strict_min_version: "142.0" },
      },
    };
  }
  return { ...common, background: { service_worker: "background.js" }, minimum_chrome_version: "120" };
}

/** A round toolbar icon: a ring when the page is not in Memo, a filled disc when it is. */
function icon(size, saved) {
  const png = new PNG({ width: size, height: size });
  const c = (size - 1) / 2;
  const outer = size / 2 - 0.5;
  const ring = Math.max(1.5, size / 8);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - c, y - c);
      const inside = d <= outer && (saved || d >= outer - ring);
      const i = (y * size + x) * 4;
      const [r, g, b] = saved ? [20, 108, 46] : [11, 87, 208];
      png.data.set(inside ? [r, g, b, 255] : [0, 0, 0, 0], i);
    }
  }
  return PNG.sync.write(png);
}

function ensureWasm() {
  if (existsSync(path.join(wasmPkg, "memo_core_wasm_bg.wasm"))) return;
  execFileSync(process.execPath, [path.join(root, "crates", "memo-core-wasm", "build.mjs")], { stdio: "inherit", cwd: root });
}

async function buildOne(browser, { test, outRoot }) {
  const out = path.join(outRoot, browser);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(path.join(out, "icons"), { recursive: true });
  const shared = {
    bundle: true,
    minify: !test,
    sourcemap: false,
    target: browser === "firefox" ? "firefox140" : "chrome120",
    define: { MEMO_FIXTURE_HOSTS: JSON.stringify(test ? ["127.0.0.1"] : []) },
    alias: { "memo-core-wasm": path.join(wasmPkg, "memo_core_wasm.js") },
    logLevel: "warning",
    legalComments: "none",
  };
  await esbuild.build({
    ...shared,
    format: "iife",
    entryPoints: {
      background: path.join(src, "background", "main.js"),
      content: path.join(src, "capture", "content.js"),
      autosave: path.join(src, "capture", "autosave.js"),
    },
    outdir: out,
  });
  await esbuild.build({
    ...shared,
    format: "esm",
    entryPoints: { popup: path.join(src, "popup", "popup.js"), options: path.join(src, "options", "options.js") },
    outdir: out,
  });
  for (const file of ["popup/popup.html", "popup/popup.css", "options/options.html", "options/options.css"]) {
    copyFileSync(path.join(src, file), path.join(out, path.basename(file)));
  }
  copyFileSync(path.join(wasmPkg, "memo_core_wasm_bg.wasm"), path.join(out, "memo_core.wasm"));
  for (const size of [16, 32, 48, 128]) {
    writeFileSync(path.join(out, "icons", `idle-${size}.png`), icon(size, false));
    writeFileSync(path.join(out, "icons", `saved-${size}.png`), icon(size, true));
  }
  writeFileSync(path.join(out, "manifest.json"), `${JSON.stringify(manifest(browser, test), null, 2)}\n`);
  const zip = path.join(outRoot, `memo-${browser}.zip`);
  rmSync(zip, { force: true });
  // -X: no extra file attributes, -D: no directory entries; stores accept the plain archive.
  execFileSync("zip", ["-q", "-r", "-X", "-D", zip, "."], { cwd: out });
  return { browser, dir: out, zip, zipBytes: statSync(zip).size };
}

/**
 * Builds each of `browsers` (both by default); resolves to
 * [{browser, dir, zip, zipBytes}]. Each browser has its own folder and zip,
 * so test files building one browser each can run at once.
 */
export async function buildExtension({ test = false, browsers = BROWSERS } = {}) {
  ensureWasm();
  const outRoot = path.join(root, "build", test ? "extension-test" : "extension");
  mkdirSync(outRoot, { recursive: true });
  return Promise.all(browsers.map((browser) => buildOne(browser, { test, outRoot })));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildExtension({ test: process.argv.includes("--test") });
  for (const b of built) console.log(`${b.browser}: ${path.relative(root, b.dir)} (${path.relative(root, b.zip)}, ${(b.zipBytes / 1024).toFixed(1)} KB)`);
}
