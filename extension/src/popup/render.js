// Renders a search snippet. The server sends HTML-escaped text (&amp; &lt;
// &gt;) with matches wrapped in <mark>…</mark>. No HTML from the server
// reaches the DOM: the snippet is split on the two literal tags, each part
// is unescaped and becomes a text node (inside a <mark> element for the
// marked parts).
const ENTITIES = { "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&amp;": "&" };

function unescape(text) {
  return text.replace(/&(?:lt|gt|quot|#39|amp);/g, (entity) => ENTITIES[entity]);
}

export function renderSnippet(document, snippet) {
  const fragment = document.createDocumentFragment();
  const parts = String(snippet ?? "").split(/(<mark>[\s\S]*?<\/mark>)/);
  for (const part of parts) {
    if (!part) continue;
    const marked = /^<mark>([\s\S]*)<\/mark>$/.exec(part);
    if (marked) {
      const mark = document.createElement("mark");
      mark.textContent = unescape(marked[1]);
      fragment.append(mark);
    } else {
      fragment.append(document.createTextNode(unescape(part)));
    }
  }
  return fragment;
}
