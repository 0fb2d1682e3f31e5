// Every memory is findable whatever its size (migration 0014): by every word
// of its title and tags, and by its content's words up to the limit README's
// Search section states (the first 15,000 words). A memory's search keys
// used to pass the 1 MB a tsvector can address; the vector was then corrupt
// and the key index never returned the memory, not even for its title.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { random } from "../scripts/lib/random.mjs";
import { spawnApp } from "./helpers/app.mjs";

let app;
before(async () => {
  app = await spawnApp();
});

/** MAX_CONTENT_BYTES, the default the test stack runs with. */
const MAX_CONTENT_BYTES = 512 * 1024;
/** The bytes a tsvector can address (and the old keys passed). */
const TSVECTOR_BYTES = 1048575;

const letters = "abcdefghijklmnopqrstuvwxyz";

/** A generator of distinct lowercase words, seeded. */
function wordsFrom(seed) {
  const rand = random(seed);
  const seen = new Set();
  return () => {
    for (;;) {
      const length = 6 + Math.floor(rand() * 5);
      const word = Array.from({ length }, () => letters[Math.floor(rand() * 26)]).join("");
      if (!seen.has(word)) {
        seen.add(word);
        return word;
      }
    }
  };
}

/** How many memories of the caller `q` finds, and whether `id` is one. */
async function finds(client, query, id) {
  const r = await client.get(`/v1/search?${query}&limit=100`);
  assert.equal(r.status, 200, `${query}: ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body.items.some((item) => item.id === id);
}

/** The memory's keys' bytes, and whether its document's lexemes with the prefix would pass the bound. */
async function keySizes(id) {
  const [row] = await app.sql(
    `select (select sum(octet_length(k)) from unnest(tsvector_to_array(
                memo_search_keys(m.tenant_id, m.created_at, m.kind, m.source, m.tags, m.search))) k)::int8 as keys,
            (select sum(32 + octet_length(l)) from unnest(tsvector_to_array(m.search)) l)::int8 as unbounded
     from memories m where m.id = $1`,
    [id],
  );
  return { keys: Number(row.keys), unbounded: Number(row.unbounded) };
}

test("a memory at the content limit made of distinct random words is found by its title, tags and first words", async () => {
  const { client } = app.tenant();
  const word = wordsFrom(20261202);
  const titleWords = [word(), word(), word()];
  const content = [];
  let bytes = 0;
  for (;;) {
    const next = word();
    if (bytes + next.length + 1 > MAX_CONTENT_BYTES) break;
    content.push(next);
    bytes += next.length + 1;
  }
  const text = content.join(" ");
  assert.ok(Buffer.byteLength(text) <= MAX_CONTENT_BYTES && Buffer.byteLength(text) > MAX_CONTENT_BYTES - 12);
  const big = await client.post("/v1/memories", { title: titleWords.join(" "), content: text, tags: ["giant-memory"] });
  assert.equal(big.status, 201, JSON.stringify(big.body).slice(0, 300));
  // A smaller memory holding the first title word: both are found (the
  // smaller one alone was).
  const small = await client.post("/v1/memories", { content: `a short note about ${titleWords[0]}` });
  assert.equal(small.status, 201);

  const sizes = await keySizes(big.body.id);
  assert.ok(sizes.unbounded > TSVECTOR_BYTES, `the case needs keys past the bound: ${sizes.unbounded}`);
  assert.ok(sizes.keys <= TSVECTOR_BYTES, `keys within the bound: ${sizes.keys}`);

  for (const w of titleWords) assert.ok(await finds(client, `q=${w}`, big.body.id), `title word ${w}`);
  assert.ok(await finds(client, `q=${titleWords[0]}`, small.body.id));
  assert.ok(await finds(client, "q=%23giant-memory", big.body.id), "#tag");
  assert.ok(await finds(client, `tag=giant-memory&q=${titleWords[1]}`, big.body.id), "tag filter and a title word");
  // Content words within the documented limit (the first 15,000 words).
  for (const at of [0, 1, 7000, 14999]) {
    assert.ok(await finds(client, `q=${content[at]}`, big.body.id), `content word ${at}: ${content[at]}`);
  }
  assert.ok(await finds(client, `q=${encodeURIComponent(`${content[3]} ${content[14000]}`)}`, big.body.id));
  // And the first words as a prefix being typed.
  assert.ok(await finds(client, `q=${content[2].slice(0, 5)}`, big.body.id), "prefix");
});

/** A long, real-looking conversation about code: identifiers, paths, hashes, logs. */
function codeConversation(seed, chars) {
  const rand = random(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const syllables = [..."bcdfghjklmnprstvz"].flatMap((c) => [..."aeiou"].map((v) => c + v));
  const name = () => Array.from({ length: 2 + Math.floor(rand() * 3) }, () => pick(syllables)).join("");
  const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[Math.floor(rand() * 16)]).join("");
  const camel = () => {
    const second = name();
    return `${name()}${second[0].toUpperCase()}${second.slice(1)}`;
  };
  const turns = [];
  let length = 0;
  let n = 0;
  while (length < chars) {
    n += 1;
    const fn = `${name()}_${name()}_${n}`;
    const type = `${camel()}Config${n}`;
    const turn =
      n % 2
        ? `Human: the build of ${name()}-service fails after commit ${hex(12)} with error E${1000 + n} in ` +
          `src/${name()}/${name()}_${n}.rs, can you look at ${fn}?\n` +
          `    at ${camel()}.${camel()} (/srv/app/${name()}/${name()}.js:${n}:${n % 80})\n` +
          `    request_id=${hex(8)}-${hex(4)}-${hex(4)}-${hex(12)} user=${name()}${n}@example.test\n` +
          Array.from({ length: 12 }, () => `[${hex(6)}] ${name()} ${camel()} ${name()}=${hex(5)} ${name()}\n`).join("")
        : `Assistant: The ${type} is built before ${fn} reads it. Change it like this:\n\n` +
          "```rust\n" +
          `pub fn ${fn}(cfg: &${type}, ${name()}_${n}: u32) -> Result<${camel()}${n}, ${camel()}Error> {\n` +
          `    let ${name()}_${hex(4)} = cfg.${name()}_${n}.get("${name()}")?;\n` +
          `    tracing::debug!(${name()} = %${name()}_${n}, "${name()} ${name()} ${name()}");\n` +
          `    Ok(${camel()}${n}::new(${name()}_${n}))\n}\n` +
          "```\n\n" +
          `Then run \`cargo test -p ${name()}-${name()} ${fn}\` and check ${name()}${n}.log for ${camel()}.\n`;
    turns.push(turn);
    length += turn.length;
  }
  return turns.join("\n");
}

test("a long code-heavy conversation is found by its title and its first words", async () => {
  const { client } = app.tenant();
  const content = codeConversation(7, 400_000);
  const first = /^Human: the build of (\w+)-service fails after commit (\w+)/.exec(content);
  const big = await client.post("/v1/memories", {
    title: "Zanzibarian pipeline regression triage",
    content,
    tags: ["triage-log"],
    source: "claude-extension",
  });
  assert.equal(big.status, 201, JSON.stringify(big.body).slice(0, 300));
  const sizes = await keySizes(big.body.id);
  assert.ok(sizes.unbounded > TSVECTOR_BYTES, `the case needs keys past the bound: ${sizes.unbounded}`);
  assert.ok(sizes.keys <= TSVECTOR_BYTES, `keys within the bound: ${sizes.keys}`);
  for (const q of ["zanzibarian", "pipeline", "regression", "triage", "%23triage-log", first[1], first[2]]) {
    assert.ok(await finds(client, `q=${q}`, big.body.id), q);
  }
  assert.ok(await finds(client, `source=claude-extension&q=triage`, big.body.id), "a filter and a title word");
});

// The keys of a small memory are what they were (migration 0006): the index
// did not change for them.
test("a small memory's keys are its lexemes and filters, each once", async () => {
  const [row] = await app.sql(
    `select memo_search_keys(t, made, 'note', 'cli', '{rust}', memo_search_document('Heron notes', '{rust}', 'running herons'))::text
              = array_to_tsvector(array(select memo_tenant_key(t) || l
                                        from unnest(tsvector_to_array(memo_search_document('Heron notes', '{rust}', 'running herons'))) l)
                || array[memo_filter_key(t, 'tag', 'rust'), memo_filter_key(t, 'kind', 'note'), memo_filter_key(t, 'source', 'cli'),
                         memo_filter_key(t, 'a', (memo_search_day(made) / 90)::text),
                         memo_filter_key(t, 'b', ((memo_search_day(made) + 45) / 90)::text)])::text as same
     from (select '00000000-0000-4000-8000-000000000001'::uuid as t, timestamptz '2025-06-01' as made) v`,
  );
  assert.equal(row.same, true);
});
