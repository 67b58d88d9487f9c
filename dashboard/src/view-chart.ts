/**
 * The time-series chart (uPlot): requests, 4xx and 5xx per hour (per day for long ranges), for
 * all traffic or one path. Series differ in dash pattern as well as colour, and uPlot's legend
 * names them, so colour is never the only signal. Colours come from CSS (light and dark).
 */
import uPlot from "uplot";
import { el, note, replaceChildren } from "./dom";
import type { Point } from "./types";

/** Which traffic the chart shows. */
export type ChartSubject = { path: string; method: string } | null;

const SERIES = [
  { label: "Requests", colourVar: "--series-requests", dash: undefined },
  { label: "4xx", colourVar: "--series-4xx", dash: [8, 4] },
  { label: "5xx", colourVar: "--series-5xx", dash: [2, 3] },
] as const;

const cssVar = (element: Element, name: string, fallback: string) =>
  getComputedStyle(element).getPropertyValue(name).trim() || fallback;

const seconds = (t: string | number) => Math.floor(new Date(t).getTime() / 1000);

export class ChartView {
  private plot: uPlot | null = null;
  private readonly resize = new ResizeObserver(() => this.fitWidth());

  constructor(private readonly container: HTMLElement) {
    this.resize.observe(container);
  }

  private fitWidth(): void {
    if (this.plot) this.plot.setSize({ width: this.width(), height: 260 });
  }

  private width(): number {
    return Math.max(280, this.container.clientWidth - 8);
  }

  /** Draws `points`; an empty series shows a note instead of an empty frame. */
  render(points: readonly Point[], subject: ChartSubject): void {
    this.plot?.destroy();
    this.plot = null;
    const title = subject ? `${subject.method} ${subject.path}` : "All traffic";
    this.container.dataset.subject = subject ? `${subject.method} ${subject.path}` : "all";
    this.container.dataset.points = String(points.length);
    if (points.length === 0) {
      replaceChildren(this.container, note(`${title}: no requests in this range.`));
      return;
    }
    const holder = el("div", { class: "plot", role: "img", "aria-label": `${title}: ${describe(points)}` });
    replaceChildren(this.container, holder);
    const axis = cssVar(this.container, "--text-muted", "#666");
    const grid = cssVar(this.container, "--grid", "#ddd");
    const data: uPlot.AlignedData = [
      points.map((p) => seconds(p.t)),
      points.map((p) => p.requests),
      points.map((p) => p.errors4xx),
      points.map((p) => p.errors5xx),
    ];
    this.plot = new uPlot(
      {
        title,
        width: this.width(),
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
        axes: [
          { stroke: axis, grid: { stroke: grid } },
          { stroke: axis, grid: { stroke: grid } },
        ],
        series: [
          { label: "Time (UTC)" },
          ...SERIES.map((s) => ({
            label: s.label,
            stroke: cssVar(this.container, s.colourVar, "#333"),
            width: 2,
            dash: s.dash ? [...s.dash] : undefined,
          })),
        ],
      },
      data,
      holder,
    );
    // The title is cut to one line by the styles (a path can be 256 characters): whole on hover.
    this.plot.root.querySelector(".u-title")?.setAttribute("title", title);
  }

  /** Frees the plot and the resize observer. */
  destroy(): void {
    this.plot?.destroy();
    this.plot = null;
    this.resize.disconnect();
  }
}

/** A one-line text version of the series for screen readers. */
function describe(points: readonly Point[]): string {
  const total = points.reduce((n, p) => n + p.requests, 0);
  const peak = points.reduce((best, p) => (p.requests > best.requests ? p : best));
  return `${total} requests over ${points.length} points, peak ${peak.requests} at ${new Date(peak.t).toISOString()}`;
}
