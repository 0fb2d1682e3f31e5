// Realistic generated memories for the search benchmark: topics with their
// own vocabulary, titles and tags, English filler with a Zipf-like spread,
// some German, French and Japanese, kinds and sources in plausible
// proportions, dates over three years. Deterministic for a given seed.
import { random } from "../../scripts/lib/random.mjs";

export { random };

const TOPICS = {
  rust: {
    tags: ["rust", "async", "tokio", "programming"],
    words: "rust tokio async await borrow checker lifetime trait generic cargo crate macro ownership mutex channel future executor runtime wasm serde closure iterator".split(" "),
  },
  python: {
    tags: ["python", "pandas", "data", "programming"],
    words: "python pandas dataframe numpy asyncpg aiohttp virtualenv pip decorator generator comprehension pytest typing dict groupby merge plot matplotlib jupyter notebook".split(" "),
  },
  postgres: {
    tags: ["postgres", "database", "sql", "ops"],
    words: "postgres vacuum autovacuum index btree gin query planner explain analyze replication wal checkpoint bloat partition transaction isolation deadlock lock hyperdrive".split(" "),
  },
  kubernetes: {
    tags: ["kubernetes", "devops", "docker", "cloud"],
    words: "kubernetes cluster deployment pod service ingress helm chart docker container image registry node autoscaler namespace secret configmap rollout terraform".split(" "),
  },
  ml: {
    tags: ["machine-learning", "ai", "llm", "research"],
    words: "transformer embedding gradient descent attention tokenizer finetuning dataset benchmark inference quantization checkpoint epoch loss optimizer eigenvalue matrix vector".split(" "),
  },
  cooking: {
    tags: ["cooking", "recipe", "food", "baking"],
    words: "sourdough starter flour hydration dough oven bake knead proof yeast butter garlic onion simmer sauce pasta risotto curry spice roast".split(" "),
  },
  travel: {
    tags: ["travel", "japan", "trip", "itinerary"],
    words: "kyoto tokyo osaka train shinkansen hotel ryokan temple shrine itinerary flight passport visa museum ramen sushi onsen hiking lisbon".split(" "),
  },
  finance: {
    tags: ["finance", "budget", "tax", "investing"],
    words: "budget invoice tax return deduction mortgage interest rate portfolio index fund dividend expense receipt salary pension inflation savings".split(" "),
  },
  health: {
    tags: ["health", "fitness", "sleep", "running"],
    words: "marathon training interval tempo recovery sleep cardio strength squat deadlift protein hydration stretching injury physio heart rate".split(" "),
  },
  music: {
    tags: ["music", "guitar", "practice", "theory"],
    words: "guitar chord scale arpeggio metronome practice melody harmony piano ukulele rhythm tempo song lyrics recording mixing".split(" "),
  },
  german: {
    tags: ["deutsch", "notizen", "haushalt"],
    words: "steuererklärung einkauf wohnung miete vertrag kündigung termin arzt rezept straße bahnhof fahrplan urlaub müller größe".split(" "),
  },
  french: {
    tags: ["français", "notes", "voyage"],
    words: "réunion café déjeuner boulangerie crêpe église château vacances gare billet rendez-vous été hôtel".split(" "),
  },
  japanese: {
    tags: ["日本語", "メモ", "旅行"],
    words: "東京 京都 天気 電車 旅行 料理 会議 予定 ラーメン 寿司 温泉 新幹線".split(" "),
  },
};
const TOPIC_NAMES = Object.keys(TOPICS);
// Programming and ops topics dominate a developer's captures.
const TOPIC_WEIGHTS = [14, 12, 11, 9, 9, 7, 7, 5, 5, 4, 3, 2, 2];

const FILLER = ("the of and to a in is that for it as with was on be by this are or from at have an not but " +
  "which you one all were can there when we use how what about more time into some could than then also make " +
  "like just first new after should would most over only need way because work good problem question answer " +
  "example idea note remember later try setup config error issue fix change version update help thanks")
  .split(" ");

// A long tail of rarer words (names, jargon, typos…), so that the topic
// words are not the whole vocabulary: 20,000 pronounceable pseudo-words.
const SYLLABLES = "ka ri to mo en sa lu vi de po ran tek bar sol min gra fe zu nor quil".split(" ");
const TAIL = Array.from({ length: 20000 }, (_, i) => {
  let word = "";
  for (let n = i + 7; word.length < 5 || n > 0; n = Math.floor(n / SYLLABLES.length)) word += SYLLABLES[n % SYLLABLES.length];
  return word;
});

const KINDS = [
  ["chatgpt_conversation", 30], ["claude_conversation", 20], ["gemini_conversation", 5],
  ["perplexity_conversation", 5], ["conversation", 5], ["web_page", 20], ["note", 15],
];
const SOURCES = {
  chatgpt_conversation: "chatgpt-extension-v2", claude_conversation: "claude-extension",
  gemini_conversation: "gemini-extension", perplexity_conversation: "perplexity-extension",
  conversation: "api", web_page: "web-clipper", note: "cli",
};


function weighted(rand, items, weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  let r = rand() * total;
  for (let i = 0; i < items.length; i++) {
    r -= weights[i];
    if (r < 0) return items[i];
  }
  return items[items.length - 1];
}

const pick = (rand, list) => list[Math.floor(rand() * list.length)];
// Zipf-like: low indexes far more often.
const zipf = (rand, list) => list[Math.floor(list.length * rand() ** 2.5)];

const capital = (w) => w.charAt(0).toUpperCase() + w.slice(1);

// Most memories are about something other than the named topics: a "tail
// topic" is a fixed handful of tail words with tags of their own.
const TAIL_TOPIC_SHARE = 0.6;
function tailTopic(rand) {
  const n = Math.floor(rand() * 5000);
  const words = Array.from({ length: 24 }, (_, i) => TAIL[(n * 31 + i * 977) % TAIL.length]);
  return { tags: [words[0], words[1], `topic-${n % 300}`], words };
}

/** One memory: { title, content, tags, kind, source, created_at }; `at` in [0, 1) places it in the range. */
export function memory(rand, { from, to }, at = rand()) {
  const topic = rand() < TAIL_TOPIC_SHARE ? tailTopic(rand) : TOPICS[weighted(rand, TOPIC_NAMES, TOPIC_WEIGHTS)];
  // A second topic now and then, as real conversations wander.
  const other = rand() < 0.25 ? TOPICS[pick(rand, TOPIC_NAMES)] : topic;
  const titleWords = Array.from({ length: 2 + Math.floor(rand() * 4) }, () => zipf(rand, topic.words));
  const title = capital(titleWords.join(" "));
  const sentences = 2 + Math.floor(rand() * 10);
  const parts = [];
  for (let s = 0; s < sentences; s++) {
    const length = 6 + Math.floor(rand() * 14);
    const words = [];
    for (let w = 0; w < length; w++) {
      const r = rand();
      words.push(
        r < 0.08 ? zipf(rand, topic.words)
          : r < 0.1 ? pick(rand, other.words)
          : r < 0.35 ? zipf(rand, TAIL)
          : zipf(rand, FILLER),
      );
    }
    parts.push(capital(words.join(" ")) + ".");
  }
  const [kind] = weighted(rand, KINDS, KINDS.map(([, w]) => w));
  const conversation = kind.endsWith("conversation");
  const content = conversation
    ? `Human: ${parts.slice(0, 1).join(" ")}\nAssistant: ${parts.slice(1).join(" ")}`
    : parts.join(" ");
  const tagCount = 1 + Math.floor(rand() * 3);
  const tags = [...new Set(Array.from({ length: tagCount }, () => zipf(rand, topic.tags)))];
  const created = new Date(from + at * (to - from));
  return { title, content, tags, kind, source: SOURCES[kind], created_at: created.toISOString() };
}

/** The fixed query mix: typical searches of a store like this one. */
export const QUERY_MIX = [
  "postgres vacuum", "kubernetes deployment", "tokio mutex", "sourdough hydration", "kyoto temple",
  "pandas groupby", "transformer attention", "marathon training", "\"borrow checker\"", "index fund dividend",
  "guitar chord", "rust -python", "#rust async", "kind:note budget", "helm chart ingress", "steuererklärung",
  "café", "東京", "kubernets", "autovac", "hyperdrive", "query planner explain", "ramen or sushi", "squat deadlift",
];
