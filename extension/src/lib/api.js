// The Memo API as the extension uses it. Every failure becomes an ApiError
// whose `kind` says what to do: "network" and "server" (5xx, 429) may pass and
// are retried; "auth" (401) and "rejected" (other 4xx) will not pass by
// retrying.
import { retryAfterMs } from "./backoff.js";

export class ApiError extends Error {
  constructor(kind, message, { status, code, field, retryAfterMs: wait = 0 } = {}) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfterMs = wait;
  }

  get retryable() {
    return this.kind === "network" || this.kind === "server";
  }

  toJSON() {
    return { kind: this.kind, message: this.message, status: this.status, code: this.code, field: this.field };
  }
}

/** The base URL without a trailing slash; throws a clear error for anything but http(s). */
export function normaliseBase(raw) {
  let url;
  try {
    url = new URL(String(raw ?? "").trim());
  } catch {
    throw new ApiError("config", "The API base URL is not a URL (for example https://memo.example.com).");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ApiError("config", "The API base URL must start with http:// or https://.");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export class Api {
  constructor({ baseUrl, apiKey, fetchImpl = globalThis.fetch.bind(globalThis), timeoutMs = 30_000 }) {
    if (!apiKey) throw new ApiError("config", "No API key is set: open the extension's options.");
    this.base = normaliseBase(baseUrl);
    this.apiKey = apiKey;
    // Called as a plain function: fetch refuses another `this`.
    this.fetch = (...args) => fetchImpl(...args);
    this.timeoutMs = timeoutMs;
  }

  async request(method, path, { body, headers = {}, query } = {}) {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(query ?? {})) if (value != null) url.searchParams.set(name, value);
    let response;
    try {
      response = await this.fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.apiKey}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new ApiError("network", `Memo is unreachable at ${this.base} (${error.message}).`);
    }
    if (response.status === 204) return null;
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (response.ok) return json;
    const detail = json?.error ?? {};
    const message = detail.message ?? `HTTP ${response.status}`;
    const info = { status: response.status, code: detail.code, field: detail.field };
    if (response.status === 401) {
      throw new ApiError("auth", `The API key was refused (401): ${message}. Check the key in the options.`, info);
    }
    if (response.status === 429 || response.status >= 500) {
      const wait = retryAfterMs(response.headers.get("retry-after"));
      throw new ApiError("server", `Memo answered ${response.status}: ${message}`, { ...info, retryAfterMs: wait });
    }
    throw new ApiError("rejected", `Memo refused it (${response.status}): ${message}`, info);
  }

  captureBatch(items, idempotencyKey) {
    return this.request("POST", "/v1/memories/batch", { body: { items }, headers: { "idempotency-key": idempotencyKey } });
  }

  patchMemory(id, change) {
    return this.request("PATCH", `/v1/memories/${encodeURIComponent(id)}`, { body: change });
  }

  getMemory(id) {
    return this.request("GET", `/v1/memories/${encodeURIComponent(id)}`);
  }

  /** Memories stored with exactly this URL (the saved state). */
  byUrl(url) {
    return this.request("GET", "/v1/memories", { query: { url, limit: "1" } });
  }

  search(q, limit = 10) {
    return this.request("GET", "/v1/search", { query: { q, limit: String(limit) } });
  }

  tags(prefix, limit = 8) {
    return this.request("GET", "/v1/tags", { query: { prefix, limit: String(limit) } });
  }
}
