/**
 * The queues side of the harness: call-through spies that capture what the Worker sends to the
 * events queue, and delivery of message batches to the Worker's real `queue()` handler with the
 * acks and retries the Queues runtime would see.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { expect, vi } from "vitest";
import { type Env, manifest, type TrafficEvent, unpack, worker } from "./worker";

type TestEnv = typeof env;

export const EVENTS_QUEUE = manifest.queues.events.name;
export const DEAD_LETTER_QUEUE = manifest.queues.deadLetters.name;

/**
 * Call-through spies on the events queue (a test may make them fail): `bodies()` lists every
 * message body sent so far, `events()` the events they carry.
 */
export function captureQueue(testEnv: TestEnv = env) {
  const sendBatch = vi.spyOn(testEnv.EVENTS_QUEUE, "sendBatch");
  const send = vi.spyOn(testEnv.EVENTS_QUEUE, "send");
  const bodies = (): unknown[] => [
    ...sendBatch.mock.calls.flatMap(([messages]) => [...messages].map((m) => m.body)),
    ...send.mock.calls.map(([body]) => body),
  ];
  // Packed messages carry many events; an old single-event body is its own event.
  const events = (): TrafficEvent[] => bodies().flatMap((body) => unpack(body) as TrafficEvent[]);
  return { sendBatch, send, bodies, events };
}

export interface QueueMessage {
  /** Queue-assigned message id: the same across redeliveries of one message. */
  id: string;
  body: unknown;
  attempts?: number;
}

/** One message per body, with message ids `${prefix}-${i}`. */
export const messagesOf = (bodies: readonly unknown[], prefix: string): QueueMessage[] =>
  bodies.map((body, i) => ({ id: `${prefix}-${i}`, body }));

/** What the queue runtime is told about a batch, in a stable order. */
export interface Outcome {
  acked: string[];
  retried: { msgId: string; delaySeconds: number | undefined }[];
}

/** The Worker's exported handlers, typed for message bodies of any shape. */
const handlers: ExportedHandler<Env, unknown> = worker;

/**
 * Delivers one batch to the real `queue()` handler and returns the acks and retries it made,
 * each retry with its delay. A handler that throws rejects, as the runtime would see it.
 */
export async function deliver(
  queueName: string,
  messages: readonly QueueMessage[],
  /** Called with the batch before the handler runs, e.g. to spy on a message's ack. */
  onBatch?: (batch: MessageBatch<unknown>) => void,
  testEnv: TestEnv = env,
): Promise<Outcome> {
  const batch = createMessageBatch<unknown>(
    queueName,
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: m.attempts ?? 1, body: m.body })),
  );
  // getQueueResult reports which messages were retried but not the delay; the spies keep it.
  const retries = batch.messages.map((m) => ({ id: m.id, spy: vi.spyOn(m, "retry") }));
  onBatch?.(batch);
  const ctx = createExecutionContext();
  if (!handlers.queue) throw new Error("the Worker exports no queue handler");
  await handlers.queue(batch, testEnv, ctx);
  // Typed here: the pinned workers-types declare FetcherQueueResult only in their experimental set.
  const result: { explicitAcks: string[]; retryMessages: { msgId: string }[] } = await getQueueResult(
    batch,
    ctx,
  );
  const retried = retries.flatMap(({ id, spy }) =>
    spy.mock.calls.map(([options]) => ({ msgId: id, delaySeconds: options?.delaySeconds })),
  );
  expect(retried.map((r) => r.msgId).sort()).toEqual(result.retryMessages.map((r) => r.msgId).sort());
  return {
    acked: [...result.explicitAcks].sort(),
    retried: retried.sort((a, b) => a.msgId.localeCompare(b.msgId)),
  };
}

/** Delivers bodies the Worker sent (e.g. `captureQueue().bodies()`) to the events consumer. */
export const consume = (bodies: readonly unknown[], testEnv: TestEnv = env): Promise<Outcome> =>
  deliver(EVENTS_QUEUE, messagesOf(bodies, crypto.randomUUID()), undefined, testEnv);

const sortedIds = (messages: readonly QueueMessage[]) => [...new Set(messages.map((m) => m.id))].sort();

/** Every message explicitly acked and none retried. */
export const allAcked = (messages: readonly QueueMessage[]): Outcome => ({
  acked: sortedIds(messages),
  retried: [],
});

/** Every message retried with `delaySeconds`, none acked: the batch was not stored. */
export const allRetried = (messages: readonly QueueMessage[], delaySeconds: number): Outcome => ({
  acked: [],
  retried: sortedIds(messages).map((msgId) => ({ msgId, delaySeconds })),
});
