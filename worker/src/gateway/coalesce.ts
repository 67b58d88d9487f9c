/**
 * Coalescing of the gateway's events: the events of concurrent requests in one isolate go to
 * the queue together, as one packed send, instead of one message per request (Queues bill per
 * message, and a send per request halves the gateway's throughput). A batch is flushed when it
 * holds `maxEvents` items or `maxDelayMs` after its first item, whichever comes first.
 *
 * Nothing is lost when the isolate goes away: the runtime keeps an isolate, and a request's
 * timers and I/O, alive while that request's `waitUntil` work is pending. A batch's flush runs in
 * one request's context: the one that opened it (its timer lives there) or the one that filled it
 * (it sends at once). That request's `waitUntil` awaits the flush, so the isolate stays until the
 * events are queued (or, when the send fails, written to D1 directly by `deliverEvents`). The
 * other requests of the batch need not wait: their events live in the batch, which is flushed
 * either way, and keeping every request's context open until the flush cost the gateway 4–9% of
 * its CPU per request (measured in workerd: docs/cost.md, "The gateway's own cost").
 */

import { type Delivery, deliverEvents, type EventSink } from "../delivery/send-events";
import type { TrafficEvent } from "../event";

export interface CoalesceOptions {
  /** Items per flush at most. @default 250 */
  maxEvents: number;
  /** How long the first item of a batch waits for company, in milliseconds. @default 50 */
  maxDelayMs: number;
}

export const DEFAULT_COALESCE: CoalesceOptions = { maxEvents: 250, maxDelayMs: 50 };

/** Delivers one flushed batch; a rejection counts as "failed" for every item of the batch. */
export type DeliverBatch<T> = (items: T[]) => Promise<Delivery>;

interface OpenBatch<T> {
  items: T[];
  flushed: Promise<Delivery>;
  flush: () => void;
}

/** What joining a batch gives the caller. */
export interface Joined {
  /** Settles when the batch the item joined is delivered; never rejects. */
  flushed: Promise<Delivery>;
  /**
   * True when the flush runs in the caller's context: it opened the batch (the flush timer is
   * its) or filled it (the send started in its call). Such a caller must keep its context alive
   * with `waitUntil(flushed)`; the others may let theirs end.
   */
  runsFlush: boolean;
}

/** Batches items of concurrent requests; `join` and `add` give the flush the item joined. */
export class Coalescer<T> {
  #open: OpenBatch<T> | null = null;

  constructor(
    private readonly deliver: DeliverBatch<T>,
    private readonly options: CoalesceOptions = DEFAULT_COALESCE,
  ) {}

  /** Adds an item to the open batch (opening one if needed); says whether the caller runs its flush. */
  join(item: T): Joined {
    const opened = this.#open === null;
    const batch = this.#open ?? this.#openBatch();
    batch.items.push(item);
    const filled = batch.items.length >= this.options.maxEvents;
    if (filled) batch.flush();
    return { flushed: batch.flushed, runsFlush: opened || filled };
  }

  /** Adds an item to the open batch (opening one if needed); resolves when that batch is delivered. */
  add(item: T): Promise<Delivery> {
    return this.join(item).flushed;
  }

  #openBatch(): OpenBatch<T> {
    let resolve: (delivery: Delivery) => void = () => {};
    const batch: OpenBatch<T> = {
      items: [],
      flushed: new Promise<Delivery>((r) => {
        resolve = r;
      }),
      flush: () => {
        if (this.#open !== batch) return;
        this.#open = null;
        clearTimeout(timer);
        // Called inside the promise chain, so even a synchronous throw of `deliver` is a rejection.
        Promise.resolve(batch.items)
          .then(this.deliver)
          .then(resolve, (error: unknown) => {
            console.error(`pathmeter: delivering ${batch.items.length} events failed: ${String(error)}`);
            resolve("failed");
          });
      },
    };
    const timer = setTimeout(batch.flush, this.options.maxDelayMs);
    this.#open = batch;
    return batch;
  }
}

/** A coalescer of ready events into one sink. */
export class EventCoalescer extends Coalescer<TrafficEvent> {
  constructor(sink: EventSink, options: CoalesceOptions = DEFAULT_COALESCE) {
    super((events) => deliverEvents(sink, events), options);
  }
}

/** Coalescers by queue, database and path cap: requests of different sinks never share a batch. */
export class CoalescerRegistry<T> {
  readonly #bySink = new WeakMap<object, WeakMap<object, Map<number, Coalescer<T>>>>();

  constructor(private readonly create: (sink: EventSink) => Coalescer<T>) {}

  /** The isolate's coalescer for `sink` (created on first use). */
  for(sink: EventSink): Coalescer<T> {
    let byDb = this.#bySink.get(sink.queue);
    if (!byDb) {
      byDb = new WeakMap();
      this.#bySink.set(sink.queue, byDb);
    }
    let byCap = byDb.get(sink.db);
    if (!byCap) {
      byCap = new Map();
      byDb.set(sink.db, byCap);
    }
    let coalescer = byCap.get(sink.maxPathsPerDay);
    if (!coalescer) {
      coalescer = this.create(sink);
      byCap.set(sink.maxPathsPerDay, coalescer);
    }
    return coalescer;
  }
}
