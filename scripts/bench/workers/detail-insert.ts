/**
 * Bench-only Worker: the consumer's own detail-row insert and nothing else — the real statements
 * (worker/src/db/write-events.ts: rows in id order, one json_each parameter per ≤ 90 KB chunk,
 * the dedupe lookups in every other slot, the seq advance), one transaction per delivery, into
 * its own copy of the schema. No validation, aggregates or path cap. What the consumer stores
 * per second can never exceed what this stores: it is the ceiling the aggregates are paid from.
 */

import { advanceSeqStatement, detailInsertStatements } from "../../../worker/src/db/write-events";
import type { TrafficEvent } from "../../../worker/src/event";
import { unpack } from "../../../worker/src/shared/pack";

interface FloorEnv {
  DB: D1Database;
}

export default {
  async queue(batch: MessageBatch<unknown>, env: FloorEnv): Promise<void> {
    const events = batch.messages.flatMap((m) => unpack(m.body) as TrafficEvent[]);
    const inserts = detailInsertStatements(env.DB, events);
    if (inserts.statements.length > 0)
      await env.DB.batch([...inserts.statements, advanceSeqStatement(env.DB, inserts.numbered)]);
    batch.ackAll();
  },
} satisfies ExportedHandler<FloorEnv>;
