// "Test connection": says exactly what is wrong, in the order a person
// would fix it: the URL, reaching the server, CORS, the server's database,
// the key.
import { Api, normaliseBase } from "../lib/api.js";

export async function testConnection({ apiBase, apiKey, hasHostPermission, extensionOrigin, fetchImpl = fetch }) {
  let base;
  try {
    base = normaliseBase(apiBase);
  } catch (error) {
    return { ok: false, problem: "url", message: error.message };
  }
  let health;
  try {
    health = await fetchImpl(`${base}/health`);
  } catch {
    // An opaque answer to a no-cors request means the server answered and
    // only the browser's CORS check failed.
    const reachable = await fetchImpl(`${base}/health`, { mode: "no-cors" }).then(() => true, () => false);
    if (!reachable) {
      return { ok: false, problem: "unreachable", message: `Memo is unreachable at ${base}: check the URL and that the server is running.` };
    }
    return {
      ok: false,
      problem: "cors",
      message: hasHostPermission
        ? `The server at ${base} answered, but the browser blocked the answer (CORS).`
        : `CORS: the server at ${base} answered, but the browser blocked the answer because this extension has no access to ${new URL(base).origin}. Click Save and allow access, or add ${extensionOrigin} to CORS_ALLOWED_ORIGINS on the server.`,
    };
  }
  if (health.status === 503) {
    return { ok: false, problem: "database", message: `Memo at ${base} is running but its database is unavailable (503).` };
  }
  if (!health.ok) {
    return { ok: false, problem: "not-memo", message: `${base}/health answered ${health.status}: is this a Memo server?` };
  }
  if (!apiKey) return { ok: false, problem: "key", message: "No API key is set." };
  try {
    await new Api({ baseUrl: base, apiKey, fetchImpl }).tags("", 1);
  } catch (error) {
    const problem = error.kind === "auth" ? "key" : error.kind;
    const message = error.kind === "auth" ? `Bad API key: Memo refused it (401). Create one with "npm run admin -- key create".` : error.message;
    return { ok: false, problem, message };
  }
  return { ok: true, problem: null, message: `Connected to Memo at ${base}; the key works.` };
}
