// One memory: its content (conversations as turns, Markdown sanitised), its
// metadata and source link; its title and tags can be edited (tags with
// autocomplete from /v1/tags), and it can be deleted after a confirmation.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe } from "./api.js";
import { markdownHtml } from "./markdown.js";
import { safeUrl, tagList, turnsOf } from "./text.js";
import { html, TagChips, typing } from "./ui.js";

function Markdown({ text }) {
  return html`<div class="markdown" dangerouslySetInnerHTML=${{ __html: markdownHtml(text) }}></div>`;
}

function Content({ memory }) {
  const turns = turnsOf(memory.content);
  if (!turns) return html`<${Markdown} text=${memory.content} />`;
  return html`<ol class="turns" aria-label="Conversation">
    ${turns.map((t) => html`<li class=${`turn ${t.role}`}><p class="role">${t.role === "user" ? "You" : t.role === "system" ? "System" : "Assistant"}</p><${Markdown} text=${t.text} /></li>`)}
  </ol>`;
}

/** Suggestions for the tag being typed (the last of the list). */
function useTagSuggestions(text) {
  const [options, setOptions] = useState([]);
  useEffect(() => {
    const last = text.split(/[\s,]+/).pop().replace(/^#/, "");
    if (!last) return setOptions([]);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      const params = new URLSearchParams({ prefix: last, limit: "8" });
      api(`/v1/tags?${params}`, { signal: controller.signal }).then(
        (answer) => {
          const head = text.slice(0, text.length - last.length);
          setOptions(answer.tags.map((t) => `${head}${t.tag}`));
        },
        () => setOptions([]),
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [text]);
  return options;
}

function Editor({ memory, done, saved }) {
  const [title, setTitle] = useState(memory.title);
  const [tags, setTags] = useState(memory.tags.join(", "));
  const [error, setError] = useState("");
  const options = useTagSuggestions(tags);
  const first = useRef();
  useEffect(() => first.current?.focus(), []);
  const save = async (event) => {
    event.preventDefault();
    try {
      saved(await api(`/v1/memories/${memory.id}`, { method: "PATCH", json: { title: title.trim(), tags: tagList(tags) } }));
      done();
    } catch (e) {
      setError(describe(e));
    }
  };
  return html`<form class="editor" onSubmit=${save}>
    <label for="edit-title">Title</label>
    <input id="edit-title" ref=${first} value=${title} onInput=${(e) => setTitle(e.currentTarget.value)} required />
    <label for="edit-tags">Tags</label>
    <input id="edit-tags" list="tag-options" value=${tags} onInput=${(e) => setTags(e.currentTarget.value)} autocomplete="off" />
    <datalist id="tag-options">${options.map((o) => html`<option value=${o}></option>`)}</datalist>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="actions"><button type="submit">Save</button><button type="button" onClick=${done}>Cancel</button></div>
  </form>`;
}

export function MemoryView({ id, close, changed, setNotice }) {
  const [memory, setMemory] = useState(null);
  const [error, setError] = useState("");
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const heading = useRef();
  useEffect(() => {
    setMemory(null);
    setError("");
    api(`/v1/memories/${encodeURIComponent(id)}`).then(setMemory, (e) => setError(describe(e)));
  }, [id]);
  useEffect(() => {
    if (memory && !editing) heading.current?.focus();
  }, [memory, editing]);
  useEffect(() => {
    const onKey = (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        if (editing) setEditing(false);
        else if (confirming) setConfirming(false);
        else close();
      } else if (event.key === "e" && !typing(event) && memory && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        setEditing(true);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [editing, confirming, memory]);
  const remove = async () => {
    try {
      await api(`/v1/memories/${memory.id}`, { method: "DELETE" });
      setNotice(`Deleted “${memory.title}”.`);
      changed();
      close();
    } catch (e) {
      setError(describe(e));
    }
  };
  const link = memory?.url && safeUrl(memory.url);
  return html`<div class="overlay">
    <section class="memory" role="dialog" aria-modal="true" aria-labelledby="memory-title">
      <button type="button" class="close" onClick=${close} aria-label="Close (Esc)">×</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${!memory && !error && html`<p id="memory-title">Loading…</p>`}
      ${memory && html`
        ${editing
          ? html`<h2 id="memory-title">Edit memory</h2><${Editor} memory=${memory} done=${() => setEditing(false)} saved=${(m) => { setMemory(m); changed(); setNotice("Saved."); }} />`
          : html`<h2 id="memory-title" tabindex="-1" ref=${heading}>${memory.title}</h2>
            <p class="meta">${memory.kind}${memory.source ? ` · ${memory.source}` : ""} · <time datetime=${memory.created_at}>${new Date(memory.created_at).toLocaleString()}</time>
              ${memory.capture_count > 1 ? ` · captured ${memory.capture_count} times` : ""} <${TagChips} tags=${memory.tags} /></p>
            ${memory.url && (link ? html`<p><a href=${link} target="_blank" rel="noopener noreferrer">${memory.url}</a></p>` : html`<p class="meta">${memory.url}</p>`)}
            <div class="actions">
              <button type="button" onClick=${() => setEditing(true)}>Edit (e)</button>
              ${confirming
                ? html`<span role="alert">Delete this memory?</span> <button type="button" class="danger" onClick=${remove}>Yes, delete</button> <button type="button" onClick=${() => setConfirming(false)}>Keep it</button>`
                : html`<button type="button" class="danger" onClick=${() => setConfirming(true)}>Delete</button>`}
            </div>
            <${Content} memory=${memory} />
            <details class="metadata"><summary>Metadata</summary><pre>${JSON.stringify(memory.metadata, null, 2)}</pre></details>`}
      `}
    </section>
  </div>`;
}
