// perplexity.ai: the query heading and the markdown-content-N answers; /search/<slug>.
import { chatAdapter } from "./chat.js";
import { SELECTORS } from "./selectors.js";

export default chatAdapter({
  id: "perplexity",
  name: "Perplexity",
  hosts: ["perplexity.ai", "www.perplexity.ai"],
  idSegment: "search",
  selectors: SELECTORS.perplexity,
  siteSuffix: /\s*[-|]\s*Perplexity$/,
});
