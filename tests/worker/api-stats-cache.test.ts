/**
 * The stats API's response cache (Cache API): a second identical call is a hit (and health
 * counts it), new events make an open range answer fresh at once, a matching If-None-Match gets
 * a 304, and a cache whose match or put throws is skipped — the answer comes from D1.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { api, getStats, HOUR } from "./api-stats-fixtures";
import { generateEvents, load, runCron } from "./harness";

/** The current hour and the one before: an open range (it reaches into the current hour). */
const openRange = () => {
  const hour = Math.floor(Date.now() / HOUR) * HOUR;
  return { from: hour - HOUR, to: hour + HOUR };
};
const CLOSED = { from: Date.UTC(2026, 9, 1), to: Date.UTC(2026, 9, 2) };

const recent = (prefix: string, count: number) =>
  generateEvents({ prefix, count, startMs: Date.now() - 30 * 60_000, spanMs: 20 * 60_000, clients: 20 });

async function health(): Promise<{ hits: number; misses: number }> {
  const res = await api("/api/ops/health");
  return (await res.json<{ cache: { hits: number; misses: number } }>()).cache;
}

beforeAll(async () => {
  await load([
    ...recent("a", 200),
    ...generateEvents({ prefix: "c", count: 100, startMs: CLOSED.from, spanMs: HOUR, clients: 5 }),
  ]);
});
afterEach(() => vi.restoreAllMocks());

describe("stats cache", () => {
  it("answers the second identical call from the cache and counts hit and miss in health", async () => {
    const before = await health();
    const first = await getStats("paths", { ...CLOSED, sort: "errors" });
    const second = await getStats("paths", { sort: "errors", ...CLOSED });
    expect(first.headers.get("X-Pathmeter-Cache")).toBe("miss");
    expect(second.headers.get("X-Pathmeter-Cache")).toBe("hit");
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get("ETag")).toBe(first.headers.get("ETag"));
    expect(await health()).toEqual({ hits: before.hits + 1, misses: before.misses + 1 });
  });

  it("keys on every parameter and on the format", async () => {
    await getStats("paths", { ...CLOSED, limit: 2 });
    const other = await getStats("paths", { ...CLOSED, limit: 3 });
    const csv = await getStats("paths", { ...CLOSED, limit: 2 }, { headers: { Accept: "text/csv" } });
    expect(other.headers.get("X-Pathmeter-Cache")).toBe("miss");
    expect(csv.headers.get("X-Pathmeter-Cache")).toBe("miss");
    expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
  });

  it("answers fresh as soon as new events arrive for an open range", async () => {
    const range = openRange();
    const first = await (await getStats("summary", range)).json<{ requests: number }>();
    const cached = await getStats("summary", range);
    expect(cached.headers.get("X-Pathmeter-Cache")).toBe("hit");
    expect(cached.headers.get("Cache-Control")).toBe("private, max-age=60");
    await load(recent("b", 25));
    const fresh = await getStats("summary", range);
    expect(fresh.headers.get("X-Pathmeter-Cache")).toBe("miss");
    expect((await fresh.json<{ requests: number }>()).requests).toBe(first.requests + 25);
  });

  it("stays valid across a snapshot run, and not across a rollup run (which may change answers)", async () => {
    const params = { ...CLOSED, limit: 5 };
    await getStats("paths", params);
    await runCron("snapshot", Date.now());
    expect((await getStats("paths", params)).headers.get("X-Pathmeter-Cache")).toBe("hit");
    await runCron("rollup", Date.now());
    expect((await getStats("paths", params)).headers.get("X-Pathmeter-Cache")).toBe("miss");
  });

  it("keeps a closed range much longer than an open one", async () => {
    const open = await getStats("timeseries", openRange());
    const closed = await getStats("timeseries", CLOSED);
    expect(open.headers.get("Cache-Control")).toBe("private, max-age=300");
    expect(closed.headers.get("Cache-Control")).toBe("private, max-age=86400");
  });

  it("answers 304 to a matching If-None-Match, from the cache and after a miss alike", async () => {
    const first = await getStats("compare", CLOSED);
    const etag = first.headers.get("ETag") ?? "";
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const hit = await getStats("compare", CLOSED, { headers: { "If-None-Match": `"other", ${etag}` } });
    expect(hit.status).toBe(304);
    expect(hit.headers.get("ETag")).toBe(etag);
    expect(await hit.text()).toBe("");
    const stale = await getStats("compare", CLOSED, { headers: { "If-None-Match": '"other"' } });
    expect(stale.status).toBe(200);
    const newRange = { ...CLOSED, limit: 7 };
    const missEtag = (await getStats("compare", newRange)).headers.get("ETag") ?? "";
    const weak = await getStats("compare", newRange, { headers: { "If-None-Match": `W/${missEtag}` } });
    expect(weak.status).toBe(304);
  });

  it.each(["match", "put"] as const)("answers from D1 when the cache's %s throws", async (operation) => {
    const spy = vi.spyOn(caches.default, operation).mockRejectedValue(new Error("cache unavailable"));
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const params = { ...CLOSED, sort: "requests", limit: operation === "match" ? 999 : 1000 };
    const res = await getStats("paths", params);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Pathmeter-Cache")).toBe("miss");
    const body = await res.json<{ paths: { requests: number }[] }>();
    expect(body.paths.reduce((n, p) => n + p.requests, 0)).toBe(100);
    expect(spy).toHaveBeenCalled();
    const again = await getStats("paths", params);
    expect(again.headers.get("X-Pathmeter-Cache")).toBe("miss");
    expect(await again.json()).toEqual(body);
  });

  it("never caches an error answer", async () => {
    const put = vi.spyOn(caches.default, "put");
    expect((await getStats("paths", { sort: "nope" })).status).toBe(400);
    expect(put).not.toHaveBeenCalled();
  });
});
