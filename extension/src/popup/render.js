// Renders a search snippet: the server marks matches with <mark>…</mark>;
// everything else is shown as text. No HTML from the server reaches the DOM:
// the snippet is split on the two literal tags and each part becomes a text
// node (inside a <mark> element for the marked parts).
export function renderSnippet(document, snippet) {
  const fragment = document.createDocumentFragment();
  const parts = String(snippet ?? "").split(/(<mark>[\s\S]*?<\/mark>)/);
  for (const part of parts) {
    if (!part) continue;
    const marked = /^<mark>([\s\S]*)<\/mark>$/.exec(part);
    if (marked) {
      const mark = document.createElement("mark");
      mark.textContent = marked[1];
      fragment.append(mark);
    } else {
      fragment.append(document.createTextNode(part));
    }
  }
  return fragment;
}
