// Export all memories as NDJSON (a download), and import an NDJSON file in
// requests of at most IMPORT_LINES lines, with progress and the rejected lines.
import { useState } from "preact/hooks";
import { api, describe } from "./api.js";
import { html } from "./ui.js";

/** Lines per import request: within the server's MAX_IMPORT_LINES (default 1000) and MAX_BODY_BYTES. */
const IMPORT_LINES = 200;
const IMPORT_BYTES = 512 * 1024;

/** The file's lines that carry a memory, with their line numbers (blank and end lines left out). */
function memoryLines(text) {
  const lines = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      if (JSON.parse(line)?.end === true) return;
    } catch {
      // Sent anyway: the server reports why the line is rejected.
    }
    lines.push({ number: i + 1, line });
  });
  return lines;
}

function chunks(lines) {
  const out = [];
  let chunk = [];
  let bytes = 0;
  for (const entry of lines) {
    if (chunk.length && (chunk.length === IMPORT_LINES || bytes + entry.line.length > IMPORT_BYTES)) {
      out.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += entry.line.length + 1;
  }
  if (chunk.length) out.push(chunk);
  return out;
}

export function Transfer() {
  const [exporting, setExporting] = useState("");
  const [progress, setProgress] = useState(null);
  const exportAll = async () => {
    setExporting("Exporting…");
    try {
      const response = await api("/v1/export", { raw: true });
      const blob = await response.blob();
      const text = await blob.text();
      if (!/"end":true/.test(text.slice(-200))) throw new Error("the export was cut short; try again");
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `memo-export-${new Date().toISOString().slice(0, 10)}.ndjson`;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      setExporting(`Exported ${text.split("\n").filter(Boolean).length - 1} memories.`);
    } catch (e) {
      setExporting(describe(e));
    }
  };
  const importFile = async (event) => {
    event.preventDefault();
    const file = event.currentTarget.file.files[0];
    if (!file) return;
    const lines = memoryLines(await file.text());
    const state = { total: lines.length, done: 0, created: 0, updated: 0, duplicate: 0, rejected: [], error: "" };
    setProgress({ ...state });
    for (const chunk of chunks(lines)) {
      try {
        const report = await api("/v1/import", {
          method: "POST",
          body: chunk.map((c) => c.line).join("\n"),
          headers: { "content-type": "application/x-ndjson" },
        });
        for (const key of ["created", "updated", "duplicate"]) state[key] += report.summary[key];
        for (const result of report.results) {
          if (result.status !== "error") continue;
          const field = result.error.field?.replace(/^line \d+:?\s*/, "");
          state.rejected.push({ number: chunk[result.index].number, field, message: result.error.message });
        }
      } catch (e) {
        state.error = describe(e);
        setProgress({ ...state });
        return;
      }
      state.done += chunk.length;
      setProgress({ ...state });
    }
  };
  return html`<section class="transfer" aria-labelledby="transfer-title">
    <h2 id="transfer-title">Export and import</h2>
    <h3>Export</h3>
    <p>Every memory, as NDJSON (one JSON object per line), ready to import elsewhere.</p>
    <button type="button" onClick=${exportAll}>Download export</button>
    <p role="status">${exporting}</p>
    <h3>Import</h3>
    <form onSubmit=${importFile}>
      <label for="import-file">NDJSON file (an export, or one capture per line)</label>
      <input id="import-file" name="file" type="file" accept=".ndjson,.jsonl,application/x-ndjson,application/json" required />
      <button type="submit">Import</button>
    </form>
    ${progress && html`<div class="progress">
      <label for="import-progress">Imported ${progress.done} of ${progress.total} lines</label>
      <progress id="import-progress" max=${progress.total || 1} value=${progress.done}></progress>
      <p role="status">${progress.created} created, ${progress.updated} updated, ${progress.duplicate} already there, ${progress.rejected.length} rejected.</p>
      ${progress.error && html`<p class="error" role="alert">${progress.error}</p>`}
      ${progress.rejected.length > 0 && html`<h4>Rejected lines</h4><ul class="rejected">
        ${progress.rejected.map((r) => html`<li>line ${r.number}${r.field ? `: ${r.field}` : ""} — ${r.message}</li>`)}
      </ul>`}
    </div>`}
  </section>`;
}
