// The web app (issue 22) in real headless Chromium against the real stack:
// sign-in, search as you type with paging, the memory view and its edits,
// tidying tags, bulk edits, export and import, XSS, keyboard, and axe on each
// view. Screenshots go to .dev/screenshots (MEMO_UPDATE_SCREENSHOTS=1 writes
// the README's copies in docs/webapp/).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { launchChromium } from "../scripts/lib/browsers.mjs";
import { root } from "../scripts/lib/toolchain.mjs";
import { spawnApp } from "./helpers/app.mjs";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const shots = path.join(root, process.env.MEMO_UPDATE_SCREENSHOTS === "1" ? "docs/webapp" : ".dev/screenshots");

let app;
let chromium;
before(async () => {
  app = await spawnApp();
  chromium = await launchChromium();
  mkdirSync(shots, { recursive: true });
});
after(() => chromium?.close());

/** A fresh browser profile (its own storage) and a page in it. */
async function newPage({ bypassCsp = false, width = 1100, height = 800 } = {}) {
  const context = await chromium.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width, height });
  if (bypassCsp) await page.setBypassCSP(true);
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.errors = errors;
  // The app works within its Content-Security-Policy: nothing it does is refused.
  await page.evaluateOnNewDocument(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.closeAll = async () => {
    if (!bypassCsp) assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], "CSP violations");
    await context.close();
  };
  return page;
}

async function signIn(page, key, { remember = false } = {}) {
  await page.goto(`${app.baseUrl}/app/`);
  await page.waitForSelector("#key");
  await page.type("#key", key);
  if (remember) await page.click("input[name=remember]");
  await page.click("button[type=submit]");
  await page.waitForSelector("#q");
}

/** axe-core on the page as it is: no serious or critical violations. */
async function axe(page, view) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`));
  assert.deepEqual(violations, [], `axe on ${view}`);
}

const shot = (page, name) => page.screenshot({ path: path.join(shots, `${name}.png`) });
const count = (page, selector) => page.$$eval(selector, (nodes) => nodes.length);
async function waitForCount(page, selector, n) {
  await page.waitForFunction((s, n) => document.querySelectorAll(s).length === n, { timeout: 15_000 }, selector, n);
}
async function batch(client, items) {
  const r = await client.post("/v1/memories/batch", { items });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.summary.failed, 0, JSON.stringify(r.body));
  return r.body.results.map((x) => x.memory);
}
async function setInput(page, selector, value) {
  await page.$eval(selector, (input) => (input.value = ""));
  await page.type(selector, value);
}

test("a bad key shows a clear error, and nothing is stored", async () => {
  const page = await newPage();
  await page.goto(`${app.baseUrl}/app/`);
  await axe(page, "sign-in");
  await page.type("#key", "memo_not_a_real_key");
  await page.click("button[type=submit]");
  const alert = await page.waitForSelector("[role=alert]");
  assert.match(await alert.evaluate((e) => e.textContent), /not accepted/);
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0);
  await shot(page, "sign-in-error");
  await page.closeAll();
});

test("sign in, search by a word and by #tag, scroll to the next page, sign out", async () => {
  const { client, key } = app.tenant();
  await batch(client, Array.from({ length: 25 }, (_, i) => ({ content: `Zebra sighting number ${i} near the river crossing`, tags: ["stripes"] })));
  await batch(client, [{ content: "A note about kettles and tea", tags: ["kitchen"] }]);
  const page = await newPage();
  await signIn(page, key);
  assert.equal(await page.evaluate(() => sessionStorage.length), 1, "kept for the session only");
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  await waitForCount(page, ".result", 20);
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await waitForCount(page, ".result", 26);

  await page.type("#q", "zebra");
  await page.waitForFunction(() => {
    const results = [...document.querySelectorAll(".result")];
    return results.length === 20 && results.every((r) => r.querySelector("mark")?.textContent.toLowerCase() === "zebra");
  });
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await waitForCount(page, ".result", 25);
  await axe(page, "search results");
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot(page, "search");

  await setInput(page, "#q", "#kitchen");
  await waitForCount(page, ".result", 1);
  assert.deepEqual(await page.$$eval(".chip", (c) => c.map((x) => x.firstChild.textContent.trim())), ["#kitchen"]);
  await page.click(".chip button");
  await waitForCount(page, ".result", 20);
  assert.equal(await page.$eval("#q", (q) => q.value), "");

  await page.click("header button");
  await page.waitForSelector("#key");
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0, "sign-out forgets the key");
  await signIn(page, key, { remember: true });
  assert.equal(await page.evaluate(() => localStorage.length), 1, "remembered on this device");
  await page.closeAll();
});

test("open a memory, edit its tags, rename a tag everywhere, bulk-tag, delete", async () => {
  const { client, key } = app.tenant();
  const [first, second, third] = await batch(client, [
    { content: "Human: How do I prune apple trees?\nAssistant: In **late winter**, cut crossing branches.", title: "Pruning apples", source: "chatgpt-extension-v2", metadata: { url: "https://chatgpt.com/c/abc" } },
    { content: "Plum tree notes: water weekly", tags: ["orchard"] },
    { content: "Pear tree notes: watch for blight", tags: ["orchard"] },
  ]);
  const page = await newPage();
  await signIn(page, key);
  await waitForCount(page, ".result", 3);

  // Keyboard: j moves, Enter opens, e edits, Esc closes.
  await page.keyboard.press("/");
  assert.equal(await page.evaluate(() => document.activeElement.id), "q");
  await page.keyboard.press("Escape");
  for (const k of ["j", "j", "j", "k", "k"]) await page.keyboard.press(k);
  await page.waitForSelector('.result.current[data-index="0"]');
  const currentTitle = await page.$eval(".result.current .title", (a) => a.textContent);
  await page.keyboard.press("Enter");
  await page.waitForSelector("[role=dialog] h2[tabindex]");
  assert.equal(await page.$eval("#memory-title", (h) => h.textContent), currentTitle);
  await page.keyboard.press("Escape");
  await page.waitForFunction(() => !document.querySelector("[role=dialog]"));

  await page.click(`a[href="#/m/${first.id}"]`);
  await page.waitForSelector(".turns");
  assert.equal(await count(page, ".turn"), 2, "a conversation is shown as turns");
  assert.equal(await page.$eval(".turn.assistant strong", (s) => s.textContent), "late winter", "Markdown is rendered");
  await axe(page, "memory view");
  await shot(page, "memory");
  await page.keyboard.press("e");
  await page.waitForSelector("#edit-tags");
  await setInput(page, "#edit-tags", "fruit, orc");
  await page.waitForFunction(() => [...document.querySelectorAll("#tag-options option")].some((o) => o.value === "fruit, orchard"));
  await setInput(page, "#edit-tags", "fruit, orchard");
  await page.click(".editor button[type=submit]");
  await page.waitForSelector("#memory-title[tabindex]");
  assert.deepEqual((await client.get(`/v1/memories/${first.id}`)).body.tags, ["fruit", "orchard"]);
  await page.keyboard.press("Escape");

  // Rename #orchard: every memory holding it changes.
  await page.click('a[href="#/tidy"]');
  await page.waitForSelector('button[aria-label="Rename #orchard"]');
  await axe(page, "tidy");
  await shot(page, "tidy");
  await page.click('button[aria-label="Rename #orchard"]');
  await page.waitForSelector("#rename-orchard");
  await setInput(page, "#rename-orchard", "trees");
  await page.click(".inline button[type=submit]");
  await page.waitForSelector('button[aria-label="Rename #trees"]');
  assert.equal(await page.$('button[aria-label="Rename #orchard"]'), null, "the old name is gone from the list");
  for (const m of [first, second, third]) {
    const tags = (await client.get(`/v1/memories/${m.id}`)).body.tags;
    assert.ok(tags.includes("trees") && !tags.includes("orchard"), `${m.id}: ${tags}`);
  }

  // Bulk: tag two selected memories, then delete one with confirmation.
  await page.click('a[href="#/"]');
  await waitForCount(page, ".result", 3);
  await page.click(`input[aria-label="Select ${second.title}"]`);
  await page.click(`input[aria-label="Select ${third.title}"]`);
  await page.type("#bulk-tags", "harvest");
  await page.waitForSelector(".bulk button:nth-of-type(1):not([disabled])");
  await page.click(".bulk button:nth-of-type(1)");
  await page.waitForFunction(() => /Tagged 2 of 2/.test(document.querySelector(".notice").textContent));
  for (const m of [second, third]) assert.ok((await client.get(`/v1/memories/${m.id}`)).body.tags.includes("harvest"));
  assert.ok(!(await client.get(`/v1/memories/${first.id}`)).body.tags.includes("harvest"));

  await page.click(`a[href="#/m/${third.id}"]`);
  await page.waitForSelector("[role=dialog] button.danger");
  await page.click("[role=dialog] button.danger");
  await page.waitForSelector("[role=dialog] .actions [role=alert]");
  await page.click("[role=dialog] button.danger");
  await page.waitForFunction(() => !document.querySelector("[role=dialog]"));
  assert.equal((await client.get(`/v1/memories/${third.id}`)).status, 404);
  await waitForCount(page, ".result", 2);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});

test("stats show captures per day, kinds, sources and tags", async () => {
  const { client, key } = app.tenant();
  await batch(client, [{ content: "one", tags: ["a"] }, { content: "two", tags: ["a"], source: "cli" }]);
  const page = await newPage();
  await signIn(page, key);
  await page.click('a[href="#/stats"]');
  await page.waitForSelector(".chart svg");
  assert.equal(await count(page, ".chart rect"), 90);
  assert.match(await page.$eval(".chart svg", (s) => s.getAttribute("aria-label")), /2 in all/);
  await axe(page, "stats");
  await shot(page, "stats");
  // Narrow and dark: the layout holds at 360 px.
  await page.setViewport({ width: 360, height: 740 });
  await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
  await page.click('a[href="#/"]');
  await waitForCount(page, ".result", 2);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), "no horizontal scrolling at 360 px");
  await axe(page, "search, 360 px, dark");
  await shot(page, "search-360-dark");
  await page.closeAll();
});

test("export downloads NDJSON that imports into a second tenant, with rejected lines reported", async () => {
  const alice = app.tenant();
  const bob = app.tenant();
  await batch(alice.client, Array.from({ length: 7 }, (_, i) => ({ content: `Exported memory ${i}`, tags: ["moving"] })));
  const downloads = mkdtempSync(path.join(os.tmpdir(), "memo-downloads-"));
  try {
    const page = await newPage();
    const cdp = await page.createCDPSession();
    const browserContextId = page.browserContext().id;
    await cdp.send("Browser.setDownloadBehavior", { behavior: "allow", downloadPath: downloads, browserContextId });
    await signIn(page, alice.key);
    await page.click('a[href="#/transfer"]');
    await page.waitForSelector(".transfer button");
    await page.click(".transfer button");
    await page.waitForFunction(() => /Exported 7 memories/.test(document.querySelector(".transfer [role=status]").textContent));
    // The file can be there before the browser has written all of it: wait
    // for the export's end line too.
    let file;
    let exported = "";
    for (let i = 0; i < 100 && !exported.includes('"end":true'); i++) {
      file = readdirSync(downloads).find((f) => f.endsWith(".ndjson"));
      exported = file ? readFileSync(path.join(downloads, file), "utf8") : "";
      if (!exported.includes('"end":true')) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(file, "the export was downloaded");
    assert.equal(exported.trim().split("\n").length, 8, "seven memories and the end line");
    const upload = path.join(downloads, "upload.ndjson");
    writeFileSync(upload, `${exported}not json\n{"content": ""}\n`);

    await page.click("header button");
    await signIn(page, bob.key);
    await page.click('a[href="#/transfer"]');
    await page.waitForSelector("#import-file");
    const input = await page.$("#import-file");
    await input.uploadFile(upload);
    await page.click(".transfer form button[type=submit]");
    await page.waitForFunction(() => /Imported 9 of 9 lines/.test(document.querySelector(".progress label")?.textContent ?? ""));
    const report = await page.$eval(".progress", (p) => p.textContent);
    assert.match(report, /7 created/);
    assert.match(report, /2 rejected/);
    assert.deepEqual(await page.$$eval(".rejected li", (l) => l.map((x) => x.textContent.split(" — ")[0])), ["line 9", "line 10: content"]);
    await axe(page, "export and import");
    await shot(page, "transfer");
    const imported = (await bob.client.get("/v1/memories?limit=100")).body.items;
    assert.equal(imported.length, 7);
    assert.ok(imported.every((m) => m.tags.includes("moving")));
    await page.closeAll();
  } finally {
    rmSync(downloads, { recursive: true, force: true });
  }
});

test("HTML in a title, tags, content and metadata renders as text and runs nothing", async () => {
  const { client, key } = app.tenant();
  const attack = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`;
  const [memory] = await batch(client, [{
    content: `Human: ${attack}\nAssistant: [link](javascript:window.__xss=3) ${attack}`,
    title: attack,
    tags: [attack],
    metadata: { note: attack, nested: { html: attack } },
  }]);
  // Without the CSP: the rendering alone must keep the payload inert.
  const page = await newPage({ bypassCsp: true });
  await signIn(page, key);
  await waitForCount(page, ".result", 1);
  // The title engine tidies a title (it drops `__`); the page shows what is stored, as text.
  assert.match(memory.title, /^<img src=x onerror=.*<script>/);
  assert.equal(await page.$eval(".result .title", (a) => a.textContent), memory.title);
  await page.click(`a[href="#/m/${memory.id}"]`);
  await page.waitForSelector(".metadata");
  await page.click(".metadata summary");
  await page.click(".turn.assistant a").catch(() => {});
  assert.equal(await page.$eval("#memory-title", (h) => h.textContent), memory.title);
  assert.ok((await page.$eval(".turns", (t) => t.textContent)).includes(attack), "content shows the HTML as text");
  assert.ok((await page.$eval(".metadata pre", (p) => p.textContent)).includes('"note": "<img src=x onerror=\\"window.__xss=1\\">'));
  assert.equal(await count(page, "img, script:not([src]), [onerror]"), 0);
  assert.equal(await page.$$eval("a[href^='javascript']", (a) => a.length), 0);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(page.errors, []);
  await page.closeAll();
});
