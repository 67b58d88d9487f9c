/**
 * Pipeline health: last batch and queue lag, events stored, rejections, dead letters (with a
 * replay button), the last run of every job and the capacity report.
 */
import { el, replaceChildren } from "./dom";
import { formatAgo, formatCount, formatTime } from "./format";
import type { Health, JobRun } from "./types";

export interface HealthContext {
  /** Lag of the last batch the live feed announced, in ms (null: none seen yet). */
  lastLagMs: number | null;
  /** Replays pending dead letters; resolves to a line to show. */
  replay(): Promise<string>;
}

const item = (label: string, value: string, metric?: string) =>
  el("div", { class: "kv", "data-health": metric }, el("dt", {}, label), el("dd", {}, value));

function jobRow(job: string, schedule: string, run: JobRun | null): HTMLTableRowElement {
  const outcome = run ? run.outcome : "never ran";
  return el(
    "tr",
    { "data-job": job },
    el("th", { scope: "row" }, job),
    el("td", {}, el("code", {}, schedule)),
    el("td", {}, run ? formatTime(run.startedAt) : "—"),
    el("td", { class: `outcome outcome-${run?.outcome ?? "none"}` }, outcome),
  );
}

/** The capacity job's report as label/value pairs (its numeric and text fields). */
function capacityItems(report: unknown): HTMLElement[] {
  if (typeof report !== "object" || report === null) return [item("Capacity", "no report yet")];
  return Object.entries(report as Record<string, unknown>)
    .filter(([, v]) => typeof v === "number" || typeof v === "string")
    .slice(0, 8)
    .map(([k, v]) => item(k, typeof v === "number" ? formatCount(v) : String(v)));
}

function replayButton(health: Health, context: HealthContext): HTMLElement {
  const status = el("span", { class: "note", role: "status" });
  const button = el(
    "button",
    { type: "button", disabled: health.deadLetters.pending === 0 },
    `Replay ${formatCount(health.deadLetters.pending)} pending`,
  );
  button.addEventListener("click", () => {
    button.disabled = true;
    status.textContent = "replaying…";
    context.replay().then(
      (line) => {
        status.textContent = line;
      },
      (error: unknown) => {
        status.textContent = `replay failed: ${error instanceof Error ? error.message : error}`;
        button.disabled = false;
      },
    );
  });
  return el("div", { class: "replay" }, button, " ", status);
}

/** Draws `health` into `container`. */
export function renderHealth(container: HTMLElement, health: Health, context: HealthContext): void {
  const lag =
    context.lastLagMs === null ? "— (no live batch seen yet)" : `${formatCount(context.lastLagMs)} ms`;
  const jobs = Object.entries(health.jobs).map(([job, j]) => jobRow(job, j.schedule, j.lastRun));
  const capacity = health.jobs.capacity?.lastRun?.report;
  replaceChildren(
    container,
    el(
      "dl",
      { class: "kvs" },
      item(
        "Last batch stored",
        `${formatAgo(health.lastBatchAt)}${health.lastBatchAt ? ` (${formatTime(health.lastBatchAt)})` : ""}`,
        "lastBatch",
      ),
      item("Queue lag of the last batch", lag, "queueLag"),
      item("Events stored", formatCount(health.eventsStored), "eventsStored"),
      item("Rejected events", formatCount(health.rejected.total), "rejected"),
      item(
        "Dead letters (pending / total)",
        `${formatCount(health.deadLetters.pending)} / ${formatCount(health.deadLetters.total)}`,
        "deadLetters",
      ),
      health.cache
        ? item(
            "Stats cache (hits / misses)",
            `${formatCount(health.cache.hits)} / ${formatCount(health.cache.misses)}`,
          )
        : null,
    ),
    replayButton(health, context),
    health.problems && health.problems.length > 0
      ? el(
          "ul",
          { class: "problems", role: "alert" },
          ...health.problems.map((p) => el("li", {}, typeof p === "string" ? p : JSON.stringify(p))),
        )
      : null,
    el(
      "table",
      { class: "jobs" },
      el("caption", {}, "Last run of each job"),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["Job", "Schedule (UTC)", "Last run", "Outcome"].map((h) => el("th", { scope: "col" }, h)),
        ),
      ),
      el("tbody", {}, ...jobs),
    ),
    el("h3", {}, "Capacity"),
    el("dl", { class: "kvs" }, ...capacityItems(capacity)),
  );
}
