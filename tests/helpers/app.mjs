// spawnApp(): the running stack the integration tests drive over real HTTP.
//
// Under `npm test` the runner starts one stack (embedded Postgres, migrations,
// `wrangler dev`) and passes it in MEMO_TEST_* variables; a test file run on
// its own (`node --test tests/x.test.mjs`) starts its own. Every test gets
// fresh tenants, so tests never see each other's data.
import { randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { admin, buildAdmin, startScratchStack } from "../../scripts/lib/stack.mjs";
import { ensureToolchain } from "../../scripts/lib/toolchain.mjs";
import { after } from "node:test";
import { TEST_VARS } from "./config.mjs";

let shared;
/** Stops the stack this file started, if it started one. */
let stopOwnStack = async () => {};
// Registered at import, so it belongs to the whole test file: registered from
// inside a `before` hook it would run as soon as that hook ends.
after(() => stopOwnStack());

async function stack() {
  if (process.env.MEMO_TEST_BASE_URL) {
    return {
      baseUrl: process.env.MEMO_TEST_BASE_URL,
      databaseUrl: process.env.MEMO_TEST_DATABASE_URL,
      logFile: process.env.MEMO_TEST_LOG_FILE,
    };
  }
  ensureToolchain();
  const started = await startScratchStack("test", { vars: TEST_VARS });
  stopOwnStack = started.stop;
  return started;
}

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

  async request(method, pathAndQuery, { json, body, headers = {} } = {}) {
    const allHeaders = { ...headers };
    if (this.key) allHeaders.authorization ??= `Bearer ${this.key}`;
    if (json !== undefined) {
      allHeaders["content-type"] ??= "application/json";
      body = JSON.stringify(json);
    }
    const response = await fetch(`${this.baseUrl}${pathAndQuery}`, { method, headers: allHeaders, body });
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

export async function spawnApp() {
  shared ??= stack().then((s) => {
    buildAdmin();
    return new App(s);
  });
  return shared;
}

/** A capture shaped like the MemoryLane extension's. */
export function memoryLaneCapture({ platform = "ChatGPT", id = randomUUID(), content } = {}) {
  const host = platform === "Claude" ? "claude.ai/chat" : "chatgpt.com/c";
  return {
    content:
      content ??
      `Human: How do I fix the asyncpg pool error in my python api server?\nAssistant: Use a pool and acquire a connection per request.`,
    source: platform === "Claude" ? "claude-extension" : "chatgpt-extension-v2",
    metadata: {
      url: `https://${host}/${id}`,
      platform,
      conversation_id: id,
      captureMethod: "manual",
      richContent: { images: [], codeBlocks: [{ language: "python" }], artifacts: [] },
      messageCount: 2,
    },
  };
}
