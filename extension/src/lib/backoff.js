// When to try again after a failure that may pass (network errors, 5xx, 429).

/** Defaults: the first retry within a second, never more than five minutes apart. */
export const BACKOFF = { baseMs: 1000, maxMs: 5 * 60_000 };

/**
 * "Full jitter": a random delay between 0 and base·2^attempt (capped), so
 * that many browsers coming back online together do not retry in step.
 */
export function backoffDelay(attempt, { baseMs = BACKOFF.baseMs, maxMs = BACKOFF.maxMs, random = Math.random } = {}) {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(random() * ceiling);
}

/** `Retry-After` (seconds or an HTTP date) in milliseconds from `now`; 0 when absent or unreadable. */
export function retryAfterMs(header, now = Date.now()) {
  if (header == null || header === "") return 0;
  const text = String(header).trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/** The wait before the next attempt: the server's `Retry-After` when it asks for longer than the backoff. */
export function nextDelay(attempt, retryAfter, options) {
  return Math.max(retryAfter ?? 0, backoffDelay(attempt, options));
}
