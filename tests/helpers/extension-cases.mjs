// The extension's end-to-end cases, run in each real browser (Chromium and
// Firefox ESR) with the test build loaded, against the real stack through a
// relay that can go down. Each browser's test file calls extensionCases().
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { ensureBrowsers } from "../../scripts/lib/browsers.mjs";
import { buildExtension } from "../../extension/build.mjs";
import { freePort, startWorker } from "../../scripts/lib/stack.mjs";
import { root } from "../../scripts/lib/toolchain.mjs";
import { spawnApp } from "./app.mjs";
import { artifactPath, ExtensionDriver, eventually, fixtureServer, inkOf, relay, until } from "./extension.mjs";

/**
 * `launch({dir, profile})` starts the browser with the unpacked extension in
 * `dir` and resolves to {browser, origin, close}; `profile` (when the browser
 * supports restarting with its profile) is a folder to keep between launches.
 */
export function extensionCases({ name, launch, restart }) {
  describe(`the extension in ${name}`, () => {
    let app, tenant, fixtures, api, built, session, ext;

    const rows = (url) =>
      app.sql(
        `select m.id, m.title, m.tags, m.kind, m.content, m.metadata, m.capture_count, m.url
         from memories m join tenants t on t.id = m.tenant_id where t.name = $1 and m.url = $2`,
        [tenant.name, url],
      );

    before(async () => {
      ensureBrowsers();
      [app, built, fixtures] = await Promise.all([spawnApp(), buildExtension({ test: true, browsers: [name] }), fixtureServer()]);
      tenant = app.tenant();
      api = await relay(app.baseUrl);
      session = await launch({ dir: built.find((b) => b.browser === name).dir });
      ext = new ExtensionDriver(session.browser, session.origin);
      await ext.configure({ apiBase: api.url, apiKey: tenant.key });
    });

    after(async () => {
      await session?.close();
      await fixtures?.close();
      await api?.down().catch(() => {});
    });

    it("saves a ChatGPT conversation from the popup: preview, saved memory, saved state, screenshot", async () => {
      const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
      const { tabId } = await ext.open(url);
      const popup = await ext.popup(tabId);
      await until(popup, () => !document.getElementById("save").disabled);
      const preview = await popup.$eval("#preview", (el) => el.textContent);
      assert.match(preview, /Postgres autovacuum tuning/);
      assert.match(preview, /chatgpt_conversation/);
      await popup.click("#save");
      await until(popup, () => !document.getElementById("stored").hidden, { timeoutMs: 30_000 });
      assert.equal(await popup.$eval("#status", (el) => el.textContent), "Saved.");
      const [row] = await rows(url);
      assert.equal(row.kind, "chatgpt_conversation");
      assert.equal(row.title, "Postgres autovacuum tuning", "the preview's title is what was stored");
      assert.equal(row.metadata.platform, "ChatGPT");
      assert.equal(row.metadata.messageCount, 4);
      assert.deepEqual(row.metadata.codeLanguages, ["sql", "python"]);
      assert.match(row.content, /^User:\nHow do I tune Postgres autovacuum/);
      assert.equal(await popup.$eval("#edit-title", (el) => el.value), row.title);

      // Saved state: the toolbar button of that tab says so.
      const title = await eventually(
        async () => {
          const t = await ext.api((e, id) => e.action.getTitle({ tabId: id }), tabId);
          return t.startsWith("Saved in Memo") && t;
        },
        { what: "the saved state" },
      );
      assert.equal(title, `Saved in Memo: ${row.title}`);

      const shot = await (await popup.$("body")).screenshot();
      writeFileSync(artifactPath(`popup-after-save-${name}.png`), shot);
      const ink = inkOf(shot);
      assert.ok(ink.distinctColours > 20 && ink.inkFraction > 0.02, `the popup screenshot is blank: ${JSON.stringify(ink)}`);
      await popup.close();
    });

    it("edits the saved memory's title and tags in the popup, with tag suggestions, and the server has them", async () => {
      const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
      await tenant.client.request("POST", "/v1/memories", { json: { content: "Tag seed about vacuum", tags: ["vacuum-tuning"] } });
      const { tabId } = await ext.open(url);
      const popup = await ext.popup(tabId);
      await until(popup, () => !document.getElementById("save").disabled);
      await popup.click("#save");
      await until(popup, () => !document.getElementById("stored").hidden, { timeoutMs: 30_000 });
      await popup.$eval("#edit-tags", (el) => {
        el.value = "postgres, vac";
        el.dispatchEvent(new Event("input"));
      });
      await until(
        popup,
        () => [...document.querySelectorAll("#tag-suggestions option")].some((o) => o.value === "postgres, vacuum-tuning"),
        { timeoutMs: 15_000 },
      );
      await popup.$eval("#edit-tags", (el) => (el.value = "postgres, vacuum-tuning"));
      await popup.$eval("#edit-title", (el) => (el.value = "Autovacuum, my notes"));
      await popup.click("#save-edit");
      await until(popup, () => document.getElementById("edit-status").textContent === "Changes saved.");
      const [row] = await rows(url);
      assert.equal(row.title, "Autovacuum, my notes");
      assert.deepEqual(row.tags.slice(0, 2), ["postgres", "vacuum-tuning"]);
      await popup.close();
    });

    it("captures each platform's conversation through the keyboard command, with its turns and metadata", async () => {
      const pages = [
        ["claude.ai/chat", "Claude", "claude_conversation", "Why does my async fn complain"],
        ["gemini.google.com/app", "Gemini", "gemini_conversation", "Why does my Kubernetes pod keep restarting"],
        ["www.perplexity.ai/search", "Perplexity", "perplexity_conversation", "Best way to index JSONB in Postgres"],
      ];
      for (const [prefix, platform, kind, first] of pages) {
        const id = randomUUID();
        const url = fixtures.url(`/${prefix}/${id}`);
        const { tabId, page } = await ext.open(url);
        const result = await ext.message({ type: "command", command: "save-page", tabId });
        assert.equal(result.status, "saved", JSON.stringify(result));
        const [row] = await rows(url);
        assert.equal(row.kind, kind);
        assert.equal(row.metadata.platform, platform);
        assert.equal(row.metadata.conversation_id, id);
        assert.equal(row.metadata.messageCount, 4);
        assert.ok(row.content.startsWith(`User:\n${first}`), row.content.slice(0, 100));
        assert.equal((row.content.match(/^(User|Assistant):$/gm) ?? []).length, 4);
        await page.close();
      }
    });

    it("saves a ChatGPT conversation from the context menu and the shortcut", async () => {
      for (const trigger of ["menu", "command"]) {
        const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
        const { tabId, page } = await ext.open(url);
        const message = trigger === "menu"
          ? { type: "menu", tabId, info: { menuItemId: "save-page" } }
          : { type: "command", tabId, command: "save-page" };
        assert.equal((await ext.message(message)).status, "saved");
        const [row] = await rows(url);
        assert.equal(row.kind, "chatgpt_conversation", trigger);
        await page.close();
      }
    });

    it("captures a page's readable text, a selection and a link from the context menu", async () => {
      const url = fixtures.url(`/blog/${randomUUID()}`);
      const { tabId, page } = await ext.open(url);
      assert.equal((await ext.message({ type: "menu", tabId, info: { menuItemId: "save-page" } })).status, "saved");
      const [pageRow] = await rows(url);
      assert.equal(pageRow.kind, "web_page");
      assert.match(pageRow.content, /A B-tree index keeps keys sorted/);
      assert.doesNotMatch(pageRow.content, /Get the newsletter/);
      assert.match(pageRow.title, /B-tree/);

      await page.evaluate(() => {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById("selected"));
        getSelection().removeAllRanges();
        getSelection().addRange(range);
      });
      assert.equal((await ext.message({ type: "menu", tabId, info: { menuItemId: "save-selection" } })).status, "saved");
      const selected = (await rows(url)).find((r) => r.metadata.captureMethod === "selection");
      assert.match(selected.content, /^Composite indexes sort by their first column/);
      assert.match(selected.metadata.pageTitle, /B-tree/);

      const link = "https://docs.example.org/btree.html";
      const info = { menuItemId: "save-link", linkUrl: link, linkText: "the PostgreSQL documentation on B-trees" };
      assert.equal((await ext.message({ type: "menu", tabId, info })).status, "saved");
      const [linkRow] = await rows(link);
      assert.equal(linkRow.content, `${info.linkText}\n${link}`);
      await page.close();
    });

    it("tells the user when a chat page is not recognised and saves its readable text", async () => {
      const url = fixtures.url(`/chatgpt.com/c/unknown-${randomUUID()}`);
      const { tabId, page } = await ext.open(url);
      const popup = await ext.popup(tabId);
      await until(popup, () => !document.getElementById("notice").hidden);
      assert.match(await popup.$eval("#notice", (el) => el.textContent), /not recognised/);
      await popup.click("#save");
      await until(popup, () => document.getElementById("status").textContent.startsWith("Saved"), { timeoutMs: 30_000 });
      const [row] = await rows(url);
      assert.match(row.content, /Transaction pooling lends a connection/);
      await Promise.all([popup.close(), page.close()]);
    });

    it("a growing chat captured three times is one memory with capture_count 3", async () => {
      const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
      const { tabId, page } = await ext.open(url);
      for (let n = 0; n < 3; n++) {
        if (n) await page.evaluate((k) => window.addTurn(k % 2 ? "assistant" : "user", `Follow-up number ${k}`), n);
        assert.equal((await ext.message({ type: "command", tabId, command: "save-page" })).status, "saved");
      }
      const found = await rows(url);
      assert.equal(found.length, 1);
      assert.equal(found[0].capture_count, 3);
      assert.equal(found[0].metadata.messageCount, 6);
      await page.close();
    });

    it("auto-save is off by default; turned on for ChatGPT in the options, a chat that grew and went idle is captured again", async () => {
      const registered = () => ext.api(async (e) => (await e.scripting.getRegisteredContentScripts()).map((s) => s.id));
      // Whether the auto-save script runs in a tab (it shares the extension's content-script world).
      const watching = (tabId) =>
        ext.api(async (e, id) => {
          const [frame] = await e.scripting.executeScript({ target: { tabId: id }, func: () => Boolean(globalThis.memoAutoSave) });
          return frame.result;
        }, tabId);
      const options = await ext.extensionPage("options.html");
      // In front first: Chromium does not render a background tab, and a click waits for it to.
      const toggle = async () => {
        await options.bringToFront();
        await options.click('#autosave input[data-adapter="chatgpt"]');
      };
      try {
        await options.$eval("#idle-seconds", (el) => {
          el.value = "2";
          el.dispatchEvent(new Event("change"));
        });
        // Off (the default): nothing watches a chat, and one that grows is not captured.
        assert.equal(await options.$eval('#autosave input[data-adapter="chatgpt"]', (el) => el.checked), false);
        assert.deepEqual(await registered(), []);
        const quietUrl = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
        const quiet = await ext.open(quietUrl);
        assert.equal((await ext.message({ type: "command", tabId: quiet.tabId, command: "save-page" })).status, "saved");
        await quiet.page.evaluate(() => window.addTurn("user", "A turn nobody saves"));
        assert.equal(await watching(quiet.tabId), false);

        await toggle();
        await eventually(async () => (await registered()).includes("autosave-chatgpt"), { what: "the auto-save script to be registered" });
        const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
        const { tabId, page } = await ext.open(url);
        assert.equal((await ext.message({ type: "command", tabId, command: "save-page" })).status, "saved");
        await eventually(() => watching(tabId), { what: "the auto-save script in the chat's tab", timeoutMs: 15_000 });
        await page.evaluate(() => {
          window.addTurn("user", "And what about autovacuum_naptime?");
          window.addTurn("assistant", "Lower it only when many databases share the server.");
        });
        const [row] = await eventually(
          async () => {
            const found = await rows(url);
            return found[0]?.capture_count === 2 && found;
          },
          { what: "the auto-saved capture", timeoutMs: 30_000 },
        );
        assert.equal((await rows(url)).length, 1, "one memory per conversation");
        assert.equal(row.metadata.messageCount, 6);
        assert.match(row.content, /Lower it only when many databases share the server\.$/);

        // The quiet chat grew before that one and was never captured again.
        const [quietRow] = await rows(quietUrl);
        assert.equal(quietRow.capture_count, 1);
        assert.doesNotMatch(quietRow.content, /A turn nobody saves/);
        await Promise.all([page.close(), quiet.page.close()]);
      } finally {
        if (await options.$eval('#autosave input[data-adapter="chatgpt"]', (el) => el.checked)) await toggle();
        await eventually(async () => !(await registered()).length, { what: "auto-save to be off again" });
        await options.close();
      }
    });

    it("a capture the server refuses (over MAX_CONTENT_BYTES) is listed with the server's message; Discard drops it", async () => {
      const url = fixtures.url(`/blog/${randomUUID()}`);
      const { tabId, page } = await ext.open(url);
      // Over the server's default MAX_CONTENT_BYTES (524288), under its MAX_BODY_BYTES.
      await page.evaluate(() => {
        const p = document.createElement("p");
        p.textContent = "A paragraph far too long to keep. ".repeat(18_000);
        document.querySelector("article").append(p);
      });
      const queued = () => ext.api(async (e) => Object.keys(await e.storage.local.get(null)).filter((k) => k.startsWith("queue:")));
      const popup = await ext.popup(tabId);
      await until(popup, () => !document.getElementById("save").disabled);
      await popup.click("#save");
      await until(popup, () => document.getElementById("status").textContent.startsWith("Not saved"), { timeoutMs: 30_000 });
      assert.match(await popup.$eval("#problem", (el) => el.textContent), /content is \d+ bytes; the limit is 524288 bytes \(MAX_CONTENT_BYTES\)/);
      const listed = await popup.$$eval("#failed li", (lis) => lis.map((li) => li.textContent));
      assert.equal(listed.length, 1, JSON.stringify(listed));
      assert.match(listed[0], /MAX_CONTENT_BYTES/);
      assert.equal(await ext.badge(), "1");
      assert.equal((await queued()).length, 1);

      await popup.click("#failed li button");
      await until(popup, () => !document.querySelector("#failed li") && document.getElementById("queue").hidden);
      assert.equal(await ext.badge(), "");
      assert.deepEqual(await queued(), []);
      assert.deepEqual(await rows(url), []);
      await Promise.all([popup.close(), page.close()]);
    });

    it("a capture made while the API is down is queued (badge), then flushed once it is back: one row", async () => {
      const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
      const { tabId, page } = await ext.open(url);
      await api.down();
      try {
        const popup = await ext.popup(tabId);
        await until(popup, () => !document.getElementById("save").disabled);
        await popup.click("#save");
        await until(popup, () => document.getElementById("status").textContent.startsWith("Queued"), { timeoutMs: 30_000 });
        assert.match(await popup.$eval("#problem", (el) => el.textContent), /unreachable/);
        assert.equal(await ext.badge(), "1");
        await popup.close();
      } finally {
        await api.up();
      }
      await eventually(async () => (await rows(url)).length === 1, { what: "the queued capture to arrive" });
      await eventually(async () => (await ext.badge()) === "", { what: "the badge to clear" });
      assert.equal((await rows(url)).length, 1);
      await page.close();
    });

    if (restart) {
      it("the queue survives a browser restart", async () => {
        const url = fixtures.url(`/chatgpt.com/c/${randomUUID()}`);
        const { tabId } = await ext.open(url);
        await api.down();
        try {
          assert.equal((await ext.message({ type: "command", tabId, command: "save-page" })).status, "queued");
          assert.equal(await ext.badge(), "1");
          session = await restart(session);
          ext = new ExtensionDriver(session.browser, session.origin);
          assert.equal((await ext.message({ type: "queue" })).counts.pending, 1, "the capture is still queued after the restart");
          assert.equal((await rows(url)).length, 0);
        } finally {
          await api.up();
        }
        await eventually(async () => (await rows(url)).length === 1, { what: "the capture queued before the restart" });
        await eventually(async () => (await ext.badge()) === "", { what: "the badge to clear" });
      });
    }

    it("a bad key gives a clear error in the options page and in the popup", async () => {
      const options = await ext.configure({ apiBase: api.url, apiKey: "memo_this-key-does-not-exist" });
      try {
        await options.click("#test");
        await until(options, () => document.getElementById("result").dataset.problem === "key");
        assert.match(await options.$eval("#result", (el) => el.textContent), /^Bad API key: Memo refused it \(401\)/);
        const { tabId, page } = await ext.open(fixtures.url(`/blog/${randomUUID()}`));
        const popup = await ext.popup(tabId);
        await until(popup, () => !document.getElementById("problem").hidden);
        assert.match(await popup.$eval("#problem", (el) => el.textContent), /API key was refused \(401\)/);
        await Promise.all([popup.close(), page.close()]);
        // And an API that does not answer is named as unreachable.
        await api.down();
        await options.click("#test");
        await until(options, () => document.getElementById("result").dataset.problem === "unreachable");
        await api.up();
      } finally {
        await ext.configure({ apiBase: api.url, apiKey: tenant.key });
        await options.close();
      }
    });

    it("Test connection names CORS when the API's origin is not granted and not allowed; allowed, it connects", async () => {
      // The same servers as "localhost": an origin this build holds no host
      // permission for, so the browser applies CORS to the options page.
      const asLocalhost = (base) => base.replace("//127.0.0.1:", "//localhost:");
      // A second worker on the same database whose CORS_ALLOWED_ORIGINS lists
      // this extension (the shared stack lists other origins only).
      const scratch = path.join(root, ".dev", `test-extension-cors-${name}-${process.pid}`);
      const starting = startWorker({
        databaseUrl: app.databaseUrl,
        port: await freePort(),
        stateDir: path.join(scratch, "wrangler"),
        logFile: path.join(scratch, "wrangler.log"),
        logLevel: "warn",
        vars: { CORS_ALLOWED_ORIGINS: session.origin },
      });
      starting.catch(() => {});
      const options = await ext.extensionPage("options.html");
      const testConnection = async (apiBase) => {
        await options.$eval("#api-base", (el, v) => (el.value = v), apiBase);
        await options.$eval("#api-key", (el, v) => (el.value = v), tenant.key);
        await options.$eval("#result", (el) => delete el.dataset.ok);
        await options.click("#test");
        await until(options, () => document.getElementById("result").dataset.ok !== undefined, { timeoutMs: 60_000 });
        return options.$eval("#result", (el) => ({ ok: el.dataset.ok, problem: el.dataset.problem, message: el.textContent }));
      };
      try {
        const blocked = await testConnection(asLocalhost(api.url));
        assert.equal(blocked.problem, "cors", blocked.message);
        assert.ok(blocked.message.startsWith("CORS: "), blocked.message);
        assert.ok(blocked.message.includes(`add ${session.origin} to CORS_ALLOWED_ORIGINS`), blocked.message);

        const allowing = await starting;
        const allowed = await testConnection(asLocalhost(allowing.baseUrl));
        assert.deepEqual(allowed, { ok: "true", problem: "", message: `Connected to Memo at ${asLocalhost(allowing.baseUrl)}; the key works.` });
      } finally {
        await options.close();
        await (await starting.catch(() => null))?.stop();
        rmSync(scratch, { recursive: true, force: true });
      }
    });

    it("recall: searches, renders <mark> safely, opens the source URL", async () => {
      const url = "https://notes.example.com/wal";
      await tenant.client.request("POST", "/v1/memories", {
        json: { content: "Write-ahead logging <img src=x onerror=alert(1)> keeps durability cheap.", url, title: "WAL notes" },
      });
      const { tabId, page } = await ext.open(fixtures.url(`/blog/${randomUUID()}`));
      const popup = await ext.popup(tabId);
      await popup.type("#search", "durability");
      await popup.keyboard.press("Enter");
      await until(popup, () => document.querySelectorAll("#results li").length > 0, { timeoutMs: 15_000 });
      const result = await popup.$eval("#results li", (li) => ({
        title: li.querySelector("a").textContent,
        marks: [...li.querySelectorAll("mark")].map((m) => m.textContent),
        imgs: li.querySelectorAll("img").length,
        text: li.textContent,
      }));
      assert.equal(result.title, "WAL notes");
      assert.deepEqual(result.marks, ["durability"]);
      assert.equal(result.imgs, 0);
      assert.match(result.text, /<img src=x onerror=alert\(1\)>/);
      const before = (await ext.api(async (e) => (await e.tabs.query({})).map((t) => t.url))).length;
      await popup.click("#results li a");
      await eventually(async () => (await ext.api(async (e) => (await e.tabs.query({})).map((t) => t.url))).length > before, {
        what: "a tab opened for the result",
      });
      await Promise.all([popup.close(), page.close()]);
    });
  });
}
