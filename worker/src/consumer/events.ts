/**
 * Events consumer: unpack every message (packed messages carry many events; old single-event
 * messages are read too), validate each event on its own, then ONE D1 transaction that stores
 * the new events, folds them into the hourly aggregates and records the invalid ones. Only after
 * it commits is anything acked; if it fails, every message is retried with a delay, and after
 * `maxRetries` the queue moves it to the dead-letter queue.
 *
 * An event whose UTC day may already have been cleaned from D1 — older than the first day of the
 * acceptance window (MAX_EVENT_AGE_DAYS) — is rejected as `too_old`: it could no longer be
 * recognised as a duplicate (a dead letter replayed days later, for instance). The boundary is
 * the day cleanup keeps (shared/acceptance-window.ts), not the ingest API's exact instant, so an
 * event the API accepted a moment before it aged out is still stored when the queue delivers it.
 * An event more than MAX_QUEUED_FUTURE_MS (an hour more than the API allows) ahead of the clock
 * is rejected as `in_future`: the API never accepts one, so only a hand-made message can carry it.
 */
import { configOf } from "../config";
import { type RejectedMessage, rejectedMessageStatements } from "../db/rejections";
import { eventWriteStatements } from "../db/write-events";
import type { Env } from "../env";
import { type Rejection, type TrafficEvent, validateTrafficEvent } from "../event";
import { publishStoredBatch } from "../live/publish";
import { manifest } from "../manifest";
import { MAX_QUEUED_FUTURE_MS, oldestKeptDay } from "../shared/acceptance-window";
import { errorMessage } from "../shared/errors";
import { isPack, unpack } from "../shared/pack";

export interface SortedBatch {
  valid: TrafficEvent[];
  rejected: RejectedMessage[];
}

/** The timestamps the consumer stores: from the first kept day to a little ahead of the clock. */
export interface StoredWindow {
  oldestTs: number;
  newestTs: number;
}

const TOO_OLD: Rejection = {
  code: "too_old",
  message: "ts is on a day older than the acceptance window (MAX_EVENT_AGE_DAYS)",
};
const IN_FUTURE: Rejection = {
  code: "in_future",
  message: `ts is more than ${MAX_QUEUED_FUTURE_MS / 60_000} minutes in the future`,
};

/**
 * Valid events and rejections of a batch. A rejection is keyed by the message id, plus `#i`
 * for the i-th event of a packed message, so a redelivered message counts each rejection once.
 */
export function sortMessages(
  messages: readonly Pick<Message<unknown>, "id" | "body">[],
  window: StoredWindow,
): SortedBatch {
  const sorted: SortedBatch = { valid: [], rejected: [] };
  for (const message of messages) {
    const packed = isPack(message.body);
    for (const [index, body] of unpack(message.body).entries()) {
      const messageId = packed ? `${message.id}#${index}` : message.id;
      const result = validateTrafficEvent(body);
      if (!result.ok) sorted.rejected.push({ messageId, body, rejection: result.rejection });
      else if (result.value.ts < window.oldestTs)
        sorted.rejected.push({ messageId, body, rejection: TOO_OLD });
      else if (result.value.ts > window.newestTs)
        sorted.rejected.push({ messageId, body, rejection: IN_FUTURE });
      else sorted.valid.push(result.value);
    }
  }
  return sorted;
}

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = configOf(env);
  const now = Date.now();
  const { valid, rejected } = sortMessages(batch.messages, {
    oldestTs: oldestKeptDay(now, config.maxEventAgeDays),
    newestTs: now + MAX_QUEUED_FUTURE_MS,
  });
  const statements = [
    ...eventWriteStatements(env.DB, valid, { maxPathsPerDay: config.maxPathsPerDay }, now),
    ...rejectedMessageStatements(env.DB, rejected, now),
  ];
  try {
    if (statements.length > 0) await env.DB.batch(statements);
  } catch (error) {
    const reason = errorMessage(error);
    console.error(
      `pathmeter: storing a batch of ${batch.messages.length} messages (${valid.length} events) failed, retrying: ${reason}`,
    );
    const delaySeconds = manifest.queues.events.consumer.retryDelaySeconds;
    for (const message of batch.messages) message.retry({ delaySeconds });
    return;
  }
  for (const message of batch.messages) message.ack();
  // Live dashboards: best effort, after the acks; it never throws (worker/src/live/publish.ts).
  await publishStoredBatch(env, valid, now);
}
