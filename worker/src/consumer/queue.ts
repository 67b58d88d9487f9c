/**
 * Queue entry: batches of the events queue are stored; batches of the dead-letter queue are
 * kept in D1 for inspection and replay.
 */
import { configOf } from "../config";
import type { Env } from "../env";
import { consumeDeadLetters } from "./dead-letters";
import { consumeEvents } from "./events";

export async function queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  if (batch.queue === configOf(env).deadLetterQueue) return consumeDeadLetters(batch, env);
  return consumeEvents(batch, env);
}
