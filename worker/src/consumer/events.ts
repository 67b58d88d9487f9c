/**
 * Events consumer: validate every message, then ONE D1 transaction that stores the new events,
 * folds them into the hourly aggregates and records the invalid messages. Only after it commits
 * is anything acked; if it fails, every message is retried with a delay, and after
 * `maxRetries` the queue moves it to the dead-letter queue.
 */
import { configOf } from "../config";
import { type RejectedMessage, rejectedMessageStatements } from "../db/rejections";
import { eventWriteStatements } from "../db/write-events";
import type { Env } from "../env";
import { type TrafficEvent, validateTrafficEvent } from "../event";
import { manifest } from "../manifest";
import { errorMessage } from "../shared/errors";

export async function consumeEvents(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const valid: TrafficEvent[] = [];
  const rejected: RejectedMessage[] = [];
  for (const message of batch.messages) {
    const result = validateTrafficEvent(message.body);
    if (result.ok) valid.push(result.value);
    else rejected.push({ messageId: message.id, body: message.body, rejection: result.rejection });
  }
  const now = Date.now();
  const statements = [
    ...eventWriteStatements(env.DB, valid, { maxPathsPerDay: configOf(env).maxPathsPerDay }, now),
    ...rejectedMessageStatements(env.DB, rejected, now),
  ];
  try {
    if (statements.length > 0) await env.DB.batch(statements);
  } catch (error) {
    const reason = errorMessage(error);
    console.error(`pathmeter: storing a batch of ${batch.messages.length} failed, retrying: ${reason}`);
    const delaySeconds = manifest.queues.events.consumer.retryDelaySeconds;
    for (const message of batch.messages) message.retry({ delaySeconds });
    return;
  }
  for (const message of batch.messages) message.ack();
}
