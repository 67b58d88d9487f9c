/** Compare with the previous period: per path, the two ranges side by side and their change. */
import { el, replaceChildren } from "./dom";
import { formatChange, formatCount, formatMs, formatPercent } from "./format";
import type { CompareRow } from "./types";

const signedMs = (ms: number | null) => (ms === null ? "—" : `${ms > 0 ? "+" : ""}${formatMs(ms)}`);
const signedPoints = (fraction: number | null) =>
  fraction === null ? "—" : `${fraction > 0 ? "+" : ""}${(fraction * 100).toFixed(1)} pt`;

function row(r: CompareRow): HTMLTableRowElement {
  const change = formatChange(r.change.requestsRatio);
  return el(
    "tr",
    // Not data-path/data-method: those mark leaderboard rows only (the page's scripting contract).
    { "data-compare": `${r.method} ${r.path}` },
    // Cut to one line by the styles (th.path): the whole path on hover.
    el("th", { scope: "row", class: "path", title: `${r.method} ${r.path}` }, `${r.method} ${r.path}`),
    el("td", { class: "num" }, formatCount(r.base.requests)),
    el("td", { class: "num" }, formatCount(r.current.requests)),
    el("td", { class: `num change ${change.direction}` }, change.text),
    el("td", { class: "num" }, `${formatPercent(r.current.errorRate)} (${signedPoints(r.change.errorRate)})`),
    el("td", { class: "num" }, `${formatMs(r.current.p95)} (${signedMs(r.change.p95)})`),
  );
}

/** Draws the comparison table into `container`. */
export function renderCompare(container: HTMLElement, rows: readonly CompareRow[]): void {
  if (rows.length === 0) {
    replaceChildren(container, el("p", { class: "note info" }, "No paths in either period."));
    return;
  }
  const head = ["Path", "Previous", "Current", "Change", "Error rate (change)", "p95 (change)"];
  replaceChildren(
    container,
    el(
      "table",
      { class: "compare" },
      el("caption", {}, "Requests, error rate and p95 against the previous period of the same length"),
      el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows.map(row)),
    ),
  );
}
