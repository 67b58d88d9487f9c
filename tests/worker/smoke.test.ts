import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { writeEvents } from "../../worker/src/db/write-events";
import type { TrafficEvent } from "../../worker/src/event";

const ev = (id: string, path: string, ts = Date.UTC(2026, 10, 20, 10, 5)): TrafficEvent => ({
  id, ts, method: "GET", path, status: 200, durationMs: 12, bytes: 10, clientHash: "c1", colo: null, country: null, source: "ingest",
});

it("stores once and aggregates", async () => {
  await writeEvents(env.DB, [ev("a", "/x"), ev("a", "/x"), ev("b", "/y")], { maxPathsPerDay: 1 });
  await writeEvents(env.DB, [ev("a", "/x"), ev("c", "/z")], { maxPathsPerDay: 1 });
  const rows = await env.DB.prepare("SELECT path, requests FROM path_stats_hourly ORDER BY path").all();
  expect(rows.results).toEqual([{ path: "(other)", requests: 2 }, { path: "/x", requests: 1 }]);
});
