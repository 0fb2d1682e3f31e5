#!/usr/bin/env node
// Builds memo-core for the browser: an ES module (`--target web`) in
// crates/memo-core-wasm/pkg/, optimised with wasm-opt, and prints its sizes.
//
//   node crates/memo-core-wasm/build.mjs
//
// Needs the wasm32-unknown-unknown target, the wasm-bindgen CLI at the
// version pinned in Cargo.toml (0.2.130) and the repository's npm packages
// (binaryen's wasm-opt). CARGO_TARGET_DIR is honoured (default: target/).

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const crateDir = dirname(fileURLToPath(import.meta.url));
const rootDir = resolve(crateDir, "../..");
const pkgDir = join(crateDir, "pkg");
const targetDir = resolve(rootDir, process.env.CARGO_TARGET_DIR ?? "target");
const WASM_BINDGEN_VERSION = "0.2.130";

function run(command, args, options = {}) {
  console.log(`$ ${[command, ...args].join(" ")}`);
  execFileSync(command, args, { stdio: "inherit", cwd: rootDir, ...options });
}

function findWasmBindgen() {
  const candidates = [
    process.env.WASM_BINDGEN,
    join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin", "wasm-bindgen"),
    "wasm-bindgen",
  ].filter(Boolean);
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate, ["--version"], { encoding: "utf8" }).trim();
      if (version.endsWith(WASM_BINDGEN_VERSION)) return candidate;
      console.warn(`skipping ${candidate}: ${version}, want ${WASM_BINDGEN_VERSION}`);
    } catch {
      // Not there; try the next one.
    }
  }
  throw new Error(
    `wasm-bindgen ${WASM_BINDGEN_VERSION} not found: cargo install wasm-bindgen-cli --version ${WASM_BINDGEN_VERSION} --locked`,
  );
}

function build() {
  run("cargo", ["build", "-p", "memo-core-wasm", "--target", "wasm32-unknown-unknown", "--release"], {
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
  });
  const built = join(targetDir, "wasm32-unknown-unknown", "release", "memo_core_wasm.wasm");

  rmSync(pkgDir, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  run(findWasmBindgen(), ["--target", "web", "--no-typescript", "--out-dir", pkgDir, built]);

  const wasm = join(pkgDir, "memo_core_wasm_bg.wasm");
  const wasmOpt = join(rootDir, "node_modules", ".bin", "wasm-opt");
  if (existsSync(wasmOpt)) {
    // The features rustc enables by default for wasm32-unknown-unknown.
    const features = [
      "--enable-bulk-memory",
      "--enable-nontrapping-float-to-int",
      "--enable-sign-ext",
      "--enable-mutable-globals",
      "--enable-reference-types",
      "--enable-multivalue",
    ];
    run(wasmOpt, ["-O3", ...features, "--strip-debug", "--strip-producers", wasm, "-o", wasm]);
  } else {
    console.warn("node_modules/.bin/wasm-opt not found (npm install?): keeping the unoptimised module");
  }

  const sizes = {};
  for (const file of ["memo_core_wasm_bg.wasm", "memo_core_wasm.js"]) {
    const bytes = readFileSync(join(pkgDir, file));
    sizes[file] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  }
  writeFileSync(join(pkgDir, "sizes.json"), `${JSON.stringify(sizes, null, 2)}\n`);
  for (const [file, { bytes, gzip }] of Object.entries(sizes)) {
    console.log(`${file}: ${(bytes / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzip`);
  }
}

build();
