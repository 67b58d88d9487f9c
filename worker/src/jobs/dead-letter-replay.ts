/**
 * Dead letters: listing, and replay onto the events queue. A replayed payload keeps its event id,
 * and the consumer stores an id once, so replaying — even twice, or after a crash between the
 * send and the mark — can never count an event twice. A row is marked replayed only after its
 * send succeeded; a payload that carries no valid event is left pending and reported.
 */
import type { Env } from "../env";
import { type TrafficEvent, validateTrafficEvent } from "../event";
import { MAX_SEND_BYTES, packEvents, sendGroups, unpack } from "../shared/pack";
import { isoTime } from "./clock";

export interface DeadLetter {
  messageId: string;
  payload: unknown;
  attempts: number;
  reason: string;
  receivedAt: string;
  replayedAt: string | null;
}

/** A row of `dead_letters` as D1 returns it. */
export interface DeadLetterRow {
  message_id: string;
  payload: string;
  attempts: number;
  reason: string;
  received_at: number;
  replayed_at: number | null;
}

const parsePayload = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

export const toDeadLetter = (row: DeadLetterRow): DeadLetter => ({
  messageId: row.message_id,
  payload: parsePayload(row.payload),
  attempts: row.attempts,
  reason: row.reason,
  receivedAt: isoTime(row.received_at),
  replayedAt: row.replayed_at === null ? null : isoTime(row.replayed_at),
});

export type DeadLetterStatus = "pending" | "replayed" | "all";

const STATUS_SQL: Record<DeadLetterStatus, string> = {
  pending: "AND replayed_at IS NULL",
  replayed: "AND replayed_at IS NOT NULL",
  all: "",
};

/** One page, ordered by (received_at, message_id), after the cursor when given. */
export async function listDeadLetters(
  db: D1Database,
  options: { status: DeadLetterStatus; limit: number; after?: [number, string] },
): Promise<{ deadLetters: DeadLetter[]; next: [number, string] | null }> {
  const [afterTime, afterId] = options.after ?? [-1, ""];
  const { results } = await db
    .prepare(
      `SELECT message_id, payload, attempts, reason, received_at, replayed_at FROM dead_letters
       WHERE (received_at, message_id) > (?1, ?2) ${STATUS_SQL[options.status]}
       ORDER BY received_at, message_id LIMIT ?3`,
    )
    .bind(afterTime, afterId, options.limit + 1)
    .all<DeadLetterRow>();
  const page = results.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    deadLetters: page.map(toDeadLetter),
    next: results.length > options.limit && last ? [last.received_at, last.message_id] : null,
  };
}

/** Events gathered before they are packed and sent (about two full sendBatch calls). */
const SEND_CHUNK_BYTES = 2 * MAX_SEND_BYTES;

/** The valid events a dead letter carries (one, or a packed message's), or why it has none. */
function eventsOf(row: DeadLetterRow): { events: TrafficEvent[] } | { code: string; message: string } {
  const events: TrafficEvent[] = [];
  let first: { code: string; message: string } | null = null;
  for (const candidate of unpack(parsePayload(row.payload))) {
    const checked = validateTrafficEvent(candidate);
    if (checked.ok) events.push(checked.value);
    else first ??= checked.rejection;
  }
  return events.length > 0 || !first ? { events } : first;
}

/**
 * Re-enqueues pending dead letters (all, or those of `ids`), at most `limit`, packed like every
 * other send (shared/pack.ts). A packed dead letter's invalid events stay out (the consumer
 * recorded them as rejections the first time); one with no valid event is skipped.
 */
export async function replayDeadLetters(env: Env, options: { ids?: readonly string[]; limit: number }) {
  const { results } = await env.DB.prepare(
    `SELECT message_id, payload, attempts, reason, received_at, replayed_at FROM dead_letters
     WHERE replayed_at IS NULL AND (?1 IS NULL OR message_id IN (SELECT value FROM json_each(?1)))
     ORDER BY received_at, message_id LIMIT ?2`,
  )
    .bind(options.ids ? JSON.stringify(options.ids) : null, options.limit)
    .all<DeadLetterRow>();
  const replayed: string[] = [];
  const skipped: { messageId: string; code: string; message: string }[] = [];
  let ids: string[] = [];
  let events: TrafficEvent[] = [];
  let bytes = 0;
  const flush = async () => {
    if (ids.length === 0) return;
    for (const group of sendGroups(packEvents(events)))
      await env.EVENTS_QUEUE.sendBatch(group.map((m) => ({ body: m.body, contentType: "json" })));
    await env.DB.prepare(
      "UPDATE dead_letters SET replayed_at = ?2 WHERE message_id IN (SELECT value FROM json_each(?1))",
    )
      .bind(JSON.stringify(ids), Date.now())
      .run();
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
  return { replayed, skipped };
}
