/**
 * Error breakdown by status class (2xx/3xx and other successes, 4xx, 5xx) as labelled bars with
 * counts and shares in text, so the chart reads without colour.
 */
import { el, replaceChildren } from "./dom";
import { formatCount, formatPercent } from "./format";
import type { Summary } from "./types";

/** Draws the breakdown of `summary` into `container`. */
export function renderErrorBreakdown(container: HTMLElement, summary: Summary): void {
  const ok = Math.max(0, summary.requests - summary.errors4xx - summary.errors5xx);
  const classes = [
    { id: "ok", label: "Success (1xx–3xx)", count: ok },
    { id: "4xx", label: "Client errors (4xx)", count: summary.errors4xx },
    { id: "5xx", label: "Server errors (5xx)", count: summary.errors5xx },
  ];
  const total = summary.requests;
  const rows = classes.map((c) => {
    const share = total === 0 ? 0 : c.count / total;
    const fill = el("span", { class: "fill" });
    // CSSOM, not a style attribute: the CSP forbids inline styles in markup.
    fill.style.width = `${(share * 100).toFixed(1)}%`;
    return el(
      "li",
      { class: `status-class status-${c.id}`, "data-status-class": c.id, "data-value": String(c.count) },
      el("span", { class: "status-label" }, c.label),
      el("span", { class: "bar", role: "img", "aria-label": `${formatPercent(share)} of requests` }, fill),
      el("span", { class: "status-count" }, `${formatCount(c.count)} (${formatPercent(share)})`),
    );
  });
  replaceChildren(
    container,
    total === 0 ? el("p", { class: "note info" }, "No requests in this range.") : null,
    el("ul", { class: "status-classes" }, ...rows),
  );
}
