// Turns the page in front of the user into a capture. Runs in the page (the
// content script); pure DOM, so Node tests run it on fixture pages too.
import { Readability } from "@mozilla/readability";
import { adapterFor } from "./adapters/index.js";

export const SOURCE = "memo-extension";

function readablePage(document, pageUrl) {
  // Readability changes the document it reads: give it a copy.
  const article = new Readability(document.cloneNode(true)).parse();
  const text = (article?.textContent ?? document.body?.innerText ?? document.body?.textContent ?? "")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  const title = (article?.title || document.title || "").trim();
  return {
    content: text,
    url: pageUrl,
    metadata: {
      url: pageUrl,
      ...(title ? { title } : {}),
      ...(article?.siteName ? { siteName: article.siteName } : {}),
      ...(article?.byline ? { byline: article.byline } : {}),
      captureMethod: "page",
    },
  };
}

/**
 * `mode`: "auto" (the conversation on a chat page, else the readable page),
 * "page", "selection", or "link" (with `link: {url, text}`).
 * Resolves to `{capture, notice}`: `notice` tells the user what was captured
 * when it is not what they may expect. Never an empty capture: an error says
 * what is missing.
 */
export function capturePage({ document, pageUrl, selection = "", mode = "auto", link, fixtureHosts }) {
  if (mode === "link") {
    const text = (link?.text ?? "").trim();
    return {
      capture: {
        source: SOURCE,
        content: text && text !== link.url ? `${text}\n${link.url}` : link.url,
        url: link.url,
        metadata: { url: link.url, ...(text ? { title: text } : {}), linkedFrom: pageUrl, captureMethod: "link" },
      },
      notice: null,
    };
  }
  if (mode === "selection") {
    const text = selection.trim();
    if (!text) return { error: "Nothing is selected on this page." };
    const title = (document.title ?? "").trim();
    return {
      capture: {
        source: SOURCE,
        content: text,
        url: pageUrl,
        metadata: { url: pageUrl, ...(title ? { pageTitle: title } : {}), captureMethod: "selection" },
      },
      notice: null,
    };
  }
  let notice = null;
  const chat = mode === "auto" ? adapterFor(pageUrl, fixtureHosts) : null;
  if (chat) {
    const conversation = chat.adapter.extract(document, pageUrl, chat.pathname);
    if (conversation) return { capture: { source: SOURCE, ...conversation }, notice: null, platform: chat.adapter.name };
    notice = `This ${chat.adapter.name} page's conversation was not recognised (its page layout may have changed), so its readable text is saved instead.`;
  }
  const page = readablePage(document, pageUrl);
  if (!page.content) return { error: "This page has no readable text to save." };
  return { capture: { source: SOURCE, ...page }, notice };
}
