// How the web app is served (issue 22), the same under wrangler dev (Workers
// static assets, wrangler.toml [assets]) and under plain workerd (`npm run
// serve`, scripts/lib/workerd.mjs): /app/ with a strict CSP, the API never
// answered from a file, and GET / sending browsers to /app/ while JSON
// clients keep the old status.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { freePort } from "../scripts/lib/stack.mjs";
import { startWorkerd } from "../scripts/lib/workerd.mjs";
import { Client, spawnApp } from "./helpers/app.mjs";

let app;
let workerd;
let scratch;
before(async () => {
  app = await spawnApp();
  scratch = mkdtempSync(path.join(os.tmpdir(), "memo-workerd-"));
  workerd = await startWorkerd({ databaseUrl: app.databaseUrl, port: await freePort(), scratch });
});
after(async () => {
  await workerd?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function servesTheApp(baseUrl, key) {
  const browser = await fetch(`${baseUrl}/`, { headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" }, redirect: "manual" });
  assert.equal(browser.status, 302);
  assert.equal(browser.headers.get("location"), "/app/");
  const json = await new Client(baseUrl, key).get("/");
  assert.equal(json.status, 200);
  assert.equal(json.body.status, "healthy");
  const legacy = await fetch(`${baseUrl}/`, { headers: { accept: "*/*", "x-api-key": key } });
  assert.equal((await legacy.json()).status, "healthy");

  const page = await fetch(`${baseUrl}/app/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type"), /^text\/html/);
  const csp = page.headers.get("content-security-policy");
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|http/);
  assert.match(await page.text(), /<script type="module" src="app.js">/);
  for (const [file, type] of [["app.js", /javascript/], ["app.css", /css/]]) {
    const response = await fetch(`${baseUrl}/app/${file}`);
    assert.equal(response.status, 200, file);
    assert.match(response.headers.get("content-type"), type);
    assert.ok((await response.text()).length > 1000, file);
  }
  // /app/ holds files only: a missing one is an empty 404, index.html is its folder.
  assert.equal((await fetch(`${baseUrl}/app/nope.js`)).status, 404);
  const index = await fetch(`${baseUrl}/app/index.html`, { redirect: "manual" });
  assert.equal(index.status, 307);
  assert.equal(index.headers.get("location"), "/app/");
  // Everything outside /app/ is the worker's: JSON 404s, never a file.
  for (const missing of ["/_headers", "/app/../_headers", "/app", "/index.html"]) {
    const response = await fetch(`${baseUrl}${missing}`);
    assert.equal(response.status, 404, missing);
    assert.equal((await response.json()).error.code, "not_found");
  }
}

test("wrangler dev serves the app as static assets", async () => {
  await servesTheApp(app.baseUrl, app.tenant().key);
});

test("plain workerd (npm run serve) serves the same files with the same headers", async () => {
  const { key } = app.tenant();
  await servesTheApp(workerd.baseUrl, key);
  const wrangler = await (await fetch(`${app.baseUrl}/app/app.js`)).text();
  assert.equal(await (await fetch(`${workerd.baseUrl}/app/app.js`)).text(), wrangler);
});
