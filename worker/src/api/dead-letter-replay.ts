/**
 * Replay of dead letters onto the events queue (`POST /api/ops/dead-letters/replay`). A replayed
 * payload keeps its event id, and the consumer stores an id once, so replaying — even twice, or
 * after a crash between the send and the mark — can never count an event twice. A row is marked replayed only after its
 * send succeeded; a payload that is not a valid event is left pending and reported.
 */

import { markReplayed, readPendingDeadLetters } from "../db/dead-letters";
import type { Env } from "../env";
import { type TrafficEvent, validateTrafficEvent } from "../event";
import { parseJsonOrText } from "../shared/json";

/** Queues.sendBatch takes at most 100 messages and 256 KB. */
const SEND_MAX_MESSAGES = 100;
const SEND_MAX_BYTES = 250_000;

/** Re-enqueues pending dead letters (all, or those of `ids`), at most `limit`. */
export async function replayDeadLetters(env: Env, options: { ids?: readonly string[]; limit: number }) {
  const results = await readPendingDeadLetters(env.DB, options);
  const replayed: string[] = [];
  const skipped: { messageId: string; code: string; message: string }[] = [];
  let chunk: { id: string; event: TrafficEvent }[] = [];
  let chunkBytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await env.EVENTS_QUEUE.sendBatch(chunk.map((m) => ({ body: m.event })));
    const ids = chunk.map((m) => m.id);
    await markReplayed(env.DB, ids, Date.now());
    replayed.push(...ids);
    chunk = [];
    chunkBytes = 0;
  };
  for (const row of results) {
    const checked = validateTrafficEvent(parseJsonOrText(row.payload));
    if (!checked.ok) {
      skipped.push({ messageId: row.message_id, ...checked.rejection });
      continue;
    }
    if (chunk.length === SEND_MAX_MESSAGES || chunkBytes + row.payload.length > SEND_MAX_BYTES) await flush();
    chunk.push({ id: row.message_id, event: checked.value });
    chunkBytes += row.payload.length;
  }
  await flush();
  return { replayed, skipped };
}
