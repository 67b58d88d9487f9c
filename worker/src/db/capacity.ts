/**
 * What the capacity job measures in D1: every table's row count, the bytes held by sketches, and
 * the database size D1 reports after a query.
 */

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The ring of detail tables (migration 0005), reported as one: `traffic_events`. */
const DETAIL_SLOT = /^traffic_events_p\d+$/;

/**
 * Row count of every user table (D1's and SQLite's internal tables left out), by name; the
 * detail slot tables summed as `traffic_events`.
 */
export async function countRowsPerTable(db: D1Database): Promise<Record<string, number>> {
  const { results: tables } = await db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table'
       AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' ORDER BY name`,
    )
    .all<{ name: string }>();
  const counts = await db.batch<{ n: number }>(
    // Table names come from sqlite_master, not from input; identifiers cannot be bound.
    tables.map((t) => db.prepare(`SELECT count(*) AS n FROM ${quoteIdentifier(t.name)}`)),
  );
  const rows: Record<string, number> = {};
  for (const [i, { name }] of tables.entries()) {
    const key = DETAIL_SLOT.test(name) ? "traffic_events" : name;
    rows[key] = (rows[key] ?? 0) + (counts[i]?.results[0]?.n ?? 0);
  }
  return rows;
}

/** Sketch rows and bytes per `kind:grain`, and the database size in bytes as D1 reports it. */
export async function measureSketches(db: D1Database): Promise<{
  databaseBytes: number;
  sketchBytes: Record<string, { rows: number; bytes: number }>;
}> {
  const sketches = await db
    .prepare(
      `SELECT kind || ':' || grain AS tier, count(*) AS rows, coalesce(sum(length(sketch)), 0) AS bytes
       FROM path_sketches GROUP BY kind, grain ORDER BY kind, grain`,
    )
    .all<{ tier: string; rows: number; bytes: number }>();
  return {
    databaseBytes: sketches.meta.size_after,
    sketchBytes: Object.fromEntries(sketches.results.map((s) => [s.tier, { rows: s.rows, bytes: s.bytes }])),
  };
}
