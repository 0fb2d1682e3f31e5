// The one generator of capture bodies for the tests and the reliability
// scenarios (no node:test here, so scripts can import it too).
import { randomUUID } from "node:crypto";

/** A capture shaped like the MemoryLane extension's. */
export function memoryLaneCapture({ platform = "ChatGPT", id = randomUUID(), content, source } = {}) {
  const host = platform === "Claude" ? "claude.ai/chat" : "chatgpt.com/c";
  return {
    content:
      content ??
      `Human: How do I fix the asyncpg pool error in my python api server?\nAssistant: Use a pool and acquire a connection per request.`,
    source: source ?? (platform === "Claude" ? "claude-extension" : "chatgpt-extension-v2"),
    metadata: {
      url: `https://${host}/${id}`,
      platform,
      conversation_id: id,
      captureMethod: "manual",
      richContent: { images: [], codeBlocks: [{ language: "python" }], artifacts: [] },
      messageCount: 2,
    },
  };
}
