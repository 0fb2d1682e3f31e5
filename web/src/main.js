// Memo's web app: sign in with an API key, search, read and edit memories,
// tidy tags, see statistics, export and import. Preact with htm (no build
// step beyond esbuild's bundle); every view reads the API of the same origin.
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe, forgetKey, storedKey, storeKey } from "./api.js";
import { Stats } from "./stats.js";
import { Tidy } from "./tidy.js";
import { Transfer } from "./transfer.js";
import { MemoryView } from "./memory.js";
import { filtersOf, snippetParts, tagList, withoutFilter, withTag } from "./text.js";
import { SEARCH_DEBOUNCE_MS } from "./timing.js";
import { html, TagChips, typing } from "./ui.js";

const PAGE = 20;

function routeOf(hash) {
  const [view, id] = hash.replace(/^#\/?/, "").split("/");
  if (view === "m" && id) return { view: "search", memory: decodeURIComponent(id) };
  return { view: ["tidy", "stats", "transfer"].includes(view) ? view : "search", memory: null };
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const key = form.key.value.trim();
    if (!key) return setError("Paste your API key first.");
    setBusy(true);
    setError("");
    try {
      await api("/v1/memories?limit=1", { key });
      storeKey(key, form.remember.checked);
      onSignedIn(key);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(false);
    }
  };
  return html`<main id="main" class="signin">
    <h1>Memo</h1>
    <form onSubmit=${submit} aria-describedby="signin-help">
      <p id="signin-help">Sign in with an API key (from <code>npm run dev</code> or <code>memo-admin key create</code>).</p>
      <label for="key">API key</label>
      <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required aria-invalid=${error ? "true" : "false"} aria-describedby=${error ? "signin-error" : undefined} />
      <label class="check"><input type="checkbox" name="remember" /> Remember on this device</label>
      <button type="submit" disabled=${busy}>${busy ? "Checking…" : "Sign in"}</button>
      ${error && html`<p id="signin-error" class="error" role="alert">${error}</p>`}
    </form>
  </main>`;
}

function Snippet({ item }) {
  if (item.snippet) {
    return html`<p class="snippet">${snippetParts(item.snippet).map((p) => (p.mark ? html`<mark>${p.text}</mark>` : p.text))}</p>`;
  }
  const preview = item.preview ?? (item.content ?? "").slice(0, 300);
  return html`<p class="snippet">${preview}</p>`;
}

function BulkBar({ selected, clear, onDone, setNotice }) {
  const [tags, setTags] = useState("");
  const [confirming, setConfirming] = useState(false);
  const run = async (action) => {
    const body = { ids: [...selected], action };
    if (action !== "delete") body.tags = tagList(tags);
    try {
      const answer = await api("/v1/memories/bulk", { method: "POST", json: body });
      const verb = { add_tags: "Tagged", remove_tags: "Untagged", delete: "Deleted" }[action];
      setNotice(`${verb} ${answer.changed} of ${selected.size} selected memories.`);
      setConfirming(false);
      clear();
      onDone();
    } catch (e) {
      setNotice(describe(e));
    }
  };
  return html`<div class="bulk" role="region" aria-label="Selected memories">
    <span>${selected.size} selected</span>
    <label for="bulk-tags" class="visually-hidden">Tags for the selected memories</label>
    <input id="bulk-tags" placeholder="tags, comma separated" value=${tags} onInput=${(e) => setTags(e.currentTarget.value)} />
    <button type="button" onClick=${() => run("add_tags")} disabled=${!tags.trim()}>Add tags</button>
    <button type="button" onClick=${() => run("remove_tags")} disabled=${!tags.trim()}>Remove tags</button>
    ${confirming
      ? html`<button type="button" class="danger" onClick=${() => run("delete")}>Confirm delete of ${selected.size}</button>
          <button type="button" onClick=${() => setConfirming(false)}>Cancel</button>`
      : html`<button type="button" class="danger" onClick=${() => setConfirming(true)}>Delete selected</button>`}
    <button type="button" onClick=${clear}>Clear selection</button>
  </div>`;
}

function Search({ open, memoryOpen, setNotice, reloadToken, reload }) {
  const [query, setQuery] = useState("");
  const [page, setPage] = useState({ items: [], cursor: null, loading: false, error: "", done: false });
  const [facets, setFacets] = useState(null);
  const [current, setCurrent] = useState(-1);
  const [selected, setSelected] = useState(new Set());
  const input = useRef();
  const sentinel = useRef();
  const inflight = useRef(null);
  // What the key handler reads: kept current synchronously, so keys pressed
  // faster than the page renders still act on the right result.
  const keys = useRef({ current: -1 });
  keys.current.items = page.items;
  keys.current.memoryOpen = memoryOpen;
  const select = (index) => {
    keys.current.current = index;
    setCurrent(index);
  };

  const load = async (cursor) => {
    inflight.current?.abort();
    const controller = new AbortController();
    inflight.current = controller;
    const q = query.trim();
    const params = new URLSearchParams({ limit: String(PAGE) });
    if (q) params.set("q", q);
    if (cursor) params.set("cursor", cursor);
    setPage((p) => ({ ...p, loading: true, error: "" }));
    try {
      const answer = await api(`${q ? "/v1/search" : "/v1/memories"}?${params}`, { signal: controller.signal });
      setPage((p) => ({
        items: cursor ? [...p.items, ...answer.items] : answer.items,
        cursor: answer.next_cursor,
        loading: false,
        error: "",
        done: true,
      }));
      if (!cursor) select(-1);
    } catch (e) {
      if (e.name !== "AbortError") setPage((p) => ({ ...p, loading: false, error: describe(e) }));
    }
  };

  // Search as the user types: one request per pause, the previous one
  // cancelled. The newest memories (no query) need no pause.
  useEffect(() => {
    const timer = setTimeout(() => load(null), query.trim() ? SEARCH_DEBOUNCE_MS : 0);
    return () => {
      clearTimeout(timer);
      inflight.current?.abort();
    };
  }, [query, reloadToken]);

  useEffect(() => {
    api("/v1/tags?limit=12").then((answer) => setFacets(answer.tags), () => setFacets(null));
  }, [reloadToken]);

  // Infinite scroll: the next page when the end of the list comes into view.
  useEffect(() => {
    if (!sentinel.current || !page.cursor || page.loading) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) load(page.cursor);
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  }, [page.cursor, page.loading]);

  useEffect(() => {
    const onKey = (event) => {
      const { items, current, memoryOpen } = keys.current;
      if (memoryOpen || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "/" && !typing(event)) {
        event.preventDefault();
        input.current?.focus();
      } else if (event.key === "Escape" && event.target === input.current) {
        input.current.blur();
      } else if (!typing(event) && (event.key === "j" || event.key === "k")) {
        event.preventDefault();
        select(Math.max(0, Math.min(items.length - 1, current + (event.key === "j" ? 1 : -1))));
      } else if (!typing(event) && event.key === "Enter" && items[current]) {
        event.preventDefault();
        open(items[current].id);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    document.querySelector(`[data-index="${current}"]`)?.scrollIntoView({ block: "nearest" });
  }, [current]);

  const toggle = (id) => {
    const next = new Set(selected);
    next.has(id) ? next.delete(id) : next.add(id);
    setSelected(next);
  };
  const filters = filtersOf(query);
  return html`<section aria-label="Search" class="search">
    <div class="searchbar">
      <label for="q" class="visually-hidden">Search memories</label>
      <input id="q" ref=${input} type="search" placeholder="Search (/): words, #tag, kind:, source:, after:…" value=${query}
        onInput=${(e) => setQuery(e.currentTarget.value)} autocomplete="off" />
    </div>
    ${filters.length > 0 && html`<ul class="chips" aria-label="Active filters">
      ${filters.map((f) => html`<li class="chip">${f.text}
        <button type="button" aria-label=${`Remove filter ${f.text}`} onClick=${() => setQuery(withoutFilter(query, f))}>×</button></li>`)}
    </ul>`}
    ${facets?.length > 0 && html`<nav class="facets" aria-label="Tags">
      ${facets.map((f) => html`<button type="button" class="facet" onClick=${() => setQuery(withTag(query, f.tag))}>#${f.tag} <span class="count">${f.count}</span></button>`)}
    </nav>`}
    ${selected.size > 0 && html`<${BulkBar} selected=${selected} clear=${() => setSelected(new Set())} onDone=${reload} setNotice=${setNotice} />`}
    ${page.error && html`<p class="error" role="alert">${page.error}</p>`}
    <p class="visually-hidden" role="status">${page.done && !page.loading ? `${page.items.length} memories shown${page.cursor ? ", more below" : ""}` : ""}</p>
    <ol class="results" aria-label="Memories">
      ${page.items.map((item, i) => html`<li key=${item.id} data-index=${i} class=${i === current ? "result current" : "result"} aria-current=${i === current ? "true" : undefined}>
        <input type="checkbox" aria-label=${`Select ${item.title}`} checked=${selected.has(item.id)} onChange=${() => toggle(item.id)} />
        <div>
          <a class="title" href=${`#/m/${item.id}`}>${item.title}</a>
          <${Snippet} item=${item} />
          <p class="meta">${item.kind}${item.source ? ` · ${item.source}` : ""} · <time datetime=${item.created_at}>${item.created_at.slice(0, 10)}</time> <${TagChips} tags=${item.tags} /></p>
        </div>
      </li>`)}
    </ol>
    ${page.done && !page.loading && page.items.length === 0 && html`<p class="empty">${query.trim() ? "Nothing matches." : "No memories yet."}</p>`}
    ${page.cursor && html`<div ref=${sentinel} class="more"><button type="button" onClick=${() => load(page.cursor)} disabled=${page.loading}>${page.loading ? "Loading…" : "Load more"}</button></div>`}
  </section>`;
}

function App() {
  const [key, setKey] = useState(storedKey());
  const [route, setRoute] = useState(routeOf(location.hash));
  const [notice, setNotice] = useState("");
  const [reloadToken, setReloadToken] = useState(0);
  const reload = () => setReloadToken((t) => t + 1);
  // A message belongs to the view it was given in.
  useEffect(() => setNotice(""), [route.view]);
  useEffect(() => {
    const onHash = () => setRoute(routeOf(location.hash));
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  if (!key) return html`<${SignIn} onSignedIn=${setKey} />`;
  const signOut = () => {
    forgetKey();
    setKey(null);
    location.hash = "";
  };
  const go = (hash) => (location.hash = hash);
  const nav = [["#/", "Search", "search"], ["#/tidy", "Tidy", "tidy"], ["#/stats", "Stats", "stats"], ["#/transfer", "Export & import", "transfer"]];
  return html`<header>
      <a class="brand" href="#/">Memo</a>
      <nav aria-label="Views">${nav.map(([href, label, view]) => html`<a href=${href} aria-current=${route.view === view ? "page" : undefined}>${label}</a>`)}</nav>
      <button type="button" onClick=${signOut}>Sign out</button>
    </header>
    <main id="main">
      <h1 class="visually-hidden">Memo</h1>
      <p class="notice" role="status" aria-live="polite">${notice}</p>
      ${route.view === "search" && html`<${Search} open=${(id) => go(`#/m/${id}`)} memoryOpen=${!!route.memory} setNotice=${setNotice} reloadToken=${reloadToken} reload=${reload} />`}
      ${route.view === "tidy" && html`<${Tidy} setNotice=${setNotice} />`}
      ${route.view === "stats" && html`<${Stats} />`}
      ${route.view === "transfer" && html`<${Transfer} />`}
    </main>
    ${route.memory && html`<${MemoryView} id=${route.memory} close=${() => go("#/")} changed=${reload} setNotice=${setNotice} />`}`;
}

render(html`<${App} />`, document.getElementById("root"));
