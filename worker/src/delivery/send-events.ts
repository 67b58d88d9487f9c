/**
 * Delivery of recorded events, shared by the gateway and the ingest API (so it lives below both):
 * to the events queue in `sendBatch` chunks within Queues' limits, or, when the queue refuses,
 * straight into D1 through the same idempotent write path the consumer uses (invariant 2). Both paths dedupe on the event id, so an event that reaches D1
 * both ways is still stored and counted once.
 */
import { configOf } from "../config";
import { writeEvents } from "../db/write-events";
import type { Env } from "../env";
import type { TrafficEvent } from "../event";
import { manifest } from "../manifest";
import { errorMessage } from "../shared/errors";

/** Where a call's events went: the queue, D1 directly (fallback), or nowhere (both failed). */
export type Delivery = "queued" | "stored" | "failed";

/** What delivery needs; `eventSinkOf(env)` builds it from this Worker's bindings and config. */
export interface EventSink {
  queue: Queue<TrafficEvent>;
  db: D1Database;
  /** Distinct path templates per UTC day before new ones count as `(other)`. */
  maxPathsPerDay: number;
}

/** Queues: ≤ 100 messages and ≤ 256 KB per sendBatch, ≤ 128 KB per message. */
const MAX_BATCH_MESSAGES = 100;
/** Below 256 KB, leaving room for per-message metadata the platform adds. */
const MAX_BATCH_BYTES = 240_000;
const MESSAGE_OVERHEAD_BYTES = 128;
/** Direct D1 writes go in consumer-sized transactions. */
const DIRECT_WRITE_EVENTS = manifest.queues.events.consumer.maxBatchSize;

const encoder = new TextEncoder();

/**
 * Splits events into sendBatch-sized chunks. Every TrafficEvent field is bounded (id ≤ 80, path
 * ≤ 256, clientHash ≤ 64 characters), so one message stays far below the 128 KB message limit.
 */
export function queueChunks(events: readonly TrafficEvent[]): TrafficEvent[][] {
  const chunks: TrafficEvent[][] = [];
  let chunk: TrafficEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = encoder.encode(JSON.stringify(event)).byteLength + MESSAGE_OVERHEAD_BYTES;
    if (chunk.length === MAX_BATCH_MESSAGES || (chunk.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(event);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

async function writeDirectly(sink: EventSink, events: readonly TrafficEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += DIRECT_WRITE_EVENTS) {
    await writeEvents(sink.db, events.slice(i, i + DIRECT_WRITE_EVENTS), {
      maxPathsPerDay: sink.maxPathsPerDay,
    });
  }
}

/**
 * Sends events to the queue; if a send throws, writes the events of that chunk and every later
 * one to D1 directly. Logs only counts and error messages (never env, headers or IPs).
 */
export async function deliverEvents(sink: EventSink, events: readonly TrafficEvent[]): Promise<Delivery> {
  const chunks = queueChunks(events);
  let sent = 0;
  try {
    for (const chunk of chunks) {
      await sink.queue.sendBatch(chunk.map((body) => ({ body, contentType: "json" })));
      sent += chunk.length;
    }
    return "queued";
  } catch (queueError) {
    // Messages of the failed chunk may or may not have been enqueued; the D1 write dedupes on id.
    const rest = events.slice(sent);
    try {
      await writeDirectly(sink, rest);
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
