// Node unit tests of the extension's parts that need no browser: each chat
// adapter on its fixture page, page and selection capture, the snippet
// renderer, the backoff, and the queue against the real stack (and, for the
// outage cases, a real HTTP server on 127.0.0.1 that answers what an outage
// answers).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { describe, it } from "node:test";
import { parseHTML } from "linkedom";
import { spawnApp } from "./helpers/app.mjs";
import { ADAPTERS, adapterFor, autoSaveTargets } from "../extension/src/capture/adapters/index.js";
import { capturePage } from "../extension/src/capture/capture.js";
import { backoffDelay, nextDelay, retryAfterMs } from "../extension/src/lib/backoff.js";
import { Api } from "../extension/src/lib/api.js";
import { memoryStorage, Queue } from "../extension/src/lib/queue.js";
import { renderSnippet } from "../extension/src/popup/render.js";

const fixtures = path.join(import.meta.dirname, "fixtures", "extension");
const page = (name) => parseHTML(readFileSync(path.join(fixtures, `${name}.html`), "utf8")).document;

const CHATS = [
  {
    name: "chatgpt",
    url: "https://chatgpt.com/c/6761c2f7-0d8e-8001-a1b2-3c4d5e6f7a8b",
    platform: "ChatGPT",
    id: "6761c2f7-0d8e-8001-a1b2-3c4d5e6f7a8b",
    title: "Postgres autovacuum tuning",
    turns: 4,
    first: "How do I tune Postgres autovacuum for a table with heavy updates?",
    languages: ["sql", "python"],
  },
  {
    name: "claude",
    url: "https://claude.ai/chat/0b8f7a52-3c1e-4d2a-9f6b-1e2d3c4b5a69",
    platform: "Claude",
    id: "0b8f7a52-3c1e-4d2a-9f6b-1e2d3c4b5a69",
    title: "Rust lifetimes in async code",
    turns: 4,
    first: "Why does my async fn complain that the borrowed value does not live long enough?",
    languages: ["rust"],
  },
  {
    name: "gemini",
    url: "https://gemini.google.com/app/4f2a9c1b7d3e5a60",
    platform: "Gemini",
    id: "4f2a9c1b7d3e5a60",
    title: "Kubernetes pod restarts",
    turns: 4,
    first: "Why does my Kubernetes pod keep restarting with CrashLoopBackOff?",
    languages: ["shell"],
  },
  {
    name: "perplexity",
    url: "https://www.perplexity.ai/search/best-way-to-index-jsonb-QwErTy12",
    platform: "Perplexity",
    id: "best-way-to-index-jsonb-QwErTy12",
    title: "Best way to index JSONB in Postgres",
    turns: 4,
    first: "Best way to index JSONB in Postgres",
    languages: ["sql"],
  },
];

describe("chat adapters", () => {
  for (const chat of CHATS) {
    it(`${chat.platform}: the turns in order, with role labels and metadata`, () => {
      const { capture, notice } = capturePage({ document: page(chat.name), pageUrl: chat.url });
      assert.equal(notice, null);
      const blocks = capture.content.split("\n\n").filter((b) => /^(User|Assistant):\n/.test(b));
      assert.equal(blocks.length, chat.turns);
      assert.deepEqual(
        blocks.map((b) => b.split(":")[0]),
        ["User", "Assistant", "User", "Assistant"],
      );
      assert.ok(capture.content.startsWith(`User:\n${chat.first}`), capture.content.slice(0, 120));
      assert.equal(capture.url, chat.url);
      assert.equal(capture.metadata.platform, chat.platform);
      assert.equal(capture.metadata.conversation_id, chat.id);
      assert.equal(capture.metadata.messageCount, chat.turns);
      assert.equal(capture.metadata.title, chat.title);
      assert.deepEqual(capture.metadata.codeLanguages, chat.languages);
    });
  }

  it("fixture pages map to an adapter only where the build says so", () => {
    const fixture = "http://127.0.0.1:4000/claude.ai/chat/abc";
    assert.equal(adapterFor(fixture), null, "the shipped mapping knows only the real hosts");
    const mapped = adapterFor(fixture, ["127.0.0.1"]);
    assert.equal(mapped.adapter.id, "claude");
    assert.equal(mapped.adapter.conversationId(mapped.pathname), "abc");
    assert.equal(adapterFor("https://example.com/c/1"), null);
  });

  it("auto-save asks for a platform's own sites only; the test build adds their fixture pages", () => {
    const chatgpt = ADAPTERS.find((a) => a.id === "chatgpt");
    assert.deepEqual(autoSaveTargets(chatgpt), {
      origins: ["https://chatgpt.com/*", "https://chat.openai.com/*"],
      matches: ["https://chatgpt.com/*", "https://chat.openai.com/*"],
    });
    const test = autoSaveTargets(chatgpt, ["127.0.0.1"]);
    assert.deepEqual(test.origins.slice(2), ["http://127.0.0.1/*"]);
    assert.deepEqual(test.matches.slice(2), ["http://127.0.0.1/chatgpt.com/*", "http://127.0.0.1/chat.openai.com/*"]);
  });

  it("an unrecognised chat page falls back to its readable text, and says so", () => {
    const { capture, notice } = capturePage({ document: page("chatgpt-unknown"), pageUrl: "https://chatgpt.com/c/zzz" });
    assert.match(notice, /ChatGPT page's conversation was not recognised/);
    assert.match(capture.content, /Transaction pooling lends a connection/);
    assert.equal(capture.metadata.captureMethod, "page");
  });
});

describe("page and selection capture", () => {
  it("a page is its readable article text with title and URL, without the navigation", () => {
    const url = "https://blog.example.com/btree";
    const { capture } = capturePage({ document: page("article"), pageUrl: url });
    assert.match(capture.content, /A B-tree index keeps keys sorted/);
    assert.doesNotMatch(capture.content, /Get the newsletter/);
    assert.match(capture.metadata.title, /Understanding B-tree indexes/);
    assert.equal(capture.url, url);
  });

  it("a selection is the selected text with the page's URL and title", () => {
    const { capture } = capturePage({ document: page("article"), pageUrl: "https://blog.example.com/btree", selection: "  Composite indexes sort  ", mode: "selection" });
    assert.equal(capture.content, "Composite indexes sort");
    assert.equal(capture.metadata.url, "https://blog.example.com/btree");
    assert.match(capture.metadata.pageTitle, /B-tree/);
  });

  it("an empty selection is an error, never an empty capture", () => {
    const result = capturePage({ document: page("article"), pageUrl: "https://blog.example.com/btree", selection: " ", mode: "selection" });
    assert.equal(result.capture, undefined);
    assert.match(result.error, /Nothing is selected/);
  });

  it("a link is its URL and text", () => {
    const link = { url: "https://docs.example.org/btree.html", text: "B-trees" };
    const { capture } = capturePage({ document: page("article"), pageUrl: "https://blog.example.com/btree", mode: "link", link });
    assert.equal(capture.url, link.url);
    assert.equal(capture.content, "B-trees\nhttps://docs.example.org/btree.html");
  });
});

describe("snippets", () => {
  it("keeps the server's <mark> and shows everything else as text", () => {
    const { document } = parseHTML("<!doctype html><html><body><div id=s></div></body></html>");
    const target = document.getElementById("s");
    // As the server sends it: escaped text, with <mark> around matches.
    target.append(renderSnippet(document, 'tune <mark>autovacuum</mark> &lt;img src=x onerror="alert(1)"&gt; &amp;lt; <b>x</b>'));
    assert.equal(target.querySelectorAll("mark").length, 1);
    assert.equal(target.querySelector("mark").textContent, "autovacuum");
    assert.equal(target.querySelectorAll("img, b").length, 0, "nothing but <mark> becomes an element");
    assert.equal(target.textContent, 'tune autovacuum <img src=x onerror="alert(1)"> &lt; <b>x</b>');
  });
});

describe("backoff", () => {
  it("grows exponentially with full jitter and a cap", () => {
    assert.equal(backoffDelay(0, { random: () => 1 }), 1000);
    assert.equal(backoffDelay(3, { random: () => 1 }), 8000);
    assert.equal(backoffDelay(3, { random: () => 0.5 }), 4000);
    assert.equal(backoffDelay(30, { random: () => 1 }), 300_000);
    assert.equal(backoffDelay(5, { random: () => 0 }), 0);
  });

  it("reads Retry-After as seconds or a date, and waits at least that long", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    assert.equal(retryAfterMs("7", now), 7000);
    assert.equal(retryAfterMs("Tue, 01 Dec 2026 10:00:30 GMT", now), 30_000);
    assert.equal(retryAfterMs("soon", now), 0);
    assert.equal(retryAfterMs(null, now), 0);
    assert.equal(nextDelay(0, 7000, { random: () => 1 }), 7000);
    assert.equal(nextDelay(5, 1000, { random: () => 1 }), 32_000);
  });
});

/** A real HTTP server on 127.0.0.1 that answers every request with `answer(req)`. */
async function server(answer) {
  const requests = [];
  const srv = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const { status, headers = {}, json } = answer(req);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${srv.address().port}`, requests, close: () => new Promise((r) => {
    srv.closeAllConnections();
    srv.close(r);
  }) };
}

const capture = (n) => ({ content: `Queued note number ${n}: a thought worth keeping about cache invalidation.`, source: "memo-extension" });

describe("queue", () => {
  it("1,000 queued captures flush through the batch route without duplicates", async () => {
    const app = await spawnApp();
    const tenant = app.tenant();
    const queue = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: app.baseUrl, apiKey: tenant.key }) });
    const items = await queue.add(Array.from({ length: 1000 }, (_, n) => capture(n)));
    assert.equal(new Set(items.map((i) => i.key)).size, 1000, "each capture has its own Idempotency-Key");
    const report = await queue.flush();
    assert.equal(report.sent, 1000);
    assert.deepEqual(await queue.counts(), { pending: 0, failed: 0 });
    assert.equal(await app.countMemories(tenant.name), 1000);
    // The same captures queued again (a lost answer) store nothing new.
    const again = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: app.baseUrl, apiKey: tenant.key }) });
    await again.add(Array.from({ length: 1000 }, (_, n) => capture(n)));
    assert.equal((await again.flush()).sent, 1000);
    assert.equal(await app.countMemories(tenant.name), 1000);
  });

  it("waits with backoff on 503 and honours Retry-After, then sends to the real API once it answers", async () => {
    const app = await spawnApp();
    const tenant = app.tenant();
    const down = await server(() => ({ status: 503, headers: { "retry-after": "7" }, json: { error: { code: "unavailable", message: "database unavailable" } } }));
    let now = 1_000_000;
    let base = down.url;
    const queue = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: base, apiKey: tenant.key }), now: () => now, random: () => 0.5 });
    await queue.add([capture("outage")]);
    const first = await queue.flush();
    assert.equal(first.sent, 0);
    assert.equal(first.retryInMs, 7000, "Retry-After (7 s) outranks a 0.5 s jittered backoff");
    assert.equal(down.requests.length, 1);
    assert.match(down.requests[0].headers["idempotency-key"], /^memo-batch-[0-9a-f]{64}$/);
    // Before the wait is over nothing is sent.
    now += 1000;
    assert.equal((await queue.flush()).retryInMs, 6000);
    assert.equal(down.requests.length, 1);
    // A network error (nothing listening) backs off again, without Retry-After.
    await down.close();
    now += 6000;
    const refused = await queue.flush();
    assert.equal(refused.error.kind, "network");
    assert.equal(refused.retryInMs, 1000, "second attempt: half of 2 s");
    now += 1000;
    base = app.baseUrl;
    const sent = await queue.flush();
    assert.equal(sent.sent, 1);
    assert.equal(await app.countMemories(tenant.name), 1);
  });

  it("never retries other 4xx: the items are failed with the server's message until discarded", async () => {
    const app = await spawnApp();
    const queue = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: app.baseUrl, apiKey: "memo_not-a-real-key" }) });
    await queue.add([capture("bad key")]);
    const report = await queue.flush();
    assert.equal(report.failed, 1);
    assert.equal(report.retryInMs, null);
    const [item] = await queue.items();
    assert.equal(item.state, "failed");
    assert.match(item.error.message, /API key was refused \(401\)/);
    assert.equal((await queue.flush()).sent, 0, "a failed item is not sent again on its own");
    await queue.discard(item.key);
    assert.deepEqual(await queue.counts(), { pending: 0, failed: 0 });
  });

  it("an item the server rejects fails alone with its field named; the others are stored", async () => {
    const app = await spawnApp();
    const tenant = app.tenant();
    const queue = new Queue({ storage: memoryStorage(), api: () => new Api({ baseUrl: app.baseUrl, apiKey: tenant.key }) });
    await queue.add([capture("good"), { content: "x", url: "not a url" }]);
    const report = await queue.flush();
    assert.equal(report.sent, 1);
    assert.equal(report.failed, 1);
    const [failed] = (await queue.items()).filter((i) => i.state === "failed");
    assert.match(failed.error.message, /items\[1\]\.url/);
    assert.equal(await app.countMemories(tenant.name), 1);
  });
});
