/**
 * Ground truth of the query-API fault scenarios, as an answer's rows: the figures of a group of
 * events (counts exact, unique clients exact: the scenarios' events are all still hot), computed
 * from the events alone — each id once, so pass `uniqueById(sent)`.
 */
import type { TrafficEvent } from "../../worker/src/event";

/** A half-open range [from, to) of epoch ms. */
export interface Range {
  from: number;
  to: number;
}

export const inRange = (events: readonly TrafficEvent[], r: Range): TrafficEvent[] =>
  events.filter((e) => e.ts >= r.from && e.ts < r.to);

/** Requests, errors, unique clients and distinct paths of some events, as strings (CSV fields). */
export function figures(events: readonly TrafficEvent[]): Record<string, string> {
  const count = (test: (e: TrafficEvent) => boolean) => String(events.filter(test).length);
  return {
    requests: String(events.length),
    errors4xx: count((e) => e.status >= 400 && e.status < 500),
    errors5xx: count((e) => e.status >= 500),
    uniqueClients: String(new Set(events.map((e) => e.clientHash)).size),
    paths: String(new Set(events.map((e) => e.path)).size),
  };
}

/** The figures of each group of events (by `keyOf`), each row holding its key's fields too. */
export function groupRows(
  events: readonly TrafficEvent[],
  keyOf: (e: TrafficEvent) => Record<string, string>,
): Record<string, string>[] {
  const groups = new Map<string, { key: Record<string, string>; events: TrafficEvent[] }>();
  for (const e of events) {
    const key = keyOf(e);
    const id = JSON.stringify(key);
    const group = groups.get(id) ?? { key, events: [] };
    group.events.push(e);
    groups.set(id, group);
  }
  return [...groups.values()].map(({ key, events: members }) => ({ ...key, ...figures(members) }));
}

/** Groups by (path, method), the key of the leaderboard, compare and the snapshot. */
export const byPath = (e: TrafficEvent): Record<string, string> => ({ path: e.path, method: e.method });
