/**
 * Rejected events: counted per day, source and code; invalid queue messages are also kept once
 * per message id (with a truncated payload) so a redelivered batch cannot count them twice.
 */
import type { Rejection, RejectionCode } from "../event";
import { isoDay } from "../shared/time";

export interface RejectedMessage {
  messageId: string;
  body: unknown;
  rejection: Rejection;
}

/** Payloads kept for inspection are cut to this many characters. */
const MAX_PAYLOAD_CHARS = 2_000;

const preview = (body: unknown): string => {
  let text: string;
  try {
    text = JSON.stringify(body) ?? String(body);
  } catch {
    text = String(body);
  }
  return text.length > MAX_PAYLOAD_CHARS ? `${text.slice(0, MAX_PAYLOAD_CHARS)}…` : text;
};

/** Statements recording invalid queue messages; the count moves only for a message id not seen before. */
export function rejectedMessageStatements(
  db: D1Database,
  messages: readonly RejectedMessage[],
  now: number,
): D1PreparedStatement[] {
  const day = isoDay(now);
  return messages.flatMap((m) => [
    db
      .prepare(
        `INSERT INTO rejections (day, source, code, count)
         SELECT ?1, 'queue', ?2, 1 WHERE NOT EXISTS (SELECT 1 FROM rejected_messages WHERE message_id = ?3)
         ON CONFLICT (day, source, code) DO UPDATE SET count = count + 1`,
      )
      .bind(day, m.rejection.code, m.messageId),
    db
      .prepare(
        `INSERT INTO rejected_messages (message_id, code, reason, payload, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (message_id) DO NOTHING`,
      )
      .bind(m.messageId, m.rejection.code, m.rejection.message, preview(m.body), now),
  ]);
}

/** Statement counting rejections of one ingest request (the caller already got them in its 202). */
export function ingestRejectionStatements(
  db: D1Database,
  codes: readonly RejectionCode[],
  now: number,
): D1PreparedStatement[] {
  const counts = new Map<RejectionCode, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  const day = isoDay(now);
  return [...counts].map(([code, count]) =>
    db
      .prepare(
        `INSERT INTO rejections (day, source, code, count) VALUES (?1, 'ingest', ?2, ?3)
         ON CONFLICT (day, source, code) DO UPDATE SET count = count + excluded.count`,
      )
      .bind(day, code, count),
  );
}

/** Rejections counted so far, per source and code (all days together). */
export async function readRejectionCounts(
  db: D1Database,
): Promise<{ source: string; code: string; count: number }[]> {
  const { results } = await db
    .prepare(
      `SELECT source, code, sum(count) AS count FROM rejections
       GROUP BY source, code ORDER BY source, code`,
    )
    .all<{ source: string; code: string; count: number }>();
  return results;
}
