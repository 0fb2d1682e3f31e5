// chatgpt.com: turns carry data-message-author-role; conversations live at /c/<id>.
import { chatAdapter } from "./chat.js";
import { SELECTORS } from "./selectors.js";

export default chatAdapter({
  id: "chatgpt",
  name: "ChatGPT",
  hosts: ["chatgpt.com", "chat.openai.com"],
  idSegment: "c",
  selectors: SELECTORS.chatgpt,
  siteSuffix: /\s*[-|]\s*ChatGPT$/,
});
