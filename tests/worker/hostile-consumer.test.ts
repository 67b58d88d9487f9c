/**
 * Hostile queue messages to the events consumer (issue 12), property-based: whatever a message
 * body is — any structured-clone value, a valid event with hostile fields, deep nesting, huge
 * strings — the consumer never throws and never retries: valid events are stored once, every
 * other message is acked and recorded as a rejection with a code.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { validateTrafficEvent } from "../../worker/src/event";
import { recordReliability } from "../reliability-record";
import { allAcked, deliver, EVENTS_QUEUE, generateEvents, resetStorage } from "./harness";
import { nested, RUNS, storedTally } from "./hostile-arbitraries";

const anyBody = fc.oneof(
  fc.anything({
    maxDepth: 4,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withTypedArray: true,
    withSparseArray: true,
    withNullPrototype: true,
  }),
  // Deeper than ~4,000 levels, structured clone itself (the test's message batch, the producer's
  // send in production) overflows before the consumer could see the message.
  fc.integer({ min: 1, max: 2_000 }).map(nested),
  fc.string({ maxLength: 4 }).map((s) => s.repeat(30_000)),
);

/** A valid event with one to three fields replaced by anything. */
const damagedEvent = fc
  .tuple(
    fc.nat(),
    fc.array(
      fc.tuple(
        fc.constantFrom(
          "id",
          "ts",
          "method",
          "path",
          "status",
          "durationMs",
          "bytes",
          "clientHash",
          "colo",
          "source",
        ),
        fc.oneof(fc.anything({ maxDepth: 2 }), fc.constant(undefined)),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  )
  .map(([seed, damage]) => {
    const [event] = generateEvents({ prefix: `damaged-${seed}`, count: 1, seed });
    return { ...event, ...Object.fromEntries(damage) };
  });

const validBody = fc.nat().map((seed) => generateEvents({ prefix: `valid-${seed}`, count: 1, seed })[0]);

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

it("acks every message of any batch, stores the valid events once and records the rest with a code", async ({
  task,
}) => {
  let batchNo = 0;
  let sent = 0;
  const validIds = new Set<string>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(anyBody, damagedEvent, validBody), { minLength: 1, maxLength: 40 }),
      async (bodies) => {
        batchNo += 1;
        vi.spyOn(console, "error").mockImplementation(() => {});
        const messages = bodies.map((body, i) => ({ id: `hostile-${batchNo}-${i}`, body }));
        sent += 2 * messages.length;
        for (const { body } of messages) {
          const checked = validateTrafficEvent(body);
          if (checked.ok) validIds.add(checked.value.id);
        }
        const outcome = await deliver(EVENTS_QUEUE, messages);
        expect(outcome).toEqual(allAcked(messages));
        // And a redelivery of the same batch changes nothing.
        const before = await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first<{
          n: number;
        }>();
        expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
        const after = await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first<{ n: number }>();
        expect(after).toEqual(before);

        const invalid = messages.filter((m) => !validateTrafficEvent(m.body).ok).map((m) => m.id);
        const recorded = await env.DB.prepare(
          "SELECT message_id AS id, code FROM rejected_messages WHERE message_id LIKE ?1",
        )
          .bind(`hostile-${batchNo}-%`)
          .all<{ id: string; code: string }>();
        expect(recorded.results.map((r) => r.id).sort()).toEqual(invalid.sort());
        for (const r of recorded.results) expect(r.code).toMatch(/^invalid_\w+$/);
      },
    ),
    RUNS,
  );
  const stored = await storedTally([...validIds]);
  recordReliability(task, {
    scenario: "consumer: batches of any message bodies, each delivered twice",
    events: sent,
    faults: "any structured-clone value, damaged events, 2,000-deep nesting, 120 kB strings, redelivery",
    lost: validIds.size - stored.storedIds,
    doubleCounted: stored.doubleCounted,
    fiveXx: 0,
  });
  expect(validIds.size).toBeGreaterThan(RUNS.numRuns);
  expect(stored).toEqual({ storedIds: validIds.size, doubleCounted: 0, uncounted: 0 });
});
