// App and Client: a running stack and a thin HTTP client for it, without
// node:test, so the reliability scripts can use them outside the test runner.
import { randomUUID } from "node:crypto";
import { admin } from "../../scripts/lib/stack.mjs";
import { sql } from "./pg.mjs";

/** Tenants made per memo-admin run: one process serves a test file's tenants. */
const TENANT_BATCH = 12;

export class App {
  constructor({ baseUrl, databaseUrl, logFile }) {
    this.baseUrl = baseUrl;
    this.databaseUrl = databaseUrl;
    /** The worker's log output (wrangler dev), to check what is logged. */
    this.logFile = logFile;
  }

  /** Tenants with a key each, made ahead by one memo-admin run. */
  #spareTenants = [];

  /** A new tenant with one key; returns { name, key, client }. */
  tenant() {
    if (!this.#spareTenants.length) {
      const names = Array.from({ length: TENANT_BATCH }, () => `test-${randomUUID()}`);
      const made = admin(this.databaseUrl, ["tenant", "create-with-keys", "--key-name", "integration test", ...names]);
      this.#spareTenants = made.split("\n").map((line) => line.split("\t"));
    }
    const [name, key] = this.#spareTenants.shift();
    return { name, key, client: new Client(this.baseUrl, key) };
  }

  /** An unauthenticated client. */
  anonymous() {
    return new Client(this.baseUrl, null);
  }

  /** Runs SQL directly against the database (to check what was stored). */
  async sql(text, params = []) {
    return sql(this.databaseUrl, text, params);
  }

  /** Rows stored for a tenant. */
  async countMemories(tenantName) {
    const [row] = await this.sql(
      "select count(*)::int as n from memories m join tenants t on t.id = m.tenant_id where t.name = $1",
      [tenantName],
    );
    return row.n;
  }

  admin(args) {
    return admin(this.databaseUrl, args);
  }
}

/** A thin HTTP client: JSON in, { status, headers, body } out. */
export class Client {
  constructor(baseUrl, key) {
    this.baseUrl = baseUrl;
    this.key = key;
  }

  /** `signal` aborts a request that takes too long (an AbortSignal). */
  async request(method, pathAndQuery, { json, body, headers = {}, signal } = {}) {
    const allHeaders = { ...headers };
    if (this.key) allHeaders.authorization ??= `Bearer ${this.key}`;
    if (json !== undefined) {
      allHeaders["content-type"] ??= "application/json";
      body = JSON.stringify(json);
    }
    const response = await fetch(`${this.baseUrl}${pathAndQuery}`, { method, headers: allHeaders, body, signal });
    const text = await response.text();
    let parsed = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  get(p, options) {
    return this.request("GET", p, options);
  }
  post(p, json, options = {}) {
    return this.request("POST", p, { json, ...options });
  }
  patch(p, json, options = {}) {
    return this.request("PATCH", p, { json, ...options });
  }
  delete(p, options) {
    return this.request("DELETE", p, options);
  }
}
