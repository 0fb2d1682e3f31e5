// Markdown to sanitised HTML: marked renders, DOMPurify removes anything
// that could run (scripts, handlers, javascript: URLs) before it reaches the page.
import DOMPurify from "dompurify";
import { Marked } from "marked";

const marked = new Marked({ gfm: true, breaks: true, async: false });

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

export function markdownHtml(text) {
  return DOMPurify.sanitize(marked.parse(text), { FORBID_TAGS: ["style", "form", "input", "button"], FORBID_ATTR: ["style"] });
}
