// App and Client: a running stack and a thin HTTP client for it, without
// node:test, so the reliability scripts can use them outside the test runner.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { admin } from "../../scripts/lib/stack.mjs";

export class App {
  constructor({ baseUrl, databaseUrl, logFile }) {
    this.baseUrl = baseUrl;
    this.databaseUrl = databaseUrl;
    /** The worker's log output (wrangler dev), to check what is logged. */
    this.logFile = logFile;
  }

  /** A new tenant with one key; returns { name, key, client }. */
  tenant() {
    const name = `test-${randomUUID()}`;
    admin(this.databaseUrl, ["tenant", "create", name]);
    const key = admin(this.databaseUrl, ["key", "create", "--tenant", name, "--name", "integration test"]);
    return { name, key, client: new Client(this.baseUrl, key) };
  }

  /** An unauthenticated client. */
  anonymous() {
    return new Client(this.baseUrl, null);
  }

  /** Runs SQL directly against the database (to check what was stored). */
  async sql(text, params = []) {
    const client = new pg.Client({ connectionString: this.databaseUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
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
