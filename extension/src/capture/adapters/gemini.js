// gemini.google.com: <user-query> and <model-response> elements; /app/<id>.
import { chatAdapter } from "./chat.js";
import { SELECTORS } from "./selectors.js";

export default chatAdapter({
  id: "gemini",
  name: "Gemini",
  hosts: ["gemini.google.com"],
  idSegment: "app",
  selectors: SELECTORS.gemini,
  siteSuffix: /\s*-\s*Gemini$/,
});
