// Pure helpers: the query's filters as chips, snippets, conversation turns.

/** The search operators shown as chips: `#tag`, `kind:`, `source:`, `before:`, `after:`, `url:`. */
const FILTER = /(^|\s)(#[^\s#"]+|(?:kind|source|before|after|url):(?:"[^"]*"|\S+))/g;

/** The filters in a query, each with where it stands so it can be removed. */
export function filtersOf(query) {
  const filters = [];
  for (const match of query.matchAll(FILTER)) {
    const start = match.index + match[1].length;
    filters.push({ text: match[2], start, end: start + match[2].length });
  }
  return filters;
}

/** The query without one of its filters. */
export function withoutFilter(query, filter) {
  return `${query.slice(0, filter.start)}${query.slice(filter.end)}`.replace(/\s+/g, " ").trim();
}

/** The query with `#tag` added (once). */
export function withTag(query, tag) {
  const chip = `#${tag}`;
  if (filtersOf(query).some((f) => f.text === chip)) return query;
  return `${query.trim()} ${chip}`.trim();
}

const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };

/**
 * A search snippet as parts `{text, mark}`. The server escapes the content
 * and adds only `<mark>` and `</mark>`: those become highlights and
 * everything else is shown as text, never parsed as HTML.
 */
export function snippetParts(snippet) {
  const parts = [];
  let mark = false;
  for (const piece of snippet.split(/(<\/?mark>)/)) {
    if (piece === "<mark>") mark = true;
    else if (piece === "</mark>") mark = false;
    else if (piece) parts.push({ text: piece.replace(/&(?:lt|gt|amp);/g, (e) => ENTITIES[e]), mark });
  }
  return parts;
}

const ROLE = /^(?:\*\*)?(human|user|you|you said|me|assistant|ai|chatgpt|chatgpt said|claude|claude said|gemini|model|system)(?:\*\*)?\s*:\s*(?:\*\*)?\s*/i;

/** A conversation's text as turns `{role, text}`; `null` when it has no role markers. */
export function turnsOf(content) {
  const turns = [];
  for (const line of content.split("\n")) {
    const marker = line.match(ROLE);
    if (marker) {
      const role = marker[1].toLowerCase();
      const user = ["human", "user", "you", "you said", "me"].includes(role);
      turns.push({ role: user ? "user" : role === "system" ? "system" : "assistant", text: line.slice(marker[0].length) });
    } else if (turns.length) {
      turns[turns.length - 1].text += `\n${line}`;
    } else if (line.trim()) {
      return null;
    }
  }
  return turns.length ? turns : null;
}

/** Tags typed as "a, b c" → ["a", "b", "c"]. */
export function tagList(text) {
  return text.split(/[\s,]+/).map((t) => t.replace(/^#/, "")).filter(Boolean);
}

/** Only http(s) links are shown as links. */
export function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}
