/**
 * The consumer's live hook is best effort: whatever the hub does (unreachable, failing, never
 * answering), the batch is stored exactly as without it and every message is acked; and the live
 * endpoint answers an unreachable hub with a 503, not a 500. Faults are
 * injected with spies on the Durable Object binding, the edge between the consumer and the hub.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { LiveHub } from "../../worker/src/live/hub";
import { allAcked, deliver, EVENTS_QUEUE, generateEvents, messagesOf } from "./harness";
import { connectLive } from "./live-client";

afterEach(() => {
  vi.restoreAllMocks();
});

const storedCount = async () =>
  (await env.DB.prepare("SELECT count(*) AS n FROM traffic_events").first<{ n: number }>())?.n ?? 0;

/** A hub stub whose publish behaves as given (the consumer only calls publish). */
const hubWith = (publish: () => Promise<number>) => ({ publish }) as unknown as DurableObjectStub<LiveHub>;

const FAULTS: [string, () => void][] = [
  [
    "the binding throws",
    () =>
      vi.spyOn(env.LIVE_HUB, "idFromName").mockImplementation(() => {
        throw new Error("injected: no such namespace");
      }),
  ],
  [
    "publish rejects",
    () => vi.spyOn(env.LIVE_HUB, "get").mockReturnValue(hubWith(() => Promise.reject(new Error("injected")))),
  ],
  [
    "publish never answers",
    () => vi.spyOn(env.LIVE_HUB, "get").mockReturnValue(hubWith(() => new Promise<number>(() => {}))),
  ],
];

describe("live publish failures never fail the consumer", () => {
  it.each(FAULTS)("stores and acks the batch when %s", async (name, inject) => {
    inject();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const before = await storedCount();
    const events = generateEvents({
      prefix: `fault-${name}`,
      count: 25,
      startMs: Date.now() - 600_000,
      spanMs: 6 * 60_000,
    });
    const messages = messagesOf(events, `fault-${name}`);
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(await storedCount()).toBe(before + events.length);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("live feed not updated"));
  });

  it("publishes nothing for a batch with no valid events, and acks it", async () => {
    const get = vi.spyOn(env.LIVE_HUB, "get");
    const messages = messagesOf([{ not: "an event" }], "invalid-only");
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));
    expect(get).not.toHaveBeenCalled();
  });
});

describe("an unreachable hub", () => {
  it("answers the live endpoint with a 503 JSON error (pages poll meanwhile), never a 500", async () => {
    vi.spyOn(env.LIVE_HUB, "get").mockImplementation(() => {
      throw new Error("injected: hub unreachable");
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const { res, client } = await connectLive();
    expect(client).toBeNull();
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: "unavailable" } });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("live hub unreachable"));
  });
});
