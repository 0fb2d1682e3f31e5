// In front of the worker under plain workerd (`npm run serve`), doing what
// Workers static assets do under wrangler (wrangler.toml [assets]): GET and
// HEAD of /app/* answer with the file from web/public and the headers that
// web/public/_headers gives its path, or an empty 404 (wrangler's
// `run_worker_first = ["/*", "!/app/*"]` leaves /app/* to the assets alone);
// `…/index.html` redirects to its folder (html_handling "auto-trailing-slash");
// every other request goes to the worker.
const TYPES = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  json: "application/json",
};

/** `_headers`: a path pattern (a trailing `*` matches any rest), then indented `Name: value` lines. */
function headerRules(text) {
  const rules = [];
  for (const line of text.split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      rules.push({ pattern: line.trim(), headers: [] });
    } else if (rules.length) {
      const colon = line.indexOf(":");
      rules.at(-1).headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  return rules;
}

const matches = (pattern, path) => (pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/app/") || !["GET", "HEAD"].includes(request.method)) return env.API.fetch(request);
    if (url.pathname.endsWith("/index.html")) {
      return new Response(null, { status: 307, headers: { location: url.pathname.slice(0, -"index.html".length) } });
    }
    const file = url.pathname.endsWith("/") ? `${url.pathname}index.html` : url.pathname;
    const found = await env.ASSETS.fetch(new URL(file, "http://assets/"));
    if (!found.ok) return new Response(null, { status: 404 });
    const headers = new Headers({ "content-type": TYPES[file.split(".").pop()] ?? "application/octet-stream" });
    for (const rule of headerRules(env.HEADERS)) {
      if (matches(rule.pattern, url.pathname)) for (const [name, value] of rule.headers) headers.set(name, value);
    }
    return new Response(request.method === "HEAD" ? null : found.body, { status: 200, headers });
  },
};
