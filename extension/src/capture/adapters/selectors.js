// Every DOM selector the chat adapters use, in one place, so that a platform
// changing its markup is one edit here. Each platform lists its turns (user
// and assistant elements, matched in document order), where a turn's text
// is, its code blocks and its title.
export const SELECTORS = {
  chatgpt: {
    user: '[data-message-author-role="user"]',
    assistant: '[data-message-author-role="assistant"]',
    text: ".whitespace-pre-wrap, .markdown",
    code: 'pre code[class*="language-"]',
    title: 'nav a[aria-current="page"], [data-testid="conversation-title"]',
  },
  claude: {
    user: '[data-testid="user-message"]',
    assistant: ".font-claude-response, .font-claude-message",
    text: null,
    code: 'pre code[class*="language-"]',
    title: '[data-testid="chat-title-button"], [data-testid="chat-menu-trigger"]',
  },
  gemini: {
    user: "user-query",
    assistant: "model-response",
    text: ".query-text, message-content",
    code: 'code-block [data-test-id="code-content"], pre code[class*="language-"]',
    codeLanguage: ".code-block-decoration > span",
    title: '[data-test-id="conversation-title"], .conversation-title',
  },
  perplexity: {
    user: '[class*="group/query"], h1[class*="query"]',
    assistant: '[id^="markdown-content-"]',
    text: null,
    code: 'pre code[class*="language-"]',
    title: "h1",
  },
};
