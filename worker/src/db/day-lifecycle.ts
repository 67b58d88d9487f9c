/**
 * day_lifecycle: when cleanup started and finished deleting a day's detail rows. Readers take a
 * day's unique clients from the HyperLogLogs from `cleaning_since` on (db/read-stats.ts).
 */

/** Marks `day` (`YYYY-MM-DD`) as being cleaned; keeps the first mark of an earlier run. */
export async function markDayCleaning(db: D1Database, day: string, now: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO day_lifecycle (day, cleaning_since) VALUES (?1, ?2)
       ON CONFLICT (day) DO UPDATE SET cleaning_since = coalesce(cleaning_since, excluded.cleaning_since)`,
    )
    .bind(day, now)
    .run();
}

/** Statement marking `day` as cleaned (every archived row gone); batched with its parts' status. */
export const dayCleanedStatement = (db: D1Database, day: string, now: number): D1PreparedStatement =>
  db.prepare("UPDATE day_lifecycle SET cleaned_at = ?2 WHERE day = ?1").bind(day, now);

/** True when cleanup has started deleting detail rows of a day in [fromDay, toDay] (`YYYY-MM-DD`). */
export async function anyDayCleaning(db: D1Database, fromDay: string, toDay: string): Promise<boolean> {
  const row = await db
    .prepare(
      `SELECT 1 AS cold FROM day_lifecycle
       WHERE day >= ?1 AND day <= ?2 AND cleaning_since IS NOT NULL LIMIT 1`,
    )
    .bind(fromDay, toDay)
    .first<{ cold: number }>();
  return row !== null;
}

/**
 * The days among `days` (`YYYY-MM-DD`) whose detail rows cleanup has started deleting: an event of
 * such a day can no longer be recognised as a duplicate, so ingest does not accept it (invariant 1).
 */
export async function daysBeingCleaned(db: D1Database, days: readonly string[]): Promise<Set<string>> {
  if (days.length === 0) return new Set();
  const { results } = await db
    .prepare(
      `SELECT day FROM day_lifecycle
       WHERE cleaning_since IS NOT NULL AND day IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(days))
    .all<{ day: string }>();
  return new Set(results.map((r) => r.day));
}
