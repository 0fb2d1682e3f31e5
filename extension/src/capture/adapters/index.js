// Which adapter reads a page: by the page's host. The build for the tests
// (and only it) also maps fixture pages served from 127.0.0.1 at
// /<real host>/<real path> to that host's adapter: the constant
// MEMO_FIXTURE_HOSTS is an empty list in the shipped build.
import chatgpt from "./chatgpt.js";
import claude from "./claude.js";
import gemini from "./gemini.js";
import perplexity from "./perplexity.js";

export const ADAPTERS = [chatgpt, claude, gemini, perplexity];

/* global MEMO_FIXTURE_HOSTS */
const FIXTURE_HOSTS = typeof MEMO_FIXTURE_HOSTS === "undefined" ? [] : MEMO_FIXTURE_HOSTS;

/** `{adapter, pathname}` for a page URL, or null when no adapter reads it. */
export function adapterFor(pageUrl, fixtureHosts = FIXTURE_HOSTS) {
  let url;
  try {
    url = new URL(pageUrl);
  } catch {
    return null;
  }
  let host = url.hostname;
  let pathname = url.pathname;
  if (fixtureHosts.includes(url.hostname)) {
    const [, first, ...rest] = url.pathname.split("/");
    host = first;
    pathname = `/${rest.join("/")}`;
  }
  const adapter = ADAPTERS.find((a) => a.hosts.includes(host));
  return adapter ? { adapter, pathname } : null;
}

/**
 * Where auto-save runs for `adapter`: `origins` are the host permissions it
 * needs (asked for when the user turns it on), `matches` the pages its
 * script is registered on. The test build adds the fixture pages
 * (http://127.0.0.1/<real host>/…).
 */
export function autoSaveTargets(adapter, fixtureHosts = FIXTURE_HOSTS) {
  const sites = adapter.hosts.map((h) => `https://${h}/*`);
  return {
    origins: [...sites, ...fixtureHosts.map((f) => `http://${f}/*`)],
    matches: [...sites, ...fixtureHosts.flatMap((f) => adapter.hosts.map((h) => `http://${f}/${h}/*`))],
  };
}
