/**
 * Coalescing of the gateway's events: the events of concurrent requests in one isolate go to
 * the queue together, as one packed send, instead of one message per request (Queues bill per
 * message, and a send per request halves the gateway's throughput). A batch is flushed when it
 * holds `maxEvents` events or `maxDelayMs` after its first event, whichever comes first.
 *
 * Every request's `waitUntil` awaits the flush of the batch its event joined, so the runtime
 * keeps the isolate alive until the events are queued (or, when the send fails, written to D1
 * directly by `deliverEvents`): nothing is lost when the isolate goes away afterwards.
 */

import { type Delivery, deliverEvents, type EventSink } from "../delivery/send-events";
import type { TrafficEvent } from "../event";

export interface CoalesceOptions {
  /** Events per flush at most. @default 250 */
  maxEvents: number;
  /** How long the first event of a batch waits for company, in milliseconds. @default 50 */
  maxDelayMs: number;
}

export const DEFAULT_COALESCE: CoalesceOptions = { maxEvents: 250, maxDelayMs: 50 };

interface OpenBatch {
  events: TrafficEvent[];
  flushed: Promise<Delivery>;
  flush: () => void;
}

/** One sink's open batch; `add` returns the promise of the flush the event joined. */
export class EventCoalescer {
  #open: OpenBatch | null = null;

  constructor(
    private readonly sink: EventSink,
    private readonly options: CoalesceOptions = DEFAULT_COALESCE,
  ) {}

  /** Adds an event to the open batch (opening one if needed); resolves when that batch is delivered. */
  add(event: TrafficEvent): Promise<Delivery> {
    const batch = this.#open ?? this.#openBatch();
    batch.events.push(event);
    if (batch.events.length >= this.options.maxEvents) batch.flush();
    return batch.flushed;
  }

  #openBatch(): OpenBatch {
    let resolve: (delivery: Delivery) => void = () => {};
    const batch: OpenBatch = {
      events: [],
      flushed: new Promise<Delivery>((r) => {
        resolve = r;
      }),
      flush: () => {
        if (this.#open !== batch) return;
        this.#open = null;
        clearTimeout(timer);
        deliverEvents(this.sink, batch.events).then(resolve, (error: unknown) => {
          console.error(`pathmeter: delivering ${batch.events.length} events failed: ${String(error)}`);
          resolve("failed");
        });
      },
    };
    const timer = setTimeout(batch.flush, this.options.maxDelayMs);
    this.#open = batch;
    return batch;
  }
}

/** Coalescers by queue, database and path cap: requests of different sinks never share a batch. */
const coalescers = new WeakMap<object, WeakMap<object, Map<number, EventCoalescer>>>();

/** The isolate's coalescer for `sink` (created on first use). */
export function coalescerFor(sink: EventSink, options: CoalesceOptions = DEFAULT_COALESCE): EventCoalescer {
  let byDb = coalescers.get(sink.queue);
  if (!byDb) {
    byDb = new WeakMap();
    coalescers.set(sink.queue, byDb);
  }
  let byCap = byDb.get(sink.db);
  if (!byCap) {
    byCap = new Map();
    byDb.set(sink.db, byCap);
  }
  let coalescer = byCap.get(sink.maxPathsPerDay);
  if (!coalescer) {
    coalescer = new EventCoalescer(sink, options);
    byCap.set(sink.maxPathsPerDay, coalescer);
  }
  return coalescer;
}
