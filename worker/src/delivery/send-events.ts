/**
 * Delivery of events, shared by the gateway and the ingest API (so it lives below both): packed
 * into as few queue messages as Queues' limits allow (shared/pack.ts), sent in sendBatch calls,
 * or — when the queue refuses — written straight into D1 through the same idempotent write path
 * the consumer uses (invariant 2). Both paths dedupe on the event id, so an event that reaches D1
 * both ways is stored and counted once.
 */
import { configOf } from "../config";
import { writeEvents } from "../db/write-events";
import type { Env } from "../env";
import type { TrafficEvent } from "../event";
import { errorMessage } from "../shared/errors";
import { type EventsQueueBody, packEvents, sendGroups } from "../shared/pack";

/** Where a call's events went: the queue, D1 directly (fallback), or nowhere (both failed). */
export type Delivery = "queued" | "stored" | "failed";

/** What delivery needs; `eventSinkOf(env)` builds it from this Worker's bindings and config. */
export interface EventSink {
  queue: Queue<EventsQueueBody>;
  db: D1Database;
  /** Distinct path templates per UTC day before new ones count as `(other)`. */
  maxPathsPerDay: number;
}

/**
 * Sends events to the queue, packed; if a send throws, writes the events of that sendBatch and
 * every later one to D1 directly, in one transaction. Logs only counts and error messages
 * (never env, headers or IPs).
 */
export async function deliverEvents(sink: EventSink, events: readonly TrafficEvent[]): Promise<Delivery> {
  const groups = sendGroups(packEvents(events));
  let sent = 0;
  try {
    for (const group of groups) {
      await sink.queue.sendBatch(group.map((m) => ({ body: m.body, contentType: "json" })));
      sent += group.reduce((n, m) => n + m.body.events.length, 0);
    }
    return "queued";
  } catch (queueError) {
    // Messages of the failed call may or may not have been enqueued; the D1 write dedupes on id.
    const rest = events.slice(sent);
    try {
      await writeEvents(sink.db, rest, { maxPathsPerDay: sink.maxPathsPerDay });
      console.warn(
        `pathmeter: queue send failed (${errorMessage(queueError)}); stored ${rest.length} events directly`,
      );
      return "stored";
    } catch (dbError) {
      console.error(
        `pathmeter: ${rest.length} events not delivered: queue send failed (${errorMessage(queueError)}), ` +
          `direct D1 write failed (${errorMessage(dbError)})`,
      );
      return "failed";
    }
  }
}

/** This Worker's sink: EVENTS_QUEUE, DB and the configured per-day path cap. */
export const eventSinkOf = (env: Env): EventSink => ({
  queue: env.EVENTS_QUEUE,
  db: env.DB,
  maxPathsPerDay: configOf(env).maxPathsPerDay,
});
