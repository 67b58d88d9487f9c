/**
 * Replay by ids, over the ops API: `ids` is capped (a list past the cap, or an id that is not a
 * string of sane length, is a 400 `invalid_parameter` before anything reaches D1 or the queue —
 * a huge list once made D1 answer SQLITE_TOOBIG, a 500), and the answer names the ids that match
 * no dead letter (`notFound`) and those replayed before (`alreadyReplayed`).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, captureQueue, DEAD_LETTER_QUEUE, deliver, generateEvents, HOUR } from "./harness";

const YESTERDAY = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR - 24 * HOUR;
const events = generateEvents({
  prefix: "dli",
  count: 3,
  startMs: YESTERDAY + 9 * HOUR,
  spanMs: HOUR,
  clients: 3,
});

/** POSTs a replay body, capturing what was sent to the events queue. */
async function replay(body: unknown) {
  const queue = captureQueue();
  const response = await api("/api/ops/dead-letters/replay", { method: "POST", body: JSON.stringify(body) });
  const answer = await response.json<Record<string, unknown>>();
  const sent = queue.events().map((e) => e.id);
  vi.restoreAllMocks();
  return { status: response.status, answer, sent };
}

beforeAll(async () => {
  const outcome = await deliver(
    DEAD_LETTER_QUEUE,
    events.map((body, i) => ({ id: `k${i}`, body, attempts: 6 })),
  );
  expect(outcome.retried).toEqual([]);
});

afterEach(() => vi.restoreAllMocks());

describe("replay by ids", () => {
  it("answers 400 invalid_parameter to 200,000 ids (2.5 MB), and sends nothing", async () => {
    const ids = Array.from({ length: 200_000 }, (_, i) => `missing-${i}`);
    const { status, answer, sent } = await replay({ ids });
    expect(status).toBe(400);
    expect(answer).toEqual({
      error: { code: "invalid_parameter", message: "ids: at most 1000 per request, got 200000" },
    });
    expect(sent).toEqual([]);
  });

  it("answers 400 to a misspelt field rather than replaying every pending dead letter", async () => {
    const { status, answer, sent } = await replay({ id: ["k0"] });
    expect(status).toBe(400);
    expect(answer).toEqual({
      error: {
        code: "invalid_parameter",
        message: 'unknown field "id": the body takes only "ids" and "limit"',
      },
    });
    expect(sent).toEqual([]);
  });

  it("accepts 1000 ids, the cap, and answers 400 to 1001", async () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => `absent-${i}`);
    const atCap = await replay({ ids });
    expect(atCap.status).toBe(200);
    expect(atCap.answer).toMatchObject({ replayed: 0, notFound: ids });
    const over = await replay({ ids: [...ids, "one-more"] });
    expect(over.status).toBe(400);
    expect(over.answer).toMatchObject({ error: { code: "invalid_parameter" } });
  });

  it.each([
    ["a number", [1]],
    ["an empty id", ["k0", ""]],
    ["an id over 128 characters", ["x".repeat(129)]],
    ["null", [null]],
    ["not an array", "k0"],
  ])("answers 400 invalid_parameter to %s", async (_what, ids) => {
    const { status, answer, sent } = await replay({ ids });
    expect(status).toBe(400);
    expect(answer).toEqual({ error: { code: "invalid_parameter", message: expect.stringMatching(/^ids/) } });
    expect(sent).toEqual([]);
  });

  it("names the ids not found, and those replayed before", async () => {
    const first = await replay({ ids: ["k0", "nope", "k1", "nope"] });
    expect(first.status).toBe(200);
    expect(first.answer).toEqual({
      replayed: 2,
      messageIds: ["k0", "k1"],
      skipped: [],
      notFound: ["nope"],
      alreadyReplayed: [],
    });
    expect(first.sent).toEqual([events[0]?.id, events[1]?.id]);
    const again = await replay({ ids: ["k1", "k2", "gone"] });
    expect(again.answer).toEqual({
      replayed: 1,
      messageIds: ["k2"],
      skipped: [],
      notFound: ["gone"],
      alreadyReplayed: ["k1"],
    });
  });

  it("answers empty lists when no ids are given", async () => {
    const { status, answer } = await replay({});
    expect(status).toBe(200);
    expect(answer).toEqual({ replayed: 0, messageIds: [], skipped: [], notFound: [], alreadyReplayed: [] });
  });
});
