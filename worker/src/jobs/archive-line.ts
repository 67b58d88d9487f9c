/**
 * The JSONL line of an archived event: every stored field in a fixed key order, so the archive
 * and its verification produce the same bytes.
 */
import type { ArchivedEvent } from "../db/event-rows";

/** One JSONL line, newline included. */
export const toLine = (e: ArchivedEvent): string =>
  `${JSON.stringify({
    seq: e.seq,
    id: e.id,
    ts: e.ts,
    method: e.method,
    path: e.path,
    status: e.status,
    durationMs: e.durationMs,
    latencyBucket: e.latencyBucket,
    bytes: e.bytes,
    clientHash: e.clientHash,
    colo: e.colo,
    country: e.country,
    source: e.source,
  })}\n`;
