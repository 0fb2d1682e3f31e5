// What every chat adapter shares: reading the turns a platform's selectors
// name, in document order, into the capture memo-core understands
// ("User:" / "Assistant:" blocks) with the metadata the server keys
// conversations by.
export const ROLE_LABELS = { user: "User", assistant: "Assistant" };

function innerText(element) {
  // innerText keeps line breaks as rendered; textContent (jsdom, linkedom) is the fallback.
  return (element.innerText ?? element.textContent ?? "").replace(/\n{3,}/g, "\n\n").trim();
}

function languageOf(code, selectors) {
  const cls = [...(code.classList ?? [])].find((c) => c.startsWith("language-"));
  if (cls) return cls.slice("language-".length).toLowerCase();
  const block = code.closest?.("code-block");
  const label = selectors.codeLanguage && block?.querySelector(selectors.codeLanguage);
  return label ? innerText(label).toLowerCase() : null;
}

/**
 * Reads a conversation: `null` when the page has none of the platform's
 * turns (the caller falls back to the readable page and says so).
 */
export function readConversation(document, selectors) {
  const turnSelector = `${selectors.user}, ${selectors.assistant}`;
  // An element matching both (nested markup) counts once, as its outermost match.
  const turns = [...document.querySelectorAll(turnSelector)].filter(
    (el) => !el.parentElement?.closest(turnSelector),
  );
  const read = turns
    .map((el) => {
      const role = el.matches(selectors.user) ? "user" : "assistant";
      const parts = selectors.text ? [...el.querySelectorAll(selectors.text)] : [];
      const text = (parts.length ? parts.map(innerText).join("\n\n") : innerText(el)).trim();
      return { role, text };
    })
    .filter((t) => t.text);
  if (!read.length) return null;
  const languages = new Set();
  for (const code of document.querySelectorAll(selectors.code)) {
    const language = languageOf(code, selectors);
    if (language) languages.add(language);
  }
  const titleElement = selectors.title && document.querySelector(selectors.title);
  return { turns: read, languages: [...languages], title: titleElement ? innerText(titleElement) : "" };
}

/** The chat's text with role labels memo-core's title engine reads. */
export function conversationText(turns) {
  return turns.map((t) => `${ROLE_LABELS[t.role]}:\n${t.text}`).join("\n\n");
}

/** Builds an adapter from a platform's description. */
export function chatAdapter({ id, name, hosts, idSegment, selectors, siteSuffix }) {
  return {
    id,
    name,
    hosts,
    /** The conversation id from a chat URL's path: /<idSegment>/<id>. */
    conversationId(pathname) {
      const segments = pathname.split("/").filter(Boolean);
      const at = segments.indexOf(idSegment);
      return at >= 0 && segments[at + 1] ? decodeURIComponent(segments[at + 1]) : null;
    },
    extract(document, pageUrl, pathname) {
      const chat = readConversation(document, selectors);
      if (!chat) return null;
      const docTitle = (document.title ?? "").replace(siteSuffix, "").trim();
      const title = chat.title || (docTitle && docTitle !== name ? docTitle : "");
      const conversationId = this.conversationId(pathname);
      return {
        content: conversationText(chat.turns),
        url: pageUrl,
        metadata: {
          url: pageUrl,
          platform: name,
          ...(conversationId ? { conversation_id: conversationId } : {}),
          messageCount: chat.turns.length,
          ...(title ? { title } : {}),
          codeLanguages: chat.languages,
          captureMethod: "conversation",
        },
      };
    },
  };
}
