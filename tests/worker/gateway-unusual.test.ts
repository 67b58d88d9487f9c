/**
 * Requests out of the ordinary through the gateway: a method outside the event model is recorded
 * as OTHER (and stats filter on it); `Expect: 100-continue` is answered by this hop, not forwarded.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { statsJson } from "./api-stats-fixtures";
import { callWorker, captureQueue, consume, forwardedRequest, resetStorage, stubUpstream } from "./harness";

beforeEach(() => resetStorage());
afterEach(() => vi.restoreAllMocks());

describe("unusual requests", () => {
  it("records a method outside the event model (PROPFIND, PURGE) as OTHER, which stats can filter on", async () => {
    stubUpstream(() => new Response("ok", { status: 207 }));
    const queue = captureQueue();
    vi.spyOn(Date, "now").mockReturnValue(Date.UTC(2026, 10, 20, 9, 30));
    for (const method of ["PROPFIND", "PURGE", "GET"])
      await callWorker(new Request("http://gateway.test/files/report.pdf", { method }));
    expect(queue.events().map((e) => e.method)).toEqual(["OTHER", "OTHER", "GET"]);
    expect(await consume(queue.events())).toMatchObject({ retried: [] });
    vi.restoreAllMocks();

    const range = { from: "2026-11-20T09:00:00Z", to: "2026-11-20T10:00:00Z" };
    const { paths } = await statsJson<{ paths: { method: string; requests: number }[] }>("paths", {
      ...range,
      method: "OTHER",
    });
    expect(paths.map(({ method, requests }) => ({ method, requests }))).toEqual([
      { method: "OTHER", requests: 2 },
    ]);
  });

  it("does not forward Expect: 100-continue (this hop answers it; a 1xx from the upstream would be a 502)", async () => {
    const fetchSpy = stubUpstream(() => new Response("ok", { status: 201 }));
    const { response } = await callWorker(
      new Request("http://gateway.test/orders", {
        method: "POST",
        headers: { Expect: "100-continue", "Content-Type": "application/json", "X-Client": "c1" },
        body: '{"qty":1}',
      }),
    );
    expect(response.status).toBe(201);
    const sent = forwardedRequest(fetchSpy);
    expect(sent.headers.get("Expect")).toBeNull();
    expect(sent.headers.get("X-Client")).toBe("c1");
    expect(await sent.text()).toBe('{"qty":1}');
  });
});
