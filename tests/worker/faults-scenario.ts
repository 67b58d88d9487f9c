/**
 * The seeded fault-injection scenario runner over the Worker in workerd (issue 12): a simulated
 * queue delivers random batches of events (with duplicates) to the real consumer while, per
 * delivery, a random fault is injected at the D1 edge — the whole transaction refused, a statement
 * failing half-way (rollback), a crash after the commit before the acks — or the delivery itself
 * misbehaves: the same batch twice, two overlapping batches at once. Retried messages come back
 * with one more attempt; past the retry budget they go to the dead-letter queue, are replayed
 * through the ops API, and delivered again. The outcome is compared with the harness's ground truth.
 */
import { env } from "cloudflare:test";
import { type MockInstance, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { manifest } from "../../worker/src/manifest";
import { TEST_SECRETS } from "../secrets";
import {
  api,
  captureQueue,
  DEAD_LETTER_QUEUE,
  deliver,
  EVENTS_QUEUE,
  generateEvents,
  type QueueMessage,
  random,
} from "./harness";

export const FAULTS = [
  "none",
  "d1-refuses",
  "statement-fails",
  "crash-after-commit",
  "redelivery",
  "concurrent",
] as const;
export type Fault = (typeof FAULTS)[number];

export interface ScenarioResult {
  seed: number;
  /** Every event sent, duplicates included. */
  sent: TrafficEvent[];
  /** How often each fault was injected. */
  faults: Record<Fault, number>;
  deliveries: number;
  deadLettered: number;
  replayed: number;
}

const MAX_RETRIES = manifest.queues.events.consumer.maxRetries;
const realBatch = env.DB.batch.bind(env.DB);

/** Arms a one-shot fault on the next D1 batch (the consumer's one transaction); null for delivery faults. */
function armD1Fault(fault: Fault, rand: () => number): MockInstance | null {
  if (fault !== "d1-refuses" && fault !== "statement-fails" && fault !== "crash-after-commit") return null;
  const batch = vi.spyOn(env.DB, "batch");
  if (fault === "d1-refuses")
    batch.mockRejectedValueOnce(new Error("D1_ERROR: injected: database unavailable"));
  if (fault === "statement-fails")
    batch.mockImplementationOnce(async (statements) => {
      // Valid SQL that fails when it runs: the statements before it ran, the transaction rolls back.
      const at = Math.floor(rand() * (statements.length + 1));
      const failing = env.DB.prepare("SELECT json('injected failure: not json')");
      return realBatch([...statements.slice(0, at), failing, ...statements.slice(at)]);
    });
  if (fault === "crash-after-commit")
    batch.mockImplementationOnce(async (statements) => {
      await realBatch(statements);
      throw new Error("injected crash after the commit, before the acks");
    });
  return batch;
}

/** Delivers a batch; a handler that throws counts as every message retried (what the runtime does). */
async function attempt(messages: QueueMessage[]): Promise<{ acked: Set<string>; retried: Set<string> }> {
  try {
    const outcome = await deliver(EVENTS_QUEUE, messages);
    return { acked: new Set(outcome.acked), retried: new Set(outcome.retried.map((r) => r.msgId)) };
  } catch {
    return { acked: new Set(), retried: new Set(messages.map((m) => m.id)) };
  }
}

/** Sends pending dead letters back through the ops API and returns the events it enqueued. */
async function replayDeadLetters(): Promise<TrafficEvent[]> {
  const queue = captureQueue();
  const response = await api("/api/ops/dead-letters/replay", { method: "POST" }, TEST_SECRETS.ADMIN_TOKEN);
  if (response.status !== 200)
    throw new Error(`replay answered ${response.status}: ${await response.text()}`);
  const events = queue.events();
  queue.sendBatch.mockRestore();
  queue.send.mockRestore();
  return events;
}

/** What a drain needs: the scenario's random source and fault rate, and the tally it adds to. */
export interface DrainContext {
  rand: () => number;
  /** Share of deliveries that get a fault. */
  faultRate: number;
  /** Message ids are `${prefix}-${n}`. */
  prefix: string;
  result: Omit<ScenarioResult, "seed" | "sent">;
}

const newTally = (): DrainContext["result"] => ({
  faults: Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>,
  deliveries: 0,
  deadLettered: 0,
  replayed: 0,
});

/** One delivery of a random batch under a random fault; returns the acked and the retried ids. */
async function deliverOnce(pending: QueueMessage[], context: DrainContext) {
  const { rand } = context;
  const batch = pending.slice(0, 1 + Math.floor(rand() * 25));
  const fault =
    rand() > context.faultRate ? "none" : (FAULTS[1 + Math.floor(rand() * (FAULTS.length - 1))] ?? "none");
  context.result.faults[fault] += 1;
  const armed = armD1Fault(fault, rand);
  const outcomes =
    fault === "concurrent"
      ? await Promise.all([attempt(batch), attempt(pending.slice(0, 1 + Math.floor(rand() * 25)))])
      : fault === "redelivery"
        ? [await attempt(batch), await attempt(batch.map((m) => ({ ...m, attempts: (m.attempts ?? 1) + 1 })))]
        : [await attempt(batch)];
  armed?.mockRestore();
  context.result.deliveries += outcomes.length;
  return {
    acked: new Set(outcomes.flatMap((o) => [...o.acked])),
    retried: new Set(outcomes.flatMap((o) => [...o.retried])),
  };
}

/**
 * Delivers every message to the consumer under random faults until each one is acked, or has used
 * its retries, gone to the dead-letter queue and been replayed (and then acked).
 */
export async function drain(messages: readonly QueueMessage[], context: DrainContext): Promise<void> {
  let pending = [...messages];
  let nextId = 0;
  for (let round = 0; pending.length > 0; round++) {
    if (round > 10_000) throw new Error(`${context.prefix}: the queue did not drain`);
    pending.sort(() => context.rand() - 0.5);
    const { acked, retried } = await deliverOnce(pending, context);
    const dead: QueueMessage[] = [];
    pending = pending.flatMap((m) => {
      if (acked.has(m.id) || !retried.has(m.id)) return acked.has(m.id) ? [] : [m];
      const next = { ...m, attempts: (m.attempts ?? 1) + 1 };
      if (next.attempts > MAX_RETRIES + 1) {
        dead.push(m);
        return [];
      }
      return [next];
    });
    if (dead.length > 0) {
      context.result.deadLettered += dead.length;
      await deliver(DEAD_LETTER_QUEUE, dead);
      for (const event of await replayDeadLetters()) {
        context.result.replayed += 1;
        pending.push({ id: `${context.prefix}-replay-${nextId++}`, body: event, attempts: 1 });
      }
    }
  }
}

/** A context for one seed: some seeds fail often enough that messages take the dead-letter path. */
export function drainContext(seed: number, prefix: string): DrainContext {
  const rand = random(seed);
  return { rand, faultRate: 0.3 + 0.65 * rand(), prefix, result: newTally() };
}

/** Runs one seeded scenario to the end: every message acked, or dead-lettered and replayed. */
export async function runScenario(seed: number, eventCount: number): Promise<ScenarioResult> {
  const context = drainContext(seed, `f${seed}`);
  const unique = generateEvents({ prefix: `faults-${seed}`, count: eventCount, seed });
  const sent = [...unique, ...unique.filter(() => context.rand() < 0.2)];
  await drain(
    sent.map((body, i) => ({ id: `f${seed}-${i}`, body, attempts: 1 })),
    context,
  );
  return { seed, sent, ...context.result };
}
