// `npm run extension`: one source, a build per browser with store-ready zips,
// manifests that ask for no host up front, and a Firefox build that passes
// `web-ext lint`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, test } from "node:test";
import { buildExtension, GECKO_ID } from "../extension/build.mjs";
import { root } from "../scripts/lib/toolchain.mjs";

let built;
before(async () => {
  built = Object.fromEntries((await buildExtension()).map((b) => [b.browser, b]));
});

const manifestOf = (browser) => JSON.parse(readFileSync(path.join(built[browser].dir, "manifest.json"), "utf8"));

test("each browser gets its manifest from the one source, and a zip", () => {
  const chromium = manifestOf("chromium");
  const firefox = manifestOf("firefox");
  assert.equal(chromium.manifest_version, 3);
  assert.deepEqual(chromium.background, { service_worker: "background.js" });
  assert.deepEqual(firefox.background, { scripts: ["background.js"] });
  assert.equal(firefox.browser_specific_settings.gecko.id, GECKO_ID);
  for (const manifest of [chromium, firefox]) {
    assert.match(manifest.content_security_policy.extension_pages, /'wasm-unsafe-eval'/);
    assert.equal(manifest.host_permissions, undefined, "the shipped build asks for no host at install");
    assert.ok(manifest.permissions.includes("storage") && !manifest.permissions.includes("<all_urls>"));
    assert.deepEqual(Object.keys(manifest.commands).sort(), ["_execute_action", "save-page"]);
  }
  for (const b of Object.values(built)) {
    assert.ok(existsSync(b.zip) && b.zipBytes > 10_000, b.zip);
    const listing = execFileSync("unzip", ["-Z1", b.zip], { encoding: "utf8" }).split("\n");
    for (const file of ["manifest.json", "background.js", "content.js", "popup.html", "popup.js", "options.html", "memo_core.wasm"]) {
      assert.ok(listing.includes(file), `${file} in ${b.zip}`);
    }
  }
  // The fixture-page mapping exists only in the test build.
  assert.doesNotMatch(readFileSync(path.join(built.chromium.dir, "content.js"), "utf8"), /127\.0\.0\.1/);
});

test("the Firefox build passes web-ext lint", () => {
  const result = execFileSync(
    path.join(root, "node_modules", ".bin", "web-ext"),
    ["lint", "--source-dir", built.firefox.dir, "--output", "json", "--no-input"],
    { encoding: "utf8" },
  );
  const report = JSON.parse(result);
  assert.equal(report.summary.errors, 0, JSON.stringify(report.errors, null, 2));
});
