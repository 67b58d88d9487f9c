/**
 * The signed-in dashboard: owns the selected range, sort, method filter and drill-down, loads
 * every section from the API (each on its own: a missing endpoint shows "not available" in its
 * section only) and applies live batches between refreshes.
 */
import type { BatchMessage } from "../../worker/src/shared/live-protocol";
import { type Api, ApiFailure, describeFailure } from "./api";
import { note, replaceChildren } from "./dom";
import { formatTime } from "./format";
import { buildLayout, type Layout } from "./layout";
import { LiveConnection, type LiveState } from "./live";
import {
  DEFAULT_PRESET,
  granularityOf,
  type PresetId,
  parseLocalUtc,
  previousPeriod,
  type Range,
  type RangeChoice,
  resolveRange,
  toLocalUtc,
} from "./range";
import type { ArchiveList, Compare, Health, Leaderboard, Summary, TimeSeries } from "./types";
import { renderArchives, saveBlob } from "./view-archives";
import { type ChartSubject, ChartView } from "./view-chart";
import { renderCompare } from "./view-compare";
import { renderErrorBreakdown } from "./view-errors";
import { HeadlineView } from "./view-headline";
import { renderHealth } from "./view-health";
import { renderLeaderboard, type SortId } from "./view-leaderboard";

/** After a live batch, the exact figures are re-read once batches stop arriving for this long. */
const RECONCILE_MS = 300;
/**
 * Even with the live feed open, everything is re-read this often: rows the feed never announces
 * (the gateway's direct-write fallback, jobs) show up, and "last batch … ago" stays current.
 */
const SLOW_REFRESH_MS = 60_000;

export interface DashboardHooks {
  /** The token stopped working (401): back to the sign-in form with this message. */
  onUnauthorized(message: string): void;
  onLiveState(state: LiveState, detail: string): void;
}

export class Dashboard {
  private readonly layout: Layout;
  private readonly headline: HeadlineView;
  private readonly chart: ChartView;
  private readonly live: LiveConnection;
  private choice: RangeChoice = { kind: "preset", id: DEFAULT_PRESET };
  private range: Range = resolveRange(this.choice);
  private sort: SortId = "requests";
  private method = "";
  private subject: ChartSubject = null;
  private lastLagMs: number | null = null;
  private reconcileTimer: number | undefined;
  private slowTimer: number | undefined;
  private generation = 0;

  constructor(
    main: HTMLElement,
    private readonly api: Api,
    token: string,
    private readonly hooks: DashboardHooks,
  ) {
    this.layout = buildLayout(main);
    this.headline = new HeadlineView(this.layout.headline);
    this.chart = new ChartView(this.layout.chart);
    const prefix = document.body.dataset.prefix ?? "/_pathmeter";
    const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${prefix}/api/live`;
    this.live = new LiveConnection({
      url: wsUrl,
      token,
      onBatch: (message) => this.onBatch(message),
      onPoll: () => void this.refresh(),
      onState: hooks.onLiveState,
    });
    this.wireControls();
  }

  /** Loads every section, then opens the live feed. */
  async start(): Promise<void> {
    await this.refresh();
    this.live.start();
    this.slowTimer = window.setInterval(() => void this.refresh(), SLOW_REFRESH_MS);
  }

  stop(): void {
    this.live.stop();
    this.chart.destroy();
    window.clearTimeout(this.reconcileTimer);
    window.clearInterval(this.slowTimer);
  }

  private wireControls(): void {
    const l = this.layout;
    l.rangePicker.addEventListener("change", (event) => {
      const input = event.target as HTMLInputElement;
      if (input.name !== "range") return;
      l.customBox.hidden = input.value !== "custom";
      if (input.value === "custom") {
        l.customFrom.value ||= toLocalUtc(this.range.from);
        l.customTo.value ||= toLocalUtc(this.range.to);
        return;
      }
      this.choice = { kind: "preset", id: input.value as PresetId };
      void this.refresh();
    });
    l.customApply.addEventListener("click", () => {
      const from = parseLocalUtc(l.customFrom.value);
      const to = parseLocalUtc(l.customTo.value);
      if (!(from < to)) {
        replaceChildren(l.rangeLabel, note("Choose a start before the end.", "error"));
        return;
      }
      this.choice = { kind: "custom", from, to };
      void this.refresh();
    });
    l.methodFilter.addEventListener("change", () => {
      this.method = l.methodFilter.value;
      void this.loadLeaderboard(this.generation);
    });
    l.chartBack.addEventListener("click", () => this.drill(null));
  }

  private drill(subject: ChartSubject): void {
    this.subject = subject;
    this.layout.chartBack.hidden = subject === null;
    void this.loadChart(this.generation);
    if (subject) this.layout.chart.scrollIntoView({ block: "nearest" });
  }

  /** Re-reads every section for the current choice (a preset range moves with the clock). */
  async refresh(): Promise<void> {
    this.range = resolveRange(this.choice);
    const generation = ++this.generation;
    this.layout.rangeLabel.textContent = `${this.range.label}: ${formatTime(this.range.from)} – ${formatTime(this.range.to)}`;
    await Promise.all([
      this.loadHeadline(generation),
      this.loadChart(generation),
      this.loadLeaderboard(generation),
      this.loadCompare(generation),
      this.loadHealth(generation),
      this.loadArchives(generation),
    ]);
  }

  /** Runs one section's load; a stale answer (the range changed meanwhile) is dropped. */
  private async section<T>(
    generation: number,
    target: HTMLElement,
    load: () => Promise<T>,
    draw: (value: T) => void,
  ) {
    try {
      const value = await load();
      if (generation === this.generation) draw(value);
    } catch (error) {
      if (error instanceof ApiFailure && error.kind === "unauthorized") {
        this.stop();
        this.hooks.onUnauthorized("The token is no longer accepted. Sign in again.");
        return;
      }
      const missing = error instanceof ApiFailure && error.kind === "not_available";
      if (generation === this.generation)
        replaceChildren(target, note(describeFailure(error), missing ? "info" : "error"));
    }
  }

  private params() {
    return { from: this.range.from, to: this.range.to };
  }

  private loadHeadline(generation: number) {
    const previous = previousPeriod(this.range);
    return this.section(
      generation,
      this.layout.headline,
      () =>
        Promise.all([
          this.api.get<Summary>("/api/stats/summary", this.params()),
          this.api.get<Summary>("/api/stats/summary", previous).catch(() => null),
        ]),
      ([summary, before]) => {
        this.headline.render(summary, before);
        renderErrorBreakdown(this.layout.errors, summary);
      },
    );
  }

  private loadChart(generation: number) {
    const query = {
      ...this.params(),
      granularity: granularityOf(this.range),
      path: this.subject?.path,
      method: this.subject?.method,
    };
    return this.section(
      generation,
      this.layout.chart,
      () => this.api.get<TimeSeries>("/api/stats/timeseries", query),
      (series) => this.chart.render(series.points, this.subject),
    );
  }

  private loadLeaderboard(generation: number) {
    const query = { ...this.params(), sort: this.sort, limit: 50, method: this.method || undefined };
    return this.section(
      generation,
      this.layout.leaderboard,
      () => this.api.get<Leaderboard>("/api/stats/paths", query),
      (board) =>
        renderLeaderboard(this.layout.leaderboard, board.paths, this.sort, {
          onSort: (sort) => {
            this.sort = sort;
            void this.loadLeaderboard(this.generation);
          },
          onDrill: (row) => this.drill(row),
        }),
    );
  }

  private loadCompare(generation: number) {
    const base = previousPeriod(this.range);
    const query = { ...this.params(), baseFrom: base.from, baseTo: base.to, limit: 20 };
    return this.section(
      generation,
      this.layout.compare,
      () => this.api.get<Compare>("/api/stats/compare", query),
      (compare) => renderCompare(this.layout.compare, compare.paths),
    );
  }

  private loadHealth(generation: number) {
    return this.section(
      generation,
      this.layout.health,
      () => this.api.get<Health>("/api/ops/health"),
      (health) =>
        renderHealth(this.layout.health, health, {
          lastLagMs: this.lastLagMs,
          replay: async () => {
            const result = await this.api.post<{ replayed?: number }>("/api/ops/dead-letters/replay");
            void this.loadHealth(this.generation);
            return `replayed ${result.replayed ?? 0}`;
          },
        }),
    );
  }

  private loadArchives(generation: number) {
    return this.section(
      generation,
      this.layout.archives,
      () => this.api.get<ArchiveList>("/api/archives"),
      (list) =>
        renderArchives(this.layout.archives, list.parts, async (day) => {
          saveBlob(await this.api.blob(`/api/archives/${day}`), `pathmeter-${day}.jsonl`);
        }),
    );
  }

  /** A stored batch: count what falls in the range now, re-read exact figures shortly after. */
  private onBatch(message: BatchMessage): void {
    this.lastLagMs = message.lagMs;
    if (!this.range.live) return;
    const inRange = message.paths.filter((p) => p.hour >= this.range.from && p.hour < this.range.to);
    const sum = (key: "requests" | "errors4xx" | "errors5xx") => inRange.reduce((n, p) => n + p[key], 0);
    this.headline.addCounts({
      requests: sum("requests"),
      errors4xx: sum("errors4xx"),
      errors5xx: sum("errors5xx"),
    });
    window.clearTimeout(this.reconcileTimer);
    this.reconcileTimer = window.setTimeout(() => void this.refreshLive(), RECONCILE_MS);
  }

  /** The sections a batch changes (archives and the comparison's base period do not move). */
  private async refreshLive(): Promise<void> {
    this.range = resolveRange(this.choice);
    const generation = this.generation;
    await Promise.all([
      this.loadHeadline(generation),
      this.loadChart(generation),
      this.loadLeaderboard(generation),
      this.loadHealth(generation),
    ]);
  }
}
