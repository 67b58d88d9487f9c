/**
 * Bench-only Worker: the floor the real consumer is compared against. Its queue handler stores
 * each delivery (the same packed messages) with nothing but multi-row INSERTs into a copy of
 * a detail slot table (same columns, same unique id index), ≤ 100 bound parameters per
 * statement, all in one D1 batch: the same transaction sizes as the consumer's. Rows go in id
 * order, as the consumer inserts them, so the two differ only in how they insert.
 * No validation, no aggregates, no path cap.
 */

import { byId, eventRow } from "../../../worker/src/db/write-events";
import type { TrafficEvent } from "../../../worker/src/event";
import { unpack } from "../../../worker/src/shared/pack";
import { RAW_TABLE } from "../raw-table";

interface RawEnv {
  DB: D1Database;
}

const COLUMNS = [
  "id",
  "ts",
  "method",
  "path",
  "status",
  "duration_ms",
  "latency_bucket",
  "bytes",
  "client_hash",
  "colo",
  "country",
  "source",
] as const;
/** D1 allows at most 100 bound parameters per statement. */
const ROWS_PER_STATEMENT = Math.floor(100 / COLUMNS.length);

/** The same column values, in the same order, as the consumer's insert. */
const valuesOf = eventRow;

function insertStatement(db: D1Database, rows: readonly TrafficEvent[]): D1PreparedStatement {
  const tuples = rows.map(
    (_, r) => `(${COLUMNS.map((_, c) => `?${r * COLUMNS.length + c + 1}`).join(", ")})`,
  );
  return db
    .prepare(
      `INSERT INTO ${RAW_TABLE} (${COLUMNS.join(", ")}) VALUES ${tuples.join(", ")} ON CONFLICT (id) DO NOTHING`,
    )
    .bind(...rows.flatMap(valuesOf));
}

export default {
  async queue(batch: MessageBatch<unknown>, env: RawEnv): Promise<void> {
    // The same packed messages the consumer gets; no validation here (the floor does no checks).
    const events = batch.messages.flatMap((m) => unpack(m.body) as TrafficEvent[]).sort(byId);
    const statements: D1PreparedStatement[] = [];
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT)
      statements.push(insertStatement(env.DB, events.slice(i, i + ROWS_PER_STATEMENT)));
    if (statements.length > 0) await env.DB.batch(statements);
    batch.ackAll();
  },
} satisfies ExportedHandler<RawEnv>;
