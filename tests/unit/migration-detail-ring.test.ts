/**
 * Migration 0005 against a REAL local D1 (Miniflare, node side) that holds data from before it:
 * every detail row moves to the slot table of its UTC day with its seq, `traffic_events` becomes a
 * view that shows the same rows, and the seq counter starts above every seq ever used — also one
 * only an archive part still remembers (its rows already deleted) — so seqs never repeat.
 */
import path from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, expect, it } from "vitest";
import { d1Executor, migrate, readMigrationFiles, type SqlExecutor } from "../../scripts/lib/migrations";
import { EVENT_SLOTS, slotOf } from "../../worker/src/shared/day-slots";

const DAY = 86_400_000;
let mf: Miniflare;
let db: SqlExecutor;

beforeAll(async () => {
  mf = new Miniflare({ modules: true, script: "export default {}", d1Databases: ["DB"] });
  db = d1Executor(await mf.getD1Database("DB"));
});
afterAll(async () => {
  await mf.dispose();
});

const DAYS = [Date.UTC(2026, 10, 20), Date.UTC(2026, 10, 21), Date.UTC(2026, 10, 21) + EVENT_SLOTS * DAY];

it("moves every detail row into its day's slot, keeps it readable, and continues seq above any used", async () => {
  const files = await readMigrationFiles(path.resolve(__dirname, "..", "..", "migrations"));
  const before = files.filter((f) => f.name < "0005");
  expect(before.length).toBeLessThan(files.length);
  await migrate(db, before);
  const rows = DAYS.flatMap((day, d) =>
    [0, 1, 2].map((i) => ({ id: `e-${d}-${i}`, ts: day + i * 3_600_000 })),
  );
  await db.transaction([
    ...rows.map((row) => ({
      sql: `INSERT INTO traffic_events (id, ts, method, path, status, duration_ms, latency_bucket, client_hash, source)
        VALUES (?1, ?2, 'GET', '/a', 200, 1.5, 10, 'c', 'ingest')`,
      params: [row.id, row.ts],
    })),
    // An archived and cleaned part once held seqs up to 500.
    {
      sql: `INSERT INTO archive_metadata (day, part, key, status, after_seq, max_seq, created_at)
        VALUES ('2026-11-01', 0, 'archive/2026/11/01/part-0000.jsonl.gz', 'cleaned', 0, 500, 0)`,
    },
  ]);
  const stored = await db.all<{ seq: number; id: string; ts: number }>(
    "SELECT seq, id, ts FROM traffic_events ORDER BY seq",
  );

  await migrate(db, files);
  const kinds = await db.all<{ name: string; type: string }>(
    "SELECT name, type FROM sqlite_master WHERE name IN ('traffic_events', 'write_attempts', 'traffic_events_p0')",
  );
  expect(kinds.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
    { name: "traffic_events", type: "view" },
    { name: "traffic_events_p0", type: "table" },
  ]);
  expect(await db.all("SELECT seq, id, ts FROM traffic_events ORDER BY seq")).toEqual(stored);
  for (const row of stored) {
    const inSlot = await db.all<{ seq: number }>(
      `SELECT seq FROM traffic_events_p${slotOf(row.ts)} WHERE id = ?1`,
      [row.id],
    );
    expect(inSlot).toEqual([{ seq: row.seq }]);
  }
  expect(await db.all("SELECT value FROM pipeline_counters WHERE name = 'last_seq'")).toEqual([
    { value: 500 },
  ]);
});
