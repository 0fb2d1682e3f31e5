// Tidy tags across all memories: rename, merge, delete (POST /v1/tags/*).
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api.js";
import { html } from "./ui.js";

export function Tidy({ setNotice }) {
  const [tags, setTags] = useState(null);
  const [error, setError] = useState("");
  const [renaming, setRenaming] = useState(null);
  const [confirmDelete, setConfirmDelete] = useState(null);
  const [chosen, setChosen] = useState(new Set());
  const [into, setInto] = useState("");
  const [token, setToken] = useState(0);
  const [prefix, setPrefix] = useState("");
  useEffect(() => {
    const controller = new AbortController();
    const params = new URLSearchParams({ prefix, limit: "100" });
    api(`/v1/tags?${params}`, { signal: controller.signal }).then((a) => setTags(a.tags), (e) => setError(describe(e)));
    return () => controller.abort();
  }, [token, prefix]);
  const run = async (path, json, message) => {
    try {
      const answer = await api(path, { method: "POST", json });
      setNotice(`${message}: ${answer.changed} memories changed.`);
      setRenaming(null);
      setConfirmDelete(null);
      setChosen(new Set());
      setInto("");
      setToken((t) => t + 1);
    } catch (e) {
      setNotice(describe(e));
    }
  };
  const choose = (tag) => {
    const next = new Set(chosen);
    next.has(tag) ? next.delete(tag) : next.add(tag);
    setChosen(next);
  };
  const rename = (event, from) => {
    event.preventDefault();
    const to = event.currentTarget.to.value.trim();
    if (to) run("/v1/tags/rename", { from, to }, `Renamed #${from} to #${to}`);
  };
  return html`<section class="tidy" aria-labelledby="tidy-title">
    <h2 id="tidy-title">Tidy tags</h2>
    <label for="tag-prefix">Tags starting with</label>
    <input id="tag-prefix" type="search" value=${prefix} onInput=${(e) => setPrefix(e.currentTarget.value)} autocomplete="off" />
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${chosen.size > 1 && html`<form class="bulk" onSubmit=${(e) => { e.preventDefault(); run("/v1/tags/merge", { tags: [...chosen], into }, `Merged ${chosen.size} tags into #${into}`); }}>
      <label for="merge-into">Merge ${chosen.size} tags into</label>
      <input id="merge-into" value=${into} onInput=${(e) => setInto(e.currentTarget.value)} required />
      <button type="submit">Merge</button>
    </form>`}
    ${tags && tags.length === 0 && html`<p>No tags yet.</p>`}
    ${tags && tags.length > 0 && html`<table class="tags-table">
      <thead><tr><th scope="col"><span class="visually-hidden">Choose</span></th><th scope="col">Tag</th><th scope="col">Memories</th><th scope="col">Actions</th></tr></thead>
      <tbody>${tags.map((t) => html`<tr key=${t.tag}>
        <td><input type="checkbox" aria-label=${`Choose #${t.tag} to merge`} checked=${chosen.has(t.tag)} onChange=${() => choose(t.tag)} /></td>
        <td>#${t.tag}</td>
        <td>${t.count}</td>
        <td>${renaming === t.tag
          ? html`<form class="inline" onSubmit=${(e) => rename(e, t.tag)}>
              <label class="visually-hidden" for=${`rename-${t.tag}`}>New name for #${t.tag}</label>
              <input id=${`rename-${t.tag}`} name="to" value=${t.tag} required />
              <button type="submit">Rename</button><button type="button" onClick=${() => setRenaming(null)}>Cancel</button></form>`
          : confirmDelete === t.tag
            ? html`<button type="button" class="danger" onClick=${() => run("/v1/tags/delete", { tag: t.tag }, `Deleted #${t.tag}`)}>Remove #${t.tag} from ${t.count}</button>
                <button type="button" onClick=${() => setConfirmDelete(null)}>Cancel</button>`
            : html`<button type="button" onClick=${() => setRenaming(t.tag)} aria-label=${`Rename #${t.tag}`}>Rename</button>
                <button type="button" class="danger" onClick=${() => setConfirmDelete(t.tag)} aria-label=${`Delete #${t.tag}`}>Delete</button>`}</td>
      </tr>`)}</tbody>
    </table>`}
  </section>`;
}
