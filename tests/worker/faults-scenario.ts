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

/** Runs one seeded scenario to the end: every message acked, or dead-lettered and replayed. */
export async function runScenario(seed: number, eventCount: number): Promise<ScenarioResult> {
  const rand = random(seed);
  const unique = generateEvents({ prefix: `faults-${seed}`, count: eventCount, seed });
  const sent = [...unique, ...unique.filter(() => rand() < 0.2)];
  let pending: QueueMessage[] = sent.map((body, i) => ({ id: `f${seed}-${i}`, body, attempts: 1 }));
  const faults = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const result = { seed, sent, faults, deliveries: 0, deadLettered: 0, replayed: 0 };
  let nextId = sent.length;
  // Some seeds fail often enough that messages exhaust their retries and take the dead-letter path.
  const faultRate = 0.3 + 0.65 * rand();

  for (let round = 0; pending.length > 0; round++) {
    if (round > 10_000) throw new Error(`seed ${seed}: the queue did not drain`);
    pending.sort(() => rand() - 0.5);
    const batch = pending.slice(0, 1 + Math.floor(rand() * 25));
    const fault =
      rand() > faultRate ? "none" : (FAULTS[1 + Math.floor(rand() * (FAULTS.length - 1))] ?? "none");
    faults[fault] += 1;
    const armed = armD1Fault(fault, rand);
    const outcomes =
      fault === "concurrent"
        ? await Promise.all([attempt(batch), attempt(pending.slice(0, 1 + Math.floor(rand() * 25)))])
        : fault === "redelivery"
          ? [
              await attempt(batch),
              await attempt(batch.map((m) => ({ ...m, attempts: (m.attempts ?? 1) + 1 }))),
            ]
          : [await attempt(batch)];
    armed?.mockRestore();
    result.deliveries += outcomes.length;
    const acked = new Set(outcomes.flatMap((o) => [...o.acked]));
    const retried = new Set(outcomes.flatMap((o) => [...o.retried]));
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
      result.deadLettered += dead.length;
      await deliver(DEAD_LETTER_QUEUE, dead);
      for (const event of await replayDeadLetters()) {
        result.replayed += 1;
        pending.push({ id: `f${seed}-${nextId++}`, body: event, attempts: 1 });
      }
    }
  }
  return result;
}
