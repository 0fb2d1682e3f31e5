// Statistics: captures per day over the last 90 days as an inline SVG chart,
// then kinds, sources and the most used tags.
import { useEffect, useState } from "preact/hooks";
import { api, describe } from "./api.js";
import { html } from "./ui.js";

const BAR = 8;
const HEIGHT = 100;

function Chart({ days }) {
  const max = Math.max(1, ...days.map((d) => d.count));
  const total = days.reduce((sum, d) => sum + d.count, 0);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${days.length * BAR} ${HEIGHT}`} role="img" aria-label=${`Captures per day over the last ${days.length} days: ${total} in all, at most ${max} in a day`} preserveAspectRatio="none">
      ${days.map((d, i) => {
        const height = (d.count / max) * (HEIGHT - 2);
        return html`<rect x=${i * BAR + 1} y=${HEIGHT - height} width=${BAR - 2} height=${height}><title>${d.day}: ${d.count}</title></rect>`;
      })}
    </svg>
    <figcaption><span>${days[0]?.day}</span><span>Captures per day (UTC)</span><span>${days[days.length - 1]?.day}</span></figcaption>
  </figure>`;
}

function Counts({ title, rows }) {
  return html`<table class="counts"><caption>${title}</caption>
    <thead><tr><th scope="col">Name</th><th scope="col">Memories</th></tr></thead>
    <tbody>${rows.map(([name, count]) => html`<tr><td>${name}</td><td>${count}</td></tr>`)}</tbody>
  </table>`;
}

export function Stats() {
  const [stats, setStats] = useState(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api("/v1/stats").then(setStats, (e) => setError(describe(e)));
  }, []);
  const sorted = (object) => Object.entries(object).sort((a, b) => b[1] - a[1]);
  return html`<section class="stats" aria-labelledby="stats-title">
    <h2 id="stats-title">Statistics</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${stats && html`<p>${stats.total} memories, ${stats.last_24h} in the last 24 hours.</p>
      <${Chart} days=${stats.by_day} />
      <div class="grid">
        <${Counts} title="Kinds" rows=${sorted(stats.by_kind)} />
        <${Counts} title="Sources" rows=${sorted(stats.by_source)} />
        <${Counts} title="Top tags" rows=${stats.top_tags.map((t) => [`#${t.tag}`, t.count])} />
      </div>`}
  </section>`;
}
