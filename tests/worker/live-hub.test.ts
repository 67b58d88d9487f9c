/**
 * The live hub in workerd: sign-in (subprotocol or first message), wrong tokens refused, fan-out
 * of a stored batch's deltas to several clients through the real consumer, and hibernation: a
 * fresh hub instance over the same state (what the runtime builds on wake-up) still knows which
 * sockets signed in and reaches them.
 */
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { LiveHub, type SocketAttachment } from "../../worker/src/live/hub";
import { liveHub } from "../../worker/src/live/publish";
import { CLOSE_SIGN_IN_TIMEOUT, CLOSE_UNAUTHORIZED } from "../../worker/src/shared/live-protocol";
import { TEST_SECRETS } from "../secrets";
import { allAcked, deliver, EVENTS_QUEUE, generateEvents, messagesOf } from "./harness";
import { connectLive, LIVE_URL, type LiveClient, signedInClient } from "./live-client";

const TOKEN = TEST_SECRETS.ADMIN_TOKEN;
const open: LiveClient[] = [];
const track = (client: LiveClient) => {
  open.push(client);
  return client;
};

afterEach(() => {
  for (const client of open.splice(0)) client.ws.close(1000, "test done");
});

describe("live hub: signing in", () => {
  it("accepts the token as the bearer.<token> subprotocol and echoes the protocol", async () => {
    const { res, client } = await connectLive(`bearer.${TOKEN}`);
    expect(res.status).toBe(101);
    expect(res.headers.get("Sec-WebSocket-Protocol")).toBe(`bearer.${TOKEN}`);
    expect(await track(client as LiveClient).next()).toEqual({ type: "ready" });
  });

  it("accepts the token as a first message", async () => {
    const client = track(await signedInClient(TOKEN));
    expect(client.pending()).toEqual([]);
  });

  it("refuses a wrong subprotocol token with a 401 before upgrading", async () => {
    const { res, client } = await connectLive("bearer.wrong-token");
    expect(res.status).toBe(401);
    expect(client).toBeNull();
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });

  it("closes a socket whose first message has a wrong token (4401) and sends it nothing", async () => {
    const { client } = await connectLive();
    if (!client) throw new Error("no socket");
    client.ws.send(JSON.stringify({ token: "wrong-token" }));
    expect((await client.closed).code).toBe(CLOSE_UNAUTHORIZED);
    expect(client.pending()).toEqual([]);
  });

  it("closes a socket whose first message is not a sign-in (4401)", async () => {
    const { client } = await connectLive();
    if (!client) throw new Error("no socket");
    client.ws.send("hello");
    expect((await client.closed).code).toBe(CLOSE_UNAUTHORIZED);
  });

  it("answers a plain GET without Upgrade with a 426 JSON error", async () => {
    const plain = await SELF.fetch(LIVE_URL);
    expect(plain.status).toBe(426);
    expect(await plain.json()).toMatchObject({ error: { code: "bad_request" } });
  });

  it("closes sockets that did not sign in before the deadline (alarm, 4408)", async () => {
    const { client } = await connectLive();
    if (!client) throw new Error("no socket");
    const signedIn = track(await signedInClient(TOKEN));
    // Age the waiting socket's attachment instead of waiting out the timeout.
    await runInDurableObject(liveHub(env), (_hub: LiveHub, state) => {
      for (const ws of state.getWebSockets()) {
        const attachment = ws.deserializeAttachment() as SocketAttachment;
        if (!attachment.signedIn) ws.serializeAttachment({ ...attachment, acceptedAt: 0 });
      }
    });
    expect(await runDurableObjectAlarm(liveHub(env))).toBe(true);
    expect((await client.closed).code).toBe(CLOSE_SIGN_IN_TIMEOUT);
    expect(await liveHub(env).connections()).toEqual({ open: 1, signedIn: 1 });
    expect(signedIn.pending()).toEqual([]);
  });
});

describe("live hub: fan-out of stored batches", () => {
  it("sends every signed-in client the per-path deltas of a batch the consumer stored", async () => {
    const clients = [await signedInClient(TOKEN), await signedInClient(TOKEN), await signedInClient(TOKEN)];
    clients.forEach(track);
    const { client: waiting } = await connectLive();
    if (!waiting) throw new Error("no socket");
    track(waiting);
    const startMs = Date.now() - 30 * 60_000;
    const events = generateEvents({ prefix: "fan", count: 40, startMs, spanMs: 15 * 60_000 });
    const messages = messagesOf(events, "fan");
    expect(await deliver(EVENTS_QUEUE, messages)).toEqual(allAcked(messages));

    const received = await Promise.all(clients.map((c) => c.next()));
    for (const message of received) {
      if (message.type !== "batch") throw new Error(`expected a batch, got ${message.type}`);
      expect(message.paths.reduce((n, p) => n + p.requests, 0)).toBe(events.length);
      const errors5xx = events.filter((e) => e.status >= 500).length;
      expect(message.paths.reduce((n, p) => n + p.errors5xx, 0)).toBe(errors5xx);
      expect(message.lagMs).toBeGreaterThanOrEqual(0);
    }
    expect(received[1]).toEqual(received[0]);
    // The socket that never signed in got nothing.
    expect(waiting.pending()).toEqual([]);
  });

  it("reaches sockets after hibernation: a fresh instance over the same state knows who signed in", async () => {
    const a = track(await signedInClient(TOKEN));
    const b = track(await signedInClient(TOKEN));
    const message = {
      type: "batch" as const,
      committedAt: Date.now(),
      lagMs: 5,
      paths: [{ hour: 0, path: "/woken", method: "GET", requests: 3, errors4xx: 1, errors5xx: 0 }],
    };
    const delivered = await runInDurableObject(liveHub(env), async (_hub: LiveHub, state) => {
      // What the runtime does on wake-up: a new object, constructor run again, no instance fields.
      const woken = new LiveHub(state, env);
      const attachments = state.getWebSockets().map((ws) => ws.deserializeAttachment() as SocketAttachment);
      expect(attachments.every((x) => x.signedIn)).toBe(true);
      return woken.publish(message);
    });
    expect(delivered).toBe(2);
    expect(await a.next()).toEqual(message);
    expect(await b.next()).toEqual(message);
  });
});
