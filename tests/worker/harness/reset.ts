/**
 * The one reset of the worker tests' storage. Storage is isolated per test file but shared by
 * the tests of one file, so a test that needs a clean slate empties every D1 table (whatever
 * the migrations created: new tables are included without touching this file), the KV
 * namespace and the R2 bucket. Also: every table's rows, to prove a failed attempt left no trace.
 */
import { env } from "cloudflare:test";

type TestEnv = typeof env;

/** Tables that belong to D1 or SQLite themselves, never to pathmeter's data. */
const SYSTEM_TABLE = /^(sqlite_|_cf_|d1_migrations$)/;

/** Every table the migrations created, by name. */
async function dataTables(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all<{ name: string }>();
  return results.map((r) => r.name).filter((name) => !SYSTEM_TABLE.test(name));
}

/** Empties every D1 table, the snapshot KV namespace and the archive bucket. */
export async function resetStorage(testEnv: TestEnv = env): Promise<void> {
  const db = testEnv.DB;
  await db.batch((await dataTables(db)).map((table) => db.prepare(`DELETE FROM "${table}"`)));
  for (let cursor: string | undefined; ; ) {
    const page = await testEnv.SNAPSHOTS.list(cursor === undefined ? {} : { cursor });
    await Promise.all(page.keys.map((key) => testEnv.SNAPSHOTS.delete(key.name)));
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  for (let cursor: string | undefined; ; ) {
    const page = await testEnv.ARCHIVE.list(cursor === undefined ? {} : { cursor });
    if (page.objects.length > 0) await testEnv.ARCHIVE.delete(page.objects.map((o) => o.key));
    if (!page.truncated) break;
    cursor = page.cursor;
  }
}

/** Every row of every D1 table, in a stable order: equal before and after means no trace. */
export async function snapshotTables(db: D1Database): Promise<Record<string, unknown[]>> {
  const tables = await dataTables(db);
  const results = await db.batch(tables.map((table) => db.prepare(`SELECT * FROM "${table}"`)));
  // Rows compared as JSON text; BLOB columns (ArrayBuffers) as their bytes, not as `{}`.
  const bytes = (_key: string, value: unknown) =>
    value instanceof ArrayBuffer ? [...new Uint8Array(value)] : value;
  const sorted = (rows: unknown[]) =>
    rows
      .map((row) => JSON.stringify(row, bytes))
      .sort()
      .map((text) => JSON.parse(text) as unknown);
  return Object.fromEntries(tables.map((table, i) => [table, sorted(results[i]?.results ?? [])]));
}
