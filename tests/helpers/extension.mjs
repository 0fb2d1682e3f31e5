// What the extension's browser tests share: the test build, fixture chat pages
// served from 127.0.0.1 at the real sites' URL shapes, a switchable TCP relay
// in front of the stack (stopping it is the API going down: connections are
// refused, as when the stack stops), and small drivers for the extension's
// pages in either browser.
import { mkdirSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { PNG } from "pngjs";
import { root } from "../../scripts/lib/toolchain.mjs";

const fixtures = path.join(root, "tests", "fixtures", "extension");
export const ARTIFACTS = path.join(root, "build", "test-artifacts");

/** Fixture pages by the real site's path prefix. */
const ROUTES = [
  [/^\/chatgpt\.com\/c\/unknown-/, "chatgpt-unknown.html"],
  [/^\/chatgpt\.com\/c\//, "chatgpt.html"],
  [/^\/claude\.ai\/chat\//, "claude.html"],
  [/^\/gemini\.google\.com\/app\//, "gemini.html"],
  [/^\/www\.perplexity\.ai\/search\//, "perplexity.html"],
  [/^\/blog\//, "article.html"],
];

/** Serves the fixture pages on 127.0.0.1; resolves to {origin, url(path), close}. */
export async function fixtureServer() {
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url, "http://x").pathname;
    const route = ROUTES.find(([pattern]) => pattern.test(pathname));
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" });
      return res.end("no fixture here");
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(readFileSync(path.join(fixtures, route[1])));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (p) => `${origin}${p}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }),
  };
}

/**
 * A TCP relay on a fixed 127.0.0.1 port to the stack. `down()` closes the
 * port and every connection; `up()` listens again on the same port.
 */
export async function relay(targetUrl) {
  const target = new URL(targetUrl);
  const sockets = new Set();
  let server;
  let port = 0;
  const up = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
        s.on("error", () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    port = server.address().port;
  };
  const down = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  };
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down };
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually(check, { timeoutMs = 60_000, intervalMs = 250, what = "the condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
}

/**
 * Waits until `fn(arg)`, run in `page`, returns a truthy value. Not
 * puppeteer's waitForFunction: that builds its poller with Function(), which
 * the extension pages' CSP refuses in Firefox.
 */
export function until(page, fn, { timeoutMs = 30_000, arg } = {}) {
  return eventually(() => page.evaluate(fn, arg), { timeoutMs, what: fn.toString().slice(0, 120) });
}

/**
 * Checks a PNG is not blank: enough pixels differ from the most common colour
 * and there are several colours. Returns {distinctColours, inkFraction}.
 */
export function inkOf(pngBytes) {
  const png = PNG.sync.read(pngBytes);
  const counts = new Map();
  for (let i = 0; i < png.data.length; i += 4) {
    const key = png.data.readUInt32BE(i);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = png.width * png.height;
  const background = Math.max(...counts.values());
  return { distinctColours: counts.size, inkFraction: (total - background) / total, width: png.width, height: png.height };
}

export function artifactPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

/** Drives the extension's own pages (popup, options) in either browser. */
export class ExtensionDriver {
  constructor(browser, origin) {
    this.browser = browser;
    this.origin = origin;
    this.control = null;
  }

  /**
   * Opens one of the extension's pages and waits until it is ready. Firefox
   * over BiDi loads moz-extension:// pages without reporting the navigation
   * as finished, so this waits for the page itself instead of for `goto`.
   */
  async extensionPage(file, viewport) {
    const page = await this.browser.newPage();
    // Firefox over BiDi cannot set a viewport; the popup's own CSS sets its width.
    if (viewport) await page.setViewport(viewport).catch(() => {});
    const url = `${this.origin}/${file}`;
    page.goto(url, { timeout: 120_000 }).catch(() => {});
    await eventually(async () => (await page.evaluate("location.href + ' ' + document.body?.dataset.ready")) === `${url} true`, {
      what: `${file} to be ready`,
      timeoutMs: 30_000,
    });
    return page;
  }

  /** An extension page kept open to call the extension's APIs and its background. */
  async controlPage() {
    this.control ??= await this.extensionPage("options.html");
    return this.control;
  }

  /** Sends a message to the background, as the popup does. */
  async message(message) {
    const page = await this.controlPage();
    const answer = await page.evaluate(`(globalThis.browser ?? globalThis.chrome).runtime.sendMessage(${JSON.stringify(message)})`);
    if (!answer?.ok) throw new Error(`background: ${answer?.error}`);
    return answer.value;
  }

  /** Runs `fn(ext, arg)` in an extension page, with `ext` the extension API (devtools evaluation, outside the page's CSP). */
  async api(fn, arg) {
    const page = await this.controlPage();
    return page.evaluate(`(${fn.toString()})(globalThis.browser ?? globalThis.chrome, ${JSON.stringify(arg ?? null)})`);
  }

  async tabId(url) {
    return eventually(() => this.api(async (ext, u) => (await ext.tabs.query({})).find((t) => t.url === u)?.id, url), {
      what: `the tab of ${url}`,
      timeoutMs: 15_000,
    });
  }

  /** Opens a page in a new tab and resolves to {page, tabId}. */
  async open(url) {
    const page = await this.browser.newPage();
    await page.goto(url);
    return { page, tabId: await this.tabId(url) };
  }

  popup(tabId) {
    return this.extensionPage(`popup.html?tab=${tabId}`, { width: 380, height: 640 });
  }

  async configure({ apiBase, apiKey }) {
    const page = await this.extensionPage("options.html");
    await page.$eval("#api-base", (el, v) => (el.value = v), apiBase);
    await page.$eval("#api-key", (el, v) => (el.value = v), apiKey);
    await page.click("button[type=submit]");
    await until(page, () => document.getElementById("result").textContent.startsWith("Saved"));
    return page;
  }

  async badge() {
    return this.api((ext) => ext.action.getBadgeText({}));
  }
}
