/**
 * Dead-letter consumer: every message the events queue gave up on is kept in `dead_letters`
 * (payload, attempts, reason) for inspection and replay; nothing is dropped.
 */
import { deadLetterInsertStatements } from "../db/dead-letters";
import type { Env } from "../env";
import { manifest } from "../manifest";
import { errorMessage } from "../shared/errors";

/** Why a message reaches this queue: the events consumer retried it `maxRetries` times. */
const REASON = `delivery failed after ${manifest.queues.events.consumer.maxRetries} retries`;

/**
 * The body as JSON text for replay. Never throws: a body JSON cannot express (a BigInt, a cycle)
 * must not hold back the whole batch until the dead letters themselves are dropped.
 */
const payloadOf = (body: unknown): string => {
  try {
    return (
      JSON.stringify(body, (_key, value) => (typeof value === "bigint" ? value.toString() : value)) ?? "null"
    );
  } catch {
    return String(body);
  }
};

export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const now = Date.now();
  const messages = batch.messages.map((m) => ({
    messageId: m.id,
    payload: payloadOf(m.body),
    attempts: m.attempts,
  }));
  const statements = deadLetterInsertStatements(env.DB, messages, REASON, now);
  try {
    await env.DB.batch(statements);
  } catch (error) {
    const reason = errorMessage(error);
    console.error(`pathmeter: storing ${batch.messages.length} dead letters failed, retrying: ${reason}`);
    const delaySeconds = manifest.queues.deadLetters.consumer.retryDelaySeconds;
    for (const message of batch.messages) message.retry({ delaySeconds });
    return;
  }
  for (const message of batch.messages) message.ack();
}
