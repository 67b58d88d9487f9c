/**
 * A setting that cannot be parsed (issue 12, found bug 1): the client's proxied response never
 * depends on an analytics setting; each setting fails only what uses it, with a code, never a
 * 500; health lists every such setting in `problems`, naming it, without secrets.
 * Real bindings throughout: only one var of the test env is changed.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TEST_SECRETS } from "../secrets";
import {
  callWorker,
  captureQueue,
  DEAD_LETTER_QUEUE,
  deliver,
  EVENTS_QUEUE,
  envWith,
  generateEvents,
  ingestRequest,
  messagesOf,
  resetStorage,
  storedEvents,
} from "./harness";

/** Every analytics setting, with a value that cannot be parsed. */
const BAD_ANALYTICS_VARS = {
  MAX_PATHS_PER_DAY: "lots",
  ROUTES: "/users/:id",
  HOT_DAYS: "-1",
  MAX_EVENT_AGE_DAYS: "7.5",
  SNAPSHOT_TOP_N: "",
  HOURLY_SKETCH_DAYS: "1e400",
} as const;

const upstreamOk = () =>
  vi
    .spyOn(globalThis, "fetch")
    .mockImplementation(async () => new Response("from upstream", { status: 200 }));

const authorised = (path: string, init: RequestInit = {}) =>
  new Request(`http://gateway.test/_pathmeter${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${TEST_SECRETS.ADMIN_TOKEN}` },
  });

const healthOf = async (vars: Record<string, string>) => {
  const { response, body } = await callWorker(authorised("/api/ops/health"), envWith(vars));
  expect(response.status).toBe(200);
  return JSON.parse(body) as { problems: string[] };
};

/** Everything the Worker logged, one string per call. */
const logged = (...spies: { mock: { calls: unknown[][] } }[]) =>
  spies.flatMap((spy) => spy.mock.calls.map((args) => args.map(String).join(" ")));

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

describe("an analytics setting that cannot be parsed", () => {
  for (const [name, value] of Object.entries(BAD_ANALYTICS_VARS)) {
    it(`${name}=${JSON.stringify(value)}: proxied requests still reach the upstream and answer`, async () => {
      const fetchSpy = upstreamOk();
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      const { response, body } = await callWorker(
        new Request("http://gateway.test/users/42?x=1"),
        envWith({ [name]: value }),
      );
      expect(response.status).toBe(200);
      expect(body).toBe("from upstream");
      expect(fetchSpy).toHaveBeenCalledTimes(1);
      for (const line of logged(error)) {
        expect(line).not.toContain(TEST_SECRETS.ADMIN_TOKEN);
        expect(line).not.toContain(TEST_SECRETS.CLIENT_IP_SALT);
      }
    });

    it(`${name}=${JSON.stringify(value)}: health answers 200 and names it in problems`, async () => {
      const { problems } = await healthOf({ [name]: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(new RegExp(`^${name} `));
    });
  }

  it("with MAX_PATHS_PER_DAY unparseable, the request is answered and the failed recording is logged by name", async () => {
    upstreamOk();
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const queue = captureQueue();
    const { response } = await callWorker(
      new Request("http://gateway.test/orders/7"),
      envWith({ MAX_PATHS_PER_DAY: "lots" }),
    );
    expect(response.status).toBe(200);
    expect(queue.events()).toEqual([]);
    expect(logged(error).join("\n")).toContain('MAX_PATHS_PER_DAY must be a positive integer, got "lots"');
  });

  it("lists every unparseable setting at once, and none for the deployed defaults", async () => {
    expect((await healthOf({})).problems).toEqual([]);
    const { problems } = await healthOf({ ...BAD_ANALYTICS_VARS, UPSTREAM_URL: "not a url" });
    expect(problems.map((p) => p.split(" ")[0]).sort()).toEqual(
      [...Object.keys(BAD_ANALYTICS_VARS), "UPSTREAM_URL"].sort(),
    );
  });

  it("ingest answers 503 not_configured naming the setting, never 500, and stores nothing", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const [event] = generateEvents({ prefix: "cfg", count: 1, startMs: Date.now() - 60_000, spanMs: 1 });
    const { response, body } = await callWorker(
      ingestRequest(JSON.stringify([event])),
      envWith({ MAX_EVENT_AGE_DAYS: "a week" }),
    );
    expect(response.status).toBe(503);
    expect(JSON.parse(body)).toEqual({
      error: { code: "not_configured", message: expect.stringMatching(/^MAX_EVENT_AGE_DAYS /) },
    });
    expect(body).not.toContain("a week");
  });

  it("the consumer stores nothing and acks nothing: the batch fails and is redelivered", async () => {
    const events = generateEvents({ prefix: "cfg-consumer", count: 5 });
    const messages = messagesOf(events, "cfg");
    await expect(
      deliver(EVENTS_QUEUE, messages, undefined, envWith({ MAX_PATHS_PER_DAY: "lots" })),
    ).rejects.toThrow(/MAX_PATHS_PER_DAY/);
    expect(await storedEvents()).toEqual([]);
    // The dead-letter consumer needs no analytics setting: it keeps working.
    const outcome = await deliver(
      DEAD_LETTER_QUEUE,
      messages,
      undefined,
      envWith({ MAX_PATHS_PER_DAY: "lots" }),
    );
    expect(outcome.acked).toEqual(messages.map((m) => m.id).sort());
  });
});

describe("a proxy setting that cannot be parsed", () => {
  it("UPSTREAM_URL: 503 not_configured for proxied paths (no 500, the URL never echoed); health still works", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = envWith({ UPSTREAM_URL: "ftp://user:hunter2@files.example" });
    const { response, body } = await callWorker(new Request("http://gateway.test/users/1"), bad);
    expect(response.status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "not_configured" } });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect([body, ...logged(error)].join("\n")).not.toContain("hunter2");
    const { problems } = await healthOf({ UPSTREAM_URL: "ftp://user:hunter2@files.example" });
    expect(problems).toEqual(["UPSTREAM_URL must be an http(s) URL"]);
  });

  it("RESERVED_PREFIX: every request answers 503 not_configured with a code, never 500", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    vi.spyOn(console, "error").mockImplementation(() => {});
    const bad = envWith({ RESERVED_PREFIX: "no-slash" });
    for (const request of [new Request("http://gateway.test/users/1"), authorised("/api/ops/health")]) {
      const { response, body } = await callWorker(request, bad);
      expect(response.status).toBe(503);
      expect(JSON.parse(body)).toMatchObject({ error: { code: "not_configured" } });
    }
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
