// claude.ai: user turns are [data-testid="user-message"], Claude's are .font-claude-response; /chat/<id>.
import { chatAdapter } from "./chat.js";
import { SELECTORS } from "./selectors.js";

export default chatAdapter({
  id: "claude",
  name: "Claude",
  hosts: ["claude.ai"],
  idSegment: "chat",
  selectors: SELECTORS.claude,
  siteSuffix: /\s*-\s*Claude$/,
});
