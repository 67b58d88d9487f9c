/**
 * The zod schema of the ingest event (worker/src/ingest/event-schema.ts), measured against the
 * hand validator by `npm run bench -- validation`, gives the same event or the same rejection code
 * as the hand validator the ingest route uses — for hostile input (property-based) and for one
 * event per rejection code.
 */
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { normaliserFor } from "../../worker/src/event/normalise";
import { ingestEventBySchema, ingestEventSchema } from "../../worker/src/ingest/event-schema";
import { type IngestContext, ingestEvent } from "../../worker/src/ingest/validate";
import { hostileEvent, RUNS } from "./hostile-arbitraries";

const NOW = Date.UTC(2026, 10, 29, 12);
const context: IngestContext = {
  now: NOW,
  maxEventAgeDays: 7,
  salt: env.CLIENT_IP_SALT,
  normalise: normaliserFor([]),
};
const schema = ingestEventSchema(context);

/** The outcome with the message left out: codes must agree, wording may not. */
const outcome = async (validate: Promise<Awaited<ReturnType<typeof ingestEvent>>>) => {
  const result = await validate;
  return result.ok ? result : { ok: false, code: result.rejection.code };
};

const valid = { ts: NOW - 60_000, method: "get", path: "/users/42", status: 200, durationMs: 12.5 };

describe("the ingest event schema", () => {
  it.each([
    ["valid", valid, true],
    ["not an object", [valid], "invalid_event"],
    ["ts", { ...valid, ts: "now" }, "invalid_ts"],
    ["too old", { ...valid, ts: NOW - 8 * 86_400_000, method: "NOPE" }, "too_old"],
    ["in the future", { ...valid, ts: NOW + 3_600_000 }, "in_future"],
    ["method", { ...valid, method: "FETCH" }, "invalid_method"],
    ["path", { ...valid, path: "users" }, "invalid_path"],
    ["status", { ...valid, status: 700, durationMs: -1 }, "invalid_status"],
    ["duration", { ...valid, durationMs: -1 }, "invalid_duration"],
    ["bytes", { ...valid, bytes: -5 }, "invalid_bytes"],
    ["id", { ...valid, id: "" }, "invalid_id"],
    ["requestId", { ...valid, requestId: 7 }, "invalid_event"],
    ["both clients", { ...valid, clientIp: "10.0.0.1", clientHash: "abc" }, "invalid_client"],
    ["clientHash", { ...valid, clientHash: "1.2.3.4" }, "invalid_client"],
  ])("agrees with the hand validator on %s", async (_what, item, want) => {
    const [hand, bySchema] = await Promise.all([
      outcome(ingestEvent(item, context)),
      outcome(ingestEventBySchema(item, schema, context)),
    ]);
    expect(bySchema).toEqual(hand);
    expect(want === true ? hand.ok : "code" in hand && hand.code).toBe(want);
  });

  it("agrees with the hand validator on hostile events", async () => {
    await fc.assert(
      fc.asyncProperty(hostileEvent(NOW), async (item) => {
        expect(await outcome(ingestEventBySchema(item, schema, context))).toEqual(
          await outcome(ingestEvent(item, context)),
        );
      }),
      { ...RUNS, numRuns: 300 },
    );
  });
});
