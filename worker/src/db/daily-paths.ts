/**
 * daily_paths: the distinct path templates admitted per UTC day under MAX_PATHS_PER_DAY (the
 * write path admits them, db/write-events.ts). Read here for health, so reaching the cap (new
 * paths then stored as `(other)`) is visible rather than silent.
 */

/** How many distinct paths were admitted on `day` (YYYY-MM-DD). */
export async function countAdmittedPaths(db: D1Database, day: string): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM daily_paths WHERE day = ?1")
    .bind(day)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
