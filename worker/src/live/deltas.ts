/**
 * Per-path deltas of a batch of events: what the live feed publishes after the batch is stored.
 * Pure, so the consumer's hook stays one call and the arithmetic is testable on its own.
 */
import type { TrafficEvent } from "../event";
import type { BatchMessage, PathDelta } from "../shared/live-protocol";
import { hourOf } from "../shared/time";

/** Beyond this many (hour, path, method) groups a message would only grow; the rest is merged. */
export const MAX_DELTAS = 200;
const OVERFLOW_PATH = "(other)";

/** Groups events by (hour, path, method), largest first, at most MAX_DELTAS groups. */
export function pathDeltas(events: readonly Pick<TrafficEvent, "ts" | "path" | "method" | "status">[]) {
  const groups = new Map<string, PathDelta>();
  for (const event of events) {
    const hour = hourOf(event.ts);
    const key = `${hour} ${event.method} ${event.path}`;
    let delta = groups.get(key);
    if (!delta) {
      delta = { hour, path: event.path, method: event.method, requests: 0, errors4xx: 0, errors5xx: 0 };
      groups.set(key, delta);
    }
    delta.requests += 1;
    if (event.status >= 400 && event.status < 500) delta.errors4xx += 1;
    if (event.status >= 500) delta.errors5xx += 1;
  }
  const sorted = [...groups.values()].sort((a, b) => b.requests - a.requests);
  const kept = sorted.slice(0, MAX_DELTAS);
  for (const extra of sorted.slice(MAX_DELTAS)) {
    const last = kept[kept.length - 1];
    if (!last) break;
    if (last.path !== OVERFLOW_PATH) kept[kept.length - 1] = { ...last, path: OVERFLOW_PATH, method: "*" };
    const overflow = kept[kept.length - 1] as PathDelta;
    overflow.requests += extra.requests;
    overflow.errors4xx += extra.errors4xx;
    overflow.errors5xx += extra.errors5xx;
  }
  return kept;
}

/** The message announcing a stored batch, or null when the batch stored no events. */
export function batchMessage(
  events: readonly Pick<TrafficEvent, "ts" | "path" | "method" | "status">[],
  committedAt: number,
): BatchMessage | null {
  if (events.length === 0) return null;
  const oldest = events.reduce((min, e) => Math.min(min, e.ts), Number.POSITIVE_INFINITY);
  return { type: "batch", committedAt, lagMs: Math.max(0, committedAt - oldest), paths: pathDeltas(events) };
}
