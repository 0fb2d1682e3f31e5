// Every search is one statement that uses an index: EXPLAIN of the exact SQL
// and bindings the worker sends (printed by `cargo run --example search_sql`)
// for each query shape, over enough rows in several tenants, after ANALYZE,
// must not scan `memories` sequentially; nor may the statements of the parts
// that the search statement runs through `memo_search_part` only when they
// are wanted (migration 0007): the fuzzy tier, and the text tier's look at
// all of the caller's matches. With a few dozen rows a sequential
// scan is the right plan, so the test loads 24,000 memories first.
//
// Most shapes run on the statement's generic plan, prepared once per server
// connection by `memo_search` (migration 0010): for those it is the generic
// plan that is explained, and what `memo_search` returns must be what the
// statement planned for its values returns.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, test } from "node:test";
import { random } from "../scripts/lib/random.mjs";
import { spawnApp } from "./helpers/app.mjs";
import { searchSql } from "./helpers/search-sql.mjs";
import { connect } from "./helpers/pg.mjs";

const ROWS_PER_TENANT = 6000;
const cursor = Buffer.from(`1735689600000000.${"ab".repeat(16)}.3f000000.1`).toString("base64url");
// As the worker makes them now: with when the newest memory was made at the first page.
const cursorAsOf = Buffer.from(`1735689600000000.${"ab".repeat(16)}.3f000000.1.1767225600000000`).toString("base64url");
// After a score of a third (0x3eaaaaab), which reads back exactly only in all its digits.
const cursorThird = Buffer.from(`1735689600000000.${"ab".repeat(16)}.3eaaaaab.1.1767225600000000`).toString("base64url");
const SHAPES = {
  words: "q=postgres+vacuum",
  phrase: "q=%22borrow+checker%22",
  exclusion: "q=rust+-python",
  "exclusion only": "q=-python",
  "exclusion only, second page": `q=-python&cursor=${cursor}`,
  "tag before a date": "tag=rust&before=2024-01-01",
  "words before a date days after the first memory": "q=postgres&before=2023-01-05",
  "or": "q=ramen+or+sushi",
  "typo (fuzzy)": "q=kubernets",
  "unfinished word (prefix)": "q=autovac",
  "short last word (the words before it)": "q=postgres+va",
  "tag and words": "q=%23rust+async",
  "tag only": "q=%23rust",
  "any tag only": "any_tag=cooking,travel",
  "kind and words": "q=budget&kind=note",
  "source only": "source=cli",
  "dates and words": "q=postgres&after=2024-01-01&before=2024-06-01",
  CJK: "q=%E6%9D%B1%E4%BA%AC",
  "memory id": "q=0b7c1e2a-3f4d-4e5f-8a6b-7c8d9e0f1a2b",
  "second page": `q=postgres&cursor=${cursor}`,
  "tag only, second page": `tag=rust&cursor=${cursor}`,
  "second page, as of the first": `q=postgres&cursor=${cursorAsOf}`,
  "tag only, second page, as of the first": `tag=rust&cursor=${cursorAsOf}`,
  "kind only, second page, as of the first": `kind=note&cursor=${cursorAsOf}`,
  "second page after a score of a third": `q=postgres&cursor=${cursorThird}`,
  "url only": "url=https%3A%2F%2Fexample.com%2Fa",
  "url and words": "q=postgres&url=https%3A%2F%2Fexample.com%2Fa",
  "url only, second page": `url=https%3A%2F%2Fexample.com%2Fa&cursor=${cursorAsOf}`,
};

let app;
/** One server connection, as a pooler's, for the prepared statements. */
let session;
before(async () => {
  app = await spawnApp();
  session = await connect(app.databaseUrl);
});
after(() => session?.end());

/**
 * `sql` with its parameters replaced by `values`, typed by `types` as the
 * worker types them: what Postgres plans for the worker's unnamed statement,
 * whose values it knows when planning. (A shape leaves some parameters
 * unused, so node-postgres, which sends no types, cannot bind them.)
 */
function withValues(sql, values, types) {
  return sql.replace(/\$(\d+)/g, (_, n) => typed(values[n - 1], types[n - 1]));
}

/** `value` as an SQL literal of type `type`. */
function typed(value, type) {
  const quote = (text) => `'${text.replace(/'/g, "''")}'`;
  const literal = (value) => {
    if (value === null) return "null";
    if (Buffer.isBuffer(value)) return `'\\x${value.toString("hex")}'`;
    if (Array.isArray(value)) return quote(`{${value.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(",")}}`);
    return quote(String(value));
  };
  return `(${literal(value)}::${type})`;
}

/**
 * The generic plan of `sql` (prepared with `types`) run with `values`, as
 * `memo_search` runs it.
 */
async function explainGeneric(sql, values, types) {
  await session.query(`prepare shape (${types.join(", ")}) as ${sql}`);
  await session.query("set plan_cache_mode = force_generic_plan");
  try {
    const args = values.map((value, i) => typed(value, types[i])).join(", ");
    const rows = await session.query(`explain (analyze, costs off, timing off, summary off) execute shape(${args})`);
    return rows.rows.map((row) => row["QUERY PLAN"]).join("\n");
  } finally {
    await session.query("reset plan_cache_mode");
    await session.query("deallocate shape");
  }
}

/** What a hit is, to compare two runs of a search. */
const hitsOf = (rows) => rows.map((row) => `${row.id} ${row.tier} ${row.score} ${row.snippet}`);

/** Memories with a varied vocabulary for `tenantName`, generated in SQL. */
async function load(tenantName, seed) {
  await app.sql(
    `with words as (select string_to_array($2, ' ') as w),
          tagset as (select string_to_array('rust,python,postgres,cooking,travel,finance,async,go', ',') as t),
          kinds as (select string_to_array('note,web_page,chatgpt_conversation,claude_conversation', ',') as k)
     insert into memories (tenant_id, title, content, tags, kind, source, created_at, captured_at)
     select t.id,
            (select string_agg(w[1 + (hashint4(i * 7 + j + $3) & 2147483647) % cardinality(w)], ' ')
               from generate_series(1, 4) j),
            (select string_agg(w[1 + (hashint4(i * 131 + j + $3) & 2147483647) % cardinality(w)], ' ')
               from generate_series(1, 60) j),
            array[tagset.t[1 + i % 8], tagset.t[1 + (i / 8) % 8]],
            kinds.k[1 + i % 4],
            case i % 3 when 0 then 'cli' when 1 then 'web-clipper' else 'chatgpt-extension-v2' end,
            timestamptz '2023-01-01' + (i * interval '97 minutes'),
            timestamptz '2023-01-01' + (i * interval '97 minutes')
     from tenants t, words, tagset, kinds, generate_series(1, $4) i
     where t.name = $1`,
    [tenantName, VOCABULARY, seed, ROWS_PER_TENANT],
  );
}

// Topic words and a tail of rarer ones, so that terms have realistic spreads.
const VOCABULARY = [
  ..."postgres vacuum autovacuum index planner rust tokio async borrow checker lifetime python pandas groupby kubernetes deployment helm docker budget invoice mortgage sourdough ramen sushi kyoto tokyo marathon guitar".split(" "),
  ..."the of and to in is that for it with as on be this are or from at have not but which you one all can".split(" "),
  ...Array.from({ length: 3000 }, (_, i) => `w${(i * 2654435761) % 100000}`),
  "東 京 天 気",
].join(" ");

test("every query shape of the search statement is index-backed", async () => {
  const { name, key } = app.tenant();
  await load(name, 1);
  for (let other = 0; other < 3; other++) await load(app.tenant().name, other + 2);
  await app.sql("analyze memories");

  const statements = searchSql(Object.values(SHAPES));
  // The worker's call of `memo_search` (crates/memo-api/src/sql/search/protocol.rs, `RUN_PREPARED`).
  const RUN_PREPARED = statements[0].run;
  const keyHash = createHash("sha256").update(key).digest();
  const [caller] = await app.sql(
    `select k.tenant_id::text as tenant, (select max(m.created_at)::text from memories m where m.tenant_id = k.tenant_id) as newest
     from api_keys k where k.key_hash = $1`,
    [keyHash],
  );
  const failures = [];
  const runs = {};
  for (const [index, shape] of Object.keys(SHAPES).entries()) {
    const { sql, bindings, types, names, prepared } = statements[index];
    // `$1`: the tenant in a prepared statement, which the worker's call authenticates first; else the key's hash.
    const values = [prepared ? caller.tenant : keyHash, ...bindings];
    const statement = withValues(sql, values, types);
    const plan = prepared ? await explainGeneric(sql, values, types) : await explain(statement);
    if (/Seq Scan on memories/.test(plan)) failures.push(`${shape}:\n${plan}`);
    // And the statement runs, returning at least the caller's row.
    const result = await app.sql(statement);
    assert.ok(result.length >= 1, shape);
    if (prepared) {
      // Twice, as two searches on one server connection: prepared by the first.
      for (let run = 0; run < 2; run++) {
        const { rows } = await session.query(RUN_PREPARED, [keyHash, bindings[0], sql]);
        assert.deepEqual(hitsOf(rows), hitsOf(result), `${shape}: the generic plan finds what the planned one does`);
      }
    }
    // The deferred parts' statements: $1 the tenant, $2… as above, with `newest` the tenant's newest memory.
    for (const [part, name] of [["fuzzy", "fuzzy_statement"], ["all_matches", "all_matches_statement"]]) {
      const run = plan.match(new RegExp(`Function Scan on memo_search_part ${part} \\((never executed|actual)`))?.[1];
      (runs[part] ??= {})[shape] = run;
      // bindings[0] is $2; the table's parameters follow from $3.
      const partSql = bindings[1 + names.indexOf(name)];
      assert.equal(partSql === null, run === undefined, `${shape}: ${part} is called if and only if it has a statement`);
      if (partSql === null) continue;
      const values = [caller.tenant, ...bindings];
      values[2 + names.indexOf("newest")] = caller.newest;
      const partStatement = withValues(partSql, values, ["uuid", ...types.slice(1)]);
      const partPlan = await explain(partStatement);
      if (/Seq Scan on memories/.test(partPlan)) failures.push(`${shape}, ${part}:\n${partPlan}`);
      await app.sql(partStatement);
    }
  }
  assert.deepEqual(failures, [], `sequential scans of memories:\n${failures.join("\n\n")}`);
  // Each part runs only when wanted.
  assert.equal(runs.fuzzy.words, "never executed", "postgres vacuum: full text finds enough");
  assert.equal(runs.fuzzy["unfinished word (prefix)"], "actual", "autovac: no word is autovac; the prefix is looked for");
  assert.equal(runs.all_matches["any tag only"], "never executed", "cooking or travel: the newest period holds enough");
  assert.equal(runs.all_matches.words, "actual", "postgres vacuum: fewer matches in the newest period than are ranked");

  // Each prepared shape was planned once, generically, on this connection.
  const preparedShapes = new Set(statements.filter((s) => s.prepared).map((s) => s.sql)).size;
  assert.ok(preparedShapes >= 5, `most shapes are prepared (${preparedShapes})`);
  assert.ok(statements.some((s) => !s.prepared), "the walk by date is planned for its values");
  const { rows: kept } = await session.query(
    "select generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where name like 'memo_search_%'",
  );
  assert.equal(kept.length, preparedShapes, "one prepared statement per shape");
  assert.ok(kept.every((k) => k.custom === 0 && k.generic >= 2), JSON.stringify(kept));

  // A server connection that was reset prepares again; and the values, which
  // `memo_search` passes on as literals, read back exactly whatever the
  // session's settings for writing them (a second page: a score, instants).
  const page = Object.keys(SHAPES).indexOf("second page after a score of a third");
  const { sql, bindings, types, names } = statements[page];
  const planned = await app.sql(withValues(sql, [caller.tenant, ...bindings], types));
  await session.query("discard all");
  await session.query("set datestyle = 'SQL, DMY'; set extra_float_digits = -15; set bytea_output = 'escape'; set timezone = 'Asia/Kolkata'");
  const { rows } = await session.query(RUN_PREPARED, [keyHash, bindings[0], sql]);
  // (Scores come back written under those settings too, so only which hits, in which order.)
  const which = (hits) => hits.map((row) => `${row.id} ${row.tier} ${row.snippet}`);
  assert.deepEqual(which(rows), which(planned), "after a reset, under other settings");
  assert.ok(rows.length > 1, "the second page has hits");
  const { rows: again } = await session.query("select count(*)::int as n from pg_prepared_statements where name like 'memo_search_%'");
  assert.equal(again[0].n, 1, "prepared again after the reset");

  // Each kind of value, awkward ones included, reaches the statement exactly
  // as bound, under those settings: a statement that returns them.
  // (They travel as one JSON value, `$2`, named as in the parameter table.)
  const all = JSON.parse(bindings[0]);
  const set = (name, value) => { all.find((p) => p.name === name).value = value; };
  const tags = ['a"b', "c,d", "e\\f", "g'h", "{i}", "NULL"];
  set("all_tags", tags);
  set("cursor_score", 1 / 3);
  set("cursor_created_at", "2025-03-30T01:30:00.123456Z");
  // (Written out inside the statement, so under the function's settings.)
  const at = (name) => `$${3 + names.indexOf(name)}`;
  const echo = `select $1, ${at("all_tags")}, ${at("cursor_score")}::text, extract(epoch from ${at("cursor_created_at")})::text`;
  const { rows: [echoed] } = await session.query(
    RUN_PREPARED.replace(/ as hit\([^)]*\)/, " as hit(tenant uuid, tags text[], score text, made text)"),
    [keyHash, JSON.stringify(all), echo],
  );
  assert.equal(echoed.tenant, caller.tenant);
  assert.deepEqual(echoed.tags, tags);
  assert.equal(Math.fround(Number(echoed.score)), Math.fround(1 / 3), `score ${echoed.score}`);
  assert.equal(echoed.made, "1743298200.123456");
});

/** The plan Postgres runs `sql` with, and what each part did. */
async function explain(sql) {
  const rows = await app.sql(`explain (analyze, costs off, timing off, summary off) ${sql}`);
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

// Search reads the vector of each of up to 200 candidates several times; a
// vector out of line costs a TOAST index lookup at each read (migration
// 0011). A memory whose row is too long keeps its vector and moves its
// content out instead.
test("a long memory's search vector stays in its row; its content leaves first", async () => {
  const { client } = app.tenant();
  const rand = random(20261127);
  const word = () => Array.from({ length: 7 }, () => "bcdfghjklmnpqrstvwxz"[Math.floor(rand() * 20)]).join("");
  const content = Array.from({ length: 140 }, word).join(" ");
  const r = await client.post("/v1/memories", { title: "A long note", content });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const [row] = await app.sql(
    `select pg_column_size(search) as vector, pg_column_toast_chunk_id(search) is null as vector_in_row,
            pg_column_toast_chunk_id(content) is null as content_in_row
     from memories where id = $1`, [r.body.id]);
  assert.ok(row.vector > 1200, `a vector long enough to matter (${row.vector} bytes)`);
  assert.deepEqual([row.vector_in_row, row.content_in_row], [true, false]);
});

// The parameters reach Postgres as the worker's table types them
// (crates/memo-api/src/sql/search/params.rs): the search functions take the arguments the
// protocol names (crates/memo-api/src/sql/search/protocol.rs), and a prepared search
// statement's parameters are the caller, the parameters as one value, and
// each of the table's, in its order and of its types.
test("the search functions' arguments and the prepared statements' parameters are the table's", async () => {
  const [{ sql, bindings, types, functions, run }] = searchSql(["q=postgres+vacuum"]);
  const procs = await app.sql(
    `select p.proname as name, array(select t::regtype::text from unnest(p.proargtypes::oid[]) t) as args
     from pg_proc p where p.proname in ('memo_search', 'memo_search_part') order by p.proname`);
  const named = async (list) =>
    (await app.sql("select array(select t::regtype::text from unnest($1::text[]) t) as names", [list]))[0].names;
  assert.deepEqual(procs, [
    { name: "memo_search", args: await named(functions.memo_search) },
    { name: "memo_search_part", args: await named(functions.memo_search_part) },
  ]);
  const { key } = app.tenant();
  const keyHash = createHash("sha256").update(key).digest();
  const client = await connect(app.databaseUrl);
  try {
    await client.query(run, [keyHash, bindings[0], sql]);
    const { rows } = await client.query(
      "select parameter_types::text[] as types from pg_prepared_statements where name like 'memo_search_%'");
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].types, await named(types));
  } finally {
    await client.end();
  }
});
