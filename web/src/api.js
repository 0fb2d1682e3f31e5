// The API key and every call to the API. The key lives in sessionStorage
// (gone when the tab closes) or, when the user asks to be remembered, in
// localStorage; never in a cookie, so no request carries it on its own.
const KEY = "memo.key";

export function storedKey() {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

export function storeKey(key, remember) {
  forgetKey();
  (remember ? localStorage : sessionStorage).setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
}

/** An API answer that is not 2xx: `code`, `message` and `field` as the server sent them. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? "http_error";
    this.field = error?.field;
  }
}

/** What a failure tells the user. */
export function describe(error) {
  if (error.name === "AbortError") return "";
  if (error instanceof ApiError) {
    if (error.status === 401) return "This API key was not accepted. Check it, or ask for a new one.";
    if (error.status === 429) return "Too many requests: wait a minute and try again.";
    return error.field ? `${error.message} (${error.field})` : error.message;
  }
  return `The server could not be reached (${error.message}).`;
}

/**
 * Calls the API with `key` (the stored one by default). `json` is sent as a
 * JSON body; `body` as is. Resolves to the parsed JSON (or the Response for
 * `raw`), rejects with ApiError.
 */
export async function api(path, { method = "GET", json, body, headers = {}, signal, key = storedKey(), raw = false } = {}) {
  const init = { method, signal, headers: { authorization: `Bearer ${key}`, ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    const answer = await response.json().catch(() => null);
    throw new ApiError(response.status, answer?.error);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}
