/**
 * Replay of dead letters onto the events queue (`POST /api/ops/dead-letters/replay`). A replayed
 * payload keeps its event ids, and the consumer stores an id once, so replaying — even twice, or
 * after a crash between the send and the mark — can never count an event twice. A row is marked
 * replayed only after its send succeeded; a payload that carries no valid event is left pending
 * and reported. Events are sent packed, like every other send (shared/pack.ts); a packed dead
 * letter's invalid events stay out (the consumer recorded them as rejections the first time).
 */

import {
  type DeadLetterRow,
  markReplayed,
  readDeadLetterStates,
  readPendingDeadLetters,
} from "../db/dead-letters";
import type { Env } from "../env";
import { type TrafficEvent, validateTrafficEvent } from "../event";
import { parseJsonOrText } from "../shared/json";
import { MAX_SEND_BYTES, packEvents, sendGroups, unpack } from "../shared/pack";

/** Events gathered before they are packed and sent (about two full sendBatch calls). */
const SEND_CHUNK_BYTES = 2 * MAX_SEND_BYTES;

/** The valid events a dead letter carries (one, or a packed message's), or why it has none. */
function eventsOf(row: DeadLetterRow): { events: TrafficEvent[] } | { code: string; message: string } {
  const events: TrafficEvent[] = [];
  let first: { code: string; message: string } | null = null;
  for (const candidate of unpack(parseJsonOrText(row.payload))) {
    const checked = validateTrafficEvent(candidate);
    if (checked.ok) events.push(checked.value);
    else first ??= checked.rejection;
  }
  return events.length > 0 || !first ? { events } : first;
}

/**
 * Of `ids` (each once, in the caller's order): those no dead letter has, and those replayed by an
 * earlier request — so a caller learns why an id it named was not replayed now.
 */
async function unreplayableIds(db: D1Database, ids: readonly string[]) {
  const replayedBefore = new Map((await readDeadLetterStates(db, ids)).map((s) => [s.messageId, s.replayed]));
  const unique = [...new Set(ids)];
  return {
    notFound: unique.filter((id) => !replayedBefore.has(id)),
    alreadyReplayed: unique.filter((id) => replayedBefore.get(id) === true),
  };
}

/**
 * Re-enqueues pending dead letters (all, or those of `ids`), at most `limit`. `ids` must be a
 * bounded list (the route caps it): D1 binds it as one JSON string, and a string over its limit is
 * SQLITE_TOOBIG.
 */
export async function replayDeadLetters(env: Env, options: { ids?: readonly string[]; limit: number }) {
  const unmatched = options.ids
    ? await unreplayableIds(env.DB, options.ids)
    : { notFound: [], alreadyReplayed: [] };
  const results = await readPendingDeadLetters(env.DB, options);
  const replayed: string[] = [];
  const skipped: { messageId: string; code: string; message: string }[] = [];
  let ids: string[] = [];
  let events: TrafficEvent[] = [];
  let bytes = 0;
  const flush = async () => {
    if (ids.length === 0) return;
    for (const group of sendGroups(packEvents(events)))
      await env.EVENTS_QUEUE.sendBatch(group.map((m) => ({ body: m.body, contentType: "json" })));
    await markReplayed(env.DB, ids, Date.now());
    replayed.push(...ids);
    ids = [];
    events = [];
    bytes = 0;
  };
  for (const row of results) {
    const carried = eventsOf(row);
    if (!("events" in carried)) {
      skipped.push({ messageId: row.message_id, ...carried });
      continue;
    }
    if (bytes + row.payload.length > SEND_CHUNK_BYTES) await flush();
    ids.push(row.message_id);
    events.push(...carried.events);
    bytes += row.payload.length;
  }
  await flush();
  return { replayed, skipped, ...unmatched };
}
