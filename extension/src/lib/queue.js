// The persistent capture queue. Every capture is stored with its own
// Idempotency-Key the moment it is made, then sent through
// POST /v1/memories/batch. It lives in storage (storage.local in the
// extension), so it survives the service worker being stopped and the browser
// restarting. Failures that may pass (network, 5xx, 429) wait with backoff and
// jitter, at least as long as `Retry-After`; other refusals are never retried
// on their own: the items are marked failed with the server's message until
// the user retries or discards them.
import { nextDelay } from "./backoff.js";

const ITEM = "queue:";
const STATE = "queue-state";

/** Queue storage in an extension storage area: one key per item, so adding one does not rewrite the rest. */
export function areaStorage(area) {
  return {
    async items() {
      const all = await area.get(null);
      return Object.entries(all).filter(([k]) => k.startsWith(ITEM)).map(([, v]) => v);
    },
    put: (items) => area.set(Object.fromEntries(items.map((item) => [ITEM + item.key, item]))),
    remove: (keys) => area.remove(keys.map((k) => ITEM + k)),
    state: async () => (await area.get(STATE))[STATE] ?? { attempt: 0, notBefore: 0 },
    setState: (state) => area.set({ [STATE]: state }),
  };
}

/** The same storage in memory, for Node (unit tests, benchmarks). */
export function memoryStorage() {
  const map = new Map();
  let state = { attempt: 0, notBefore: 0 };
  return {
    items: async () => [...map.values()].map((v) => structuredClone(v)),
    put: async (items) => items.forEach((item) => map.set(item.key, structuredClone(item))),
    remove: async (keys) => keys.forEach((key) => map.delete(key)),
    state: async () => ({ ...state }),
    setState: async (next) => {
      state = { ...next };
    },
  };
}

/** The batch's own Idempotency-Key: the same items give the same key, so a retried batch is replayed. */
async function batchKey(items) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(items.map((i) => i.key).join("\n")));
  return `memo-batch-${[...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class Queue {
  /**
   * `api()`: the Api to send with (may throw an ApiError of kind "config"
   * while the extension is not set up; the items then wait). `batchSize`: at
   * most the server's MAX_BATCH_ITEMS.
   */
  constructor({ storage, api, now = () => Date.now(), random = Math.random, batchSize = 100, backoff = {} }) {
    this.storage = storage;
    this.api = api;
    this.now = now;
    this.backoff = { ...backoff, random };
    this.batchSize = batchSize;
    this.outcomes = new Map();
    this.lock = Promise.resolve();
    this.counter = 0;
  }

  /** Serialises flushes and changes, so two triggers never send the same item at once. */
  exclusive(work) {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => {});
    return run;
  }

  /** Queues captures; each gets an Idempotency-Key now. Returns the items. */
  async add(captures, { trigger = "manual" } = {}) {
    const at = this.now();
    const items = captures.map((capture) => ({
      key: crypto.randomUUID(),
      capture,
      trigger,
      addedAt: at,
      order: at * 1000 + (this.counter++ % 1000),
      state: "pending",
    }));
    await this.storage.put(items);
    return items;
  }

  async items() {
    return (await this.storage.items()).sort((a, b) => a.order - b.order);
  }

  async counts() {
    const items = await this.storage.items();
    return { pending: items.filter((i) => i.state === "pending").length, failed: items.filter((i) => i.state === "failed").length };
  }

  /** What happened to an item this queue sent: {status, memory} or {status: "error", error}. */
  outcome(key) {
    return this.outcomes.get(key);
  }

  discard(key) {
    return this.exclusive(async () => {
      await this.storage.remove([key]);
    });
  }

  /** Puts failed items back to pending (the user asked to try again). */
  retry(keys) {
    return this.exclusive(async () => {
      const items = (await this.storage.items()).filter((i) => i.state === "failed" && (!keys || keys.includes(i.key)));
      await this.storage.put(items.map((i) => ({ ...i, state: "pending", error: undefined })));
      await this.storage.setState({ attempt: 0, notBefore: 0 });
    });
  }

  /**
   * Sends pending items, a batch at a time, until none are left or a batch
   * fails. `force` ignores the backoff wait. Resolves to
   * `{sent, failed, retryInMs, error}`: `retryInMs` is set when pending items
   * wait for a retry.
   */
  flush({ force = false } = {}) {
    return this.exclusive(() => this.flushNow(force));
  }

  async flushNow(force) {
    const report = { sent: 0, failed: 0, retryInMs: null, error: null };
    let state = await this.storage.state();
    if (!force && state.notBefore > this.now()) {
      report.retryInMs = state.notBefore - this.now();
      return report;
    }
    let api;
    try {
      api = this.api();
    } catch (error) {
      report.error = error;
      return report;
    }
    for (;;) {
      const batch = (await this.items()).filter((i) => i.state === "pending").slice(0, this.batchSize);
      if (!batch.length) break;
      let answer;
      try {
        answer = await api.captureBatch(batch.map((i) => i.capture), await batchKey(batch));
      } catch (error) {
        report.error = error;
        if (error.retryable) {
          const wait = nextDelay(state.attempt, error.retryAfterMs, this.backoff);
          state = { attempt: state.attempt + 1, notBefore: this.now() + wait, lastError: error.message };
          await this.storage.setState(state);
          report.retryInMs = wait;
        } else if (error.kind !== "config") {
          await this.fail(batch.map((item) => [item, { message: error.message, code: error.code, status: error.status }]));
          report.failed += batch.length;
        }
        return report;
      }
      state = { attempt: 0, notBefore: 0 };
      await this.storage.setState(state);
      const done = [];
      const failed = [];
      for (const result of answer?.results ?? []) {
        const item = batch[result.index];
        if (!item) continue;
        if (result.status === "error") {
          const error = result.error ?? {};
          failed.push([item, { message: `${error.message ?? "refused"}${error.field ? ` (${error.field})` : ""}`, code: error.code, status: 422 }]);
        } else {
          this.outcomes.set(item.key, { status: result.status, memory: result.memory });
          done.push(item.key);
        }
      }
      await this.storage.remove(done);
      await this.fail(failed);
      report.sent += done.length;
      report.failed += failed.length;
    }
    return report;
  }

  async fail(pairs) {
    if (!pairs.length) return;
    for (const [item, error] of pairs) this.outcomes.set(item.key, { status: "error", error });
    await this.storage.put(pairs.map(([item, error]) => ({ ...item, state: "failed", error })));
  }
}
