// The one way tests open a Postgres connection (node-postgres).
import pg from "pg";

/** A connected client; the caller ends it. */
export async function connect(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

/** Runs one statement on a connection of its own; resolves to its rows. */
export async function sql(databaseUrl, text, params = []) {
  const client = await connect(databaseUrl);
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}
