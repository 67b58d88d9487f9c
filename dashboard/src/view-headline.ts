/**
 * Headline figures of the selected range, each compared with the previous period of the same
 * length. Stable hooks: `data-metric` names the figure, `data-value` holds the plain number
 * (empty when there is none, e.g. a percentile without requests).
 */
import { el, replaceChildren } from "./dom";
import { formatChange, formatCount, formatMs, formatPercent } from "./format";
import type { Summary } from "./types";

type MetricId =
  | "requests"
  | "errors4xx"
  | "errors5xx"
  | "errorRate"
  | "p50"
  | "p95"
  | "p99"
  | "uniqueClients";

interface MetricSpec {
  id: MetricId;
  label: string;
  value: (s: Summary) => number | null;
  format: (v: number) => string;
  /** Whether a rise is bad news (errors, latency): worded as such, not only coloured. */
  higherIsWorse: boolean;
}

const METRICS: readonly MetricSpec[] = [
  { id: "requests", label: "Requests", value: (s) => s.requests, format: formatCount, higherIsWorse: false },
  {
    id: "errors4xx",
    label: "4xx errors",
    value: (s) => s.errors4xx,
    format: formatCount,
    higherIsWorse: true,
  },
  {
    id: "errors5xx",
    label: "5xx errors",
    value: (s) => s.errors5xx,
    format: formatCount,
    higherIsWorse: true,
  },
  {
    id: "errorRate",
    label: "Error rate",
    value: (s) => s.errorRate,
    format: formatPercent,
    higherIsWorse: true,
  },
  { id: "p50", label: "Latency p50", value: (s) => s.latencyMs.p50, format: formatMs, higherIsWorse: true },
  { id: "p95", label: "Latency p95", value: (s) => s.latencyMs.p95, format: formatMs, higherIsWorse: true },
  { id: "p99", label: "Latency p99", value: (s) => s.latencyMs.p99, format: formatMs, higherIsWorse: true },
  {
    id: "uniqueClients",
    label: "Unique clients",
    value: (s) => s.uniqueClients,
    format: formatCount,
    higherIsWorse: false,
  },
];

/** The change line of one figure, worded for a reader (and for a screen reader). */
function changeLine(spec: MetricSpec, current: number | null, previous: number | null): HTMLElement {
  if (current === null || previous === null) return el("p", { class: "change flat" }, "no previous data");
  const ratio = previous === 0 ? (current === 0 ? 0 : null) : current / previous - 1;
  const change = formatChange(ratio);
  const tone =
    change.direction === "flat"
      ? "flat"
      : (change.direction === "up") === spec.higherIsWorse
        ? "worse"
        : "better";
  return el("p", { class: `change ${tone}` }, `${change.text} vs previous period`);
}

/** The headline figures, updated in place by live deltas between two full refreshes. */
export class HeadlineView {
  private summary: Summary | null = null;
  private previous: Summary | null = null;

  constructor(private readonly container: HTMLElement) {}

  /** Draws the figures of `summary`, compared with `previous` (null: no comparison). */
  render(summary: Summary, previous: Summary | null): void {
    this.summary = summary;
    this.previous = previous;
    this.container.dataset.from = summary.from;
    this.container.dataset.to = summary.to;
    replaceChildren(this.container, ...METRICS.map((spec) => this.figure(spec)));
  }

  private figure(spec: MetricSpec): HTMLElement {
    const summary = this.summary as Summary;
    const value = spec.value(summary);
    const previous = this.previous ? spec.value(this.previous) : null;
    return el(
      "article",
      { class: "figure", "data-metric": spec.id, "data-value": value === null ? "" : String(value) },
      el("h3", {}, spec.label),
      el("p", { class: "value" }, value === null ? "—" : spec.format(value)),
      this.previous ? changeLine(spec, value, previous) : null,
    );
  }

  /** Adds a live batch's counts (exact figures follow with the next refresh). */
  addCounts(delta: { requests: number; errors4xx: number; errors5xx: number }): void {
    if (!this.summary || delta.requests === 0) return;
    const s = this.summary;
    const requests = s.requests + delta.requests;
    const errors4xx = s.errors4xx + delta.errors4xx;
    const errors5xx = s.errors5xx + delta.errors5xx;
    this.render(
      { ...s, requests, errors4xx, errors5xx, errorRate: (errors4xx + errors5xx) / requests },
      this.previous,
    );
  }

  /** The requests figure as shown, for tests of the live path. */
  get requests(): number | null {
    return this.summary?.requests ?? null;
  }
}
