/**
 * Waiting for Miniflare's queues to drain before the local stack stops.
 *
 * Miniflare keeps queued messages in memory only, so anything still queued when workerd stops
 * is gone. The broker cannot be asked how many messages it holds; what can be seen is the
 * consumer's progress in D1. A partial batch is delivered at the latest `maxWaitTimeMs` after
 * its first message, so once nothing has been stored for longer than that, no batch is left.
 * The exception is a batch waiting out a retry delay (30 s): it is lost on stop.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** Every row the consumers write for a message: stored events, rejected and dead messages. */
export const CONSUMER_PROGRESS_SQL = `SELECT
  coalesce((SELECT value FROM pipeline_counters WHERE name = 'events_stored'), 0)
  + (SELECT count(*) FROM rejected_messages)
  + (SELECT count(*) FROM dead_letters) AS n`;

export interface DrainOptions {
  /** A number that grows whenever a consumer stores something. */
  progress: () => Promise<number>;
  /** How long progress must stay unchanged to call the queue drained. */
  quietMs: number;
  /** Give up after this long and report `drained: false`. */
  timeoutMs: number;
  pollMs?: number;
}

export interface DrainResult {
  drained: boolean;
  waitedMs: number;
}

/** Resolves once `progress()` has not changed for `quietMs`, or at `timeoutMs`. */
export async function waitForQuietQueue(options: DrainOptions): Promise<DrainResult> {
  const started = Date.now();
  const pollMs = options.pollMs ?? 250;
  let last = await options.progress();
  let lastChange = Date.now();
  while (Date.now() - started < options.timeoutMs) {
    await sleep(pollMs);
    const now = await options.progress();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= options.quietMs) {
      return { drained: true, waitedMs: Date.now() - started };
    }
  }
  return { drained: false, waitedMs: Date.now() - started };
}
