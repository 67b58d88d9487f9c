/**
 * dead_letters: messages the events queue gave up on, kept with their payload for inspection and
 * replay. Written by the dead-letter consumer, listed and replayed by the ops API.
 */
import { parseJsonOrText } from "../shared/json";
import { isoTime } from "../shared/time";

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

/** A message to keep: its payload as JSON text. */
export interface NewDeadLetter {
  messageId: string;
  payload: string;
  attempts: number;
}

export const toDeadLetter = (row: DeadLetterRow): DeadLetter => ({
  messageId: row.message_id,
  payload: parseJsonOrText(row.payload),
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

const COLUMNS = "message_id, payload, attempts, reason, received_at, replayed_at";

/** Statements keeping `messages`; a message id already kept (a redelivery) is left as it is. */
export const deadLetterInsertStatements = (
  db: D1Database,
  messages: readonly NewDeadLetter[],
  reason: string,
  now: number,
): D1PreparedStatement[] =>
  messages.map((m) =>
    db
      .prepare(
        `INSERT INTO dead_letters (message_id, payload, attempts, reason, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (message_id) DO NOTHING`,
      )
      .bind(m.messageId, m.payload, m.attempts, reason, now),
  );

/** One page, ordered by (received_at, message_id), after the cursor when given. */
export async function listDeadLetters(
  db: D1Database,
  options: { status: DeadLetterStatus; limit: number; after?: [number, string] },
): Promise<{ deadLetters: DeadLetter[]; next: [number, string] | null }> {
  const [afterTime, afterId] = options.after ?? [-1, ""];
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM dead_letters
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

/** Pending (not replayed) dead letters, all or those of `ids`, oldest first, at most `limit`. */
export async function readPendingDeadLetters(
  db: D1Database,
  options: { ids?: readonly string[]; limit: number },
): Promise<DeadLetterRow[]> {
  const { results } = await db
    .prepare(
      `SELECT ${COLUMNS} FROM dead_letters
       WHERE replayed_at IS NULL AND (?1 IS NULL OR message_id IN (SELECT value FROM json_each(?1)))
       ORDER BY received_at, message_id LIMIT ?2`,
    )
    .bind(options.ids ? JSON.stringify(options.ids) : null, options.limit)
    .all<DeadLetterRow>();
  return results;
}

/** Which of `ids` are kept as dead letters, each with whether it was replayed already. */
export async function readDeadLetterStates(
  db: D1Database,
  ids: readonly string[],
): Promise<{ messageId: string; replayed: boolean }[]> {
  const { results } = await db
    .prepare(
      `SELECT message_id, replayed_at IS NOT NULL AS replayed FROM dead_letters
       WHERE message_id IN (SELECT value FROM json_each(?1))`,
    )
    .bind(JSON.stringify(ids))
    .all<{ message_id: string; replayed: number }>();
  return results.map((row) => ({ messageId: row.message_id, replayed: row.replayed === 1 }));
}

/** Marks dead letters replayed (after their send succeeded). */
export async function markReplayed(db: D1Database, ids: readonly string[], now: number): Promise<void> {
  await db
    .prepare("UPDATE dead_letters SET replayed_at = ?2 WHERE message_id IN (SELECT value FROM json_each(?1))")
    .bind(JSON.stringify(ids), now)
    .run();
}

/** How many dead letters there are, and how many of them are not replayed yet. */
export async function countDeadLetters(db: D1Database): Promise<{ total: number; pending: number }> {
  const row = await db
    .prepare("SELECT count(*) AS total, coalesce(sum(replayed_at IS NULL), 0) AS pending FROM dead_letters")
    .first<{ total: number; pending: number }>();
  return { total: row?.total ?? 0, pending: row?.pending ?? 0 };
}
