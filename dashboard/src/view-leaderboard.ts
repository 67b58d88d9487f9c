/**
 * The leaderboard: paths of the range, sortable by clicking a column header (the API sorts) and
 * filtered by method. Rows carry `data-path` and `data-method`; the path is a button that drills
 * the chart down to that path (cut to one line by the styles, whole in its title).
 */

import { EVENT_METHODS } from "../../worker/src/event";
import { el, replaceChildren } from "./dom";
import { formatCount, formatMs, formatPercent } from "./format";
import type { PathRow } from "./types";

export const SORTS = [
  { id: "requests", label: "Requests" },
  { id: "errors", label: "Errors" },
  { id: "errorRate", label: "Error rate" },
  { id: "p95", label: "p95" },
  { id: "uniqueClients", label: "Clients" },
] as const;
export type SortId = (typeof SORTS)[number]["id"];

/** The method filter's choices: every method an event can carry (OTHER: any other method). */
export const METHODS = EVENT_METHODS;

export interface LeaderboardHandlers {
  onSort(sort: SortId): void;
  onDrill(row: { path: string; method: string }): void;
}

const errorRateOf = (r: PathRow) =>
  r.errorRate ?? (r.requests === 0 ? 0 : (r.errors4xx + r.errors5xx) / r.requests);

function headerCell(sort: (typeof SORTS)[number], active: SortId, handlers: LeaderboardHandlers) {
  const isActive = sort.id === active;
  const button = el(
    "button",
    { type: "button", class: "sort", "data-sort": sort.id },
    sort.label,
    isActive ? el("span", { class: "sort-mark" }, " ▼ (sorted)") : null,
  );
  button.addEventListener("click", () => handlers.onSort(sort.id));
  return el("th", { scope: "col", "aria-sort": isActive ? "descending" : "none", class: "num" }, button);
}

function row(r: PathRow, handlers: LeaderboardHandlers): HTMLTableRowElement {
  const drill = el(
    "button",
    { type: "button", class: "link", title: `Show ${r.method} ${r.path} in the chart` },
    r.path,
  );
  drill.addEventListener("click", () => handlers.onDrill({ path: r.path, method: r.method }));
  const errors = r.errors4xx + r.errors5xx;
  return el(
    "tr",
    { "data-path": r.path, "data-method": r.method },
    el("td", {}, el("span", { class: "method" }, r.method)),
    el("th", { scope: "row", class: "path" }, drill),
    el("td", { class: "num" }, formatCount(r.requests)),
    el(
      "td",
      { class: "num" },
      `${formatCount(errors)} (4xx ${formatCount(r.errors4xx)}, 5xx ${formatCount(r.errors5xx)})`,
    ),
    el("td", { class: "num" }, formatPercent(errorRateOf(r))),
    el("td", { class: "num" }, formatMs(r.latencyMs.p95)),
    el("td", { class: "num" }, formatCount(r.uniqueClients)),
  );
}

/** Draws the table of `rows` sorted by `sort` into `container`. */
export function renderLeaderboard(
  container: HTMLElement,
  rows: readonly PathRow[],
  sort: SortId,
  handlers: LeaderboardHandlers,
): void {
  const [requests, errors, errorRate, p95, clients] = SORTS.map((s) => headerCell(s, sort, handlers));
  const table = el(
    "table",
    { class: "leaderboard" },
    el("caption", {}, `Paths by ${SORTS.find((s) => s.id === sort)?.label.toLowerCase() ?? sort}`),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, "Method"),
        el("th", { scope: "col" }, "Path"),
        requests,
        errors,
        errorRate,
        p95,
        clients,
      ),
    ),
    el("tbody", {}, ...rows.map((r) => row(r, handlers))),
  );
  replaceChildren(
    container,
    rows.length === 0 ? el("p", { class: "note info" }, "No paths in this range.") : null,
    table,
  );
}
