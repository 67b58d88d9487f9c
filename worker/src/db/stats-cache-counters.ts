/**
 * D1 side of the stats API's response cache: its hit/miss counters (rows of pipeline_counters)
 * and the data version that is part of every cache key.
 */

/** Adds to the stored hit and miss counts (one statement, two counter rows). */
export async function addCacheCounts(db: D1Database, hits: number, misses: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO pipeline_counters (name, value) VALUES ('stats_cache_hits', ?1), ('stats_cache_misses', ?2)
       ON CONFLICT (name) DO UPDATE SET value = value + excluded.value`,
    )
    .bind(hits, misses)
    .run();
}

/** The stored hit and miss counts. */
export async function readCacheCounts(db: D1Database): Promise<{ hits: number; misses: number }> {
  const { results } = await db
    .prepare(
      "SELECT name, value FROM pipeline_counters WHERE name IN ('stats_cache_hits', 'stats_cache_misses')",
    )
    .all<{ name: string; value: number }>();
  const value = (name: string) => results.find((r) => r.name === name)?.value ?? 0;
  return { hits: value("stats_cache_hits"), misses: value("stats_cache_misses") };
}

/**
 * A value that changes whenever stored data may answer differently: the count of events stored
 * and the time of the last batch (kept by the write path in the same transaction as the events),
 * and the last time the rollup or cleanup job started or finished (rollup writes roll-ups and
 * tiers sketches, cleanup turns exact unique clients into HyperLogLog estimates); the other jobs
 * change no answer, and the snapshot job runs every 5 minutes. Primary-key reads of tiny tables.
 */
export async function readDataVersion(db: D1Database): Promise<string> {
  const row = await db
    .prepare(
      `SELECT (SELECT group_concat(value, '.') FROM (SELECT value FROM pipeline_counters
                 WHERE name IN ('events_stored', 'last_batch_at') ORDER BY name)) AS data,
              (SELECT max(max(started_at, coalesce(finished_at, 0))) FROM job_runs
                 WHERE job IN ('rollup', 'cleanup')) AS jobs`,
    )
    .first<{ data: string | null; jobs: number | null }>();
  return `${row?.data ?? 0}-${row?.jobs ?? 0}`;
}
