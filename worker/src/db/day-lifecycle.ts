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

/** The days in [fromDay, toDay] (`YYYY-MM-DD`) on which cleanup has started deleting detail rows. */
export async function daysCleaning(db: D1Database, fromDay: string, toDay: string): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT day FROM day_lifecycle WHERE day >= ?1 AND day <= ?2 AND cleaning_since IS NOT NULL")
    .bind(fromDay, toDay)
    .all<{ day: string }>();
  return results.map((r) => r.day);
}
