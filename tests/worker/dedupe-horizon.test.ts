/**
 * The dedupe horizon is the acceptance window (invariant 1), through the real handlers: events
 * ingested for a day five days ago, then rollup, archive and cleanup; the same events sent again
 * (an upstream gateway retrying) are neither counted nor archived again. Once the day has left
 * the window, cleanup deletes its rows, and the same events are rejected as `too_old` by the
 * ingest API and by the consumer alike, so nothing that could not be recognised is accepted.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { unpack } from "../../worker/src/shared/pack";
import {
  aggregatesOfKnown,
  archivedEvents,
  captureQueue,
  consume,
  DAY,
  HOUR,
  ingest,
  lastRun,
  resetStorage,
  runCron,
  storedAggregates,
} from "./harness";

const WINDOW_DAYS = Number(env.MAX_EVENT_AGE_DAYS);
const HOT_DAYS = Number(env.HOT_DAYS);
const DAY_START = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;
const ISO_DAY = new Date(DAY_START).toISOString().slice(0, 10);
const N = 3_000;

const items = Array.from({ length: N }, (_, i) => ({
  ts: DAY_START + Math.floor((i * DAY) / N),
  method: i % 3 === 0 ? "POST" : "GET",
  path: `/orders/${i % 40}`,
  status: i % 17 === 0 ? 500 : 200,
  durationMs: 1 + (i % 250),
  bytes: 100,
  clientIp: `198.51.100.${i % 200}`,
  requestId: `retry-me-${i}`,
}));
/** The hourly counters the events must make, computed from what the test sent. */
const truth = () =>
  aggregatesOfKnown(items.map((e) => ({ ...e, path: "/orders/:id", method: e.method as "GET" | "POST" })))
    .hourly;
const resent = items.filter((_, i) => i % 15 === 0);

/** POSTs events to the ingest API and delivers what it queued to the real consumer. */
async function ingestAndConsume(events: readonly unknown[]) {
  const queue = captureQueue();
  const answers = [];
  for (let i = 0; i < events.length; i += 1_000)
    answers.push(await ingest(JSON.stringify(events.slice(i, i + 1_000))));
  const bodies = queue.bodies();
  vi.restoreAllMocks();
  if (bodies.length > 0) await consume(bodies);
  return { answers, bodies };
}

const archivedIds = async () => (await archivedEvents(ISO_DAY)).map((e) => String(e.id));

beforeAll(async () => {
  await resetStorage();
  const { answers } = await ingestAndConsume(items);
  expect(answers.map((a) => a.json)).toEqual([1, 2, 3].map(() => ({ accepted: 1_000, rejected: [] })));
});
afterEach(() => vi.restoreAllMocks());

describe("duplicates inside the acceptance window", () => {
  it("are neither counted nor archived again after rollup, archive and cleanup", async () => {
    expect(resent).toHaveLength(200);
    await runCron("rollup", DAY_START + DAY + 7 * 60_000);
    await runCron("archive", DAY_START + (HOT_DAYS + 1) * DAY + 2 * HOUR);
    await runCron("cleanup", DAY_START + 5 * DAY + 3 * HOUR);
    expect((await lastRun("cleanup")).outcome).toBe("ok");
    const archived = await archivedIds();
    expect(archived).toHaveLength(N);
    expect((await storedAggregates()).hourly).toEqual(truth());

    const { answers, bodies } = await ingestAndConsume(resent);
    expect(answers[0]?.json).toEqual({ accepted: 200, rejected: [] });
    expect(bodies.flatMap(unpack)).toHaveLength(200);
    expect((await storedAggregates()).hourly).toEqual(truth());
    const counter = await env.DB.prepare(
      "SELECT value FROM pipeline_counters WHERE name = 'events_stored'",
    ).first();
    expect(counter).toEqual({ value: N });

    await runCron("archive", DAY_START + (HOT_DAYS + 2) * DAY + 2 * HOUR);
    expect(await archivedIds()).toEqual(archived);
    expect(new Set(archived).size).toBe(N);
  });
});

describe("beyond the acceptance window", () => {
  const afterWindow = DAY_START + (WINDOW_DAYS + 1) * DAY + 3 * HOUR;

  it("cleanup deletes the day once it has left the window, and the same events are rejected as too_old", async () => {
    await runCron("cleanup", afterWindow);
    const days = (await lastRun("cleanup")).report.details.days;
    expect(days).toEqual([{ day: ISO_DAY, deleted: N, done: true, emptiedBy: "drop" }]);

    vi.spyOn(Date, "now").mockReturnValue(afterWindow + HOUR);
    const { answers, bodies } = await ingestAndConsume(resent);
    expect(answers[0]?.status).toBe(202);
    expect(answers[0]?.json).toMatchObject({ accepted: 0 });
    const rejected = (answers[0]?.json.rejected ?? []) as { code: string }[];
    expect(rejected.map((r) => r.code)).toEqual(Array(200).fill("too_old"));
    expect(bodies).toEqual([]);

    // An event of that day reaching the consumer anyway (a dead letter replayed late): rejected too.
    expect(await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first()).toEqual({ n: 0 });
    vi.spyOn(Date, "now").mockReturnValue(afterWindow + HOUR);
    const late = {
      pack: 1,
      events: [
        {
          id: "late-1",
          ts: DAY_START + HOUR,
          method: "GET",
          path: "/orders/:id",
          status: 200,
          durationMs: 1,
          bytes: 1,
          clientHash: "c",
          colo: null,
          country: null,
          source: "ingest",
        },
      ],
    };
    const result = await consume([late]);
    expect(result.acked).toHaveLength(1);
    expect((await storedAggregates()).hourly).toEqual(truth());
    const tooOld = await env.DB.prepare(
      "SELECT count FROM rejections WHERE source = 'queue' AND code = 'too_old'",
    ).first();
    expect(tooOld).toEqual({ count: 1 });
    await runCron("archive", afterWindow + DAY);
    expect(await archivedIds()).toHaveLength(N);
  });
});
