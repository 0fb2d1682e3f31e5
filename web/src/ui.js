// What the views share: the htm template tag bound to Preact, and small parts.
import { h } from "preact";
import htm from "htm";

export const html = htm.bind(h);

/** Is the key press meant for a text field rather than a shortcut? */
export function typing(event) {
  const t = event.target;
  return t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));
}

export function TagChips({ tags }) {
  return html`<span class="tags">${tags.map((t) => html`<span class="tag">#${t}</span>`)}</span>`;
}
