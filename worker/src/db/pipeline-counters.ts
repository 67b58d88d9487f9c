/**
 * pipeline_counters: running totals kept by the write path (db/write-events.ts writes them in
 * the same transaction as the events), read here for the health endpoint.
 */

export interface PipelineCounters {
  /** Events stored since the database was created (each counted once). */
  eventsStored: number;
  /** When the last batch of events committed, epoch ms; null before the first one. */
  lastBatchAt: number | null;
}

/** The write path's counters. */
export async function readPipelineCounters(db: D1Database): Promise<PipelineCounters> {
  const { results } = await db
    .prepare("SELECT name, value FROM pipeline_counters WHERE name IN ('events_stored', 'last_batch_at')")
    .all<{ name: string; value: number }>();
  const counter = new Map(results.map((r) => [r.name, r.value]));
  return {
    eventsStored: counter.get("events_stored") ?? 0,
    lastBatchAt: counter.get("last_batch_at") ?? null,
  };
}
