/**
 * The snapshot job and the weekly snapshot cleanup through the real scheduled handler: the top
 * paths of the last 24 hours in KV under a version kept in D1, no new version for the same
 * content or within a second of the last one (KV's per-key write limit), and pruning to the
 * last five versions.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import { KEEP_VERSIONS } from "../../worker/src/jobs/snapshot-prune";
import { api, generateEvents, HOUR, lastRun, load, runCron } from "./harness";

const T0 = Date.UTC(2026, 10, 1, 12, 30);
const WINDOW = { from: Date.UTC(2026, 10, 0, 13), to: Date.UTC(2026, 10, 1, 13) };
/** A Sunday, 05:00 UTC. */
const SUNDAY = Date.UTC(2026, 10, 8, 5);
const WALL = Date.UTC(2026, 10, 1, 12, 31);

const events: TrafficEvent[] = [
  ...generateEvents({
    prefix: "s1",
    count: 600,
    startMs: T0 - 20 * HOUR,
    spanMs: 20 * HOUR,
    clients: 90,
    paths: ["/a", "/a", "/a", "/b", "/b", "/c"],
    methods: ["GET"],
  }),
  ...generateEvents({
    prefix: "old",
    count: 300,
    startMs: T0 - 40 * HOUR,
    spanMs: 10 * HOUR,
    clients: 9,
    paths: ["/c"],
    methods: ["GET"],
  }),
];

interface KvSnapshot {
  version: number;
  n: number;
  from: string;
  to: string;
  paths: {
    path: string;
    method: string;
    requests: number;
    errors5xx: number;
    errorRate: number;
    uniqueClients: number;
  }[];
}

const latest = async () => env.SNAPSHOTS.get<KvSnapshot>("snapshot:latest", "json");

beforeAll(async () => {
  await load(events);
});

afterEach(() => {
  vi.useRealTimers();
});

describe("snapshot", () => {
  it("publishes the top paths of the last 24 hours as version 1", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(WALL);
    await runCron("snapshot", T0);
    expect((await lastRun("snapshot")).report.details).toMatchObject({ published: 1 });
    const snapshot = await latest();
    expect(snapshot).toMatchObject({
      version: 1,
      n: Number(env.SNAPSHOT_TOP_N),
      from: new Date(WINDOW.from).toISOString(),
    });
    const inWindow = events.filter((e) => e.ts >= WINDOW.from && e.ts < WINDOW.to);
    const byPath = ["/a", "/b", "/c"].map((path) => {
      const list = inWindow.filter((e) => e.path === path);
      return {
        path,
        method: "GET",
        requests: list.length,
        errors5xx: list.filter((e) => e.status >= 500).length,
        uniqueClients: new Set(list.map((e) => e.clientHash)).size,
      };
    });
    expect(snapshot?.paths).toMatchObject(byPath);
    expect(snapshot?.paths.map((p) => p.requests)).toEqual(
      [...byPath.map((p) => p.requests)].sort((a, b) => b - a),
    );
    expect(await env.SNAPSHOTS.get("snapshot:v1:paths", "json")).toEqual(snapshot?.paths);
    expect(await env.SNAPSHOTS.get("snapshot:config", "json")).toEqual({
      version: 1,
      generatedAt: new Date(WALL).toISOString(),
      n: Number(env.SNAPSHOT_TOP_N),
    });
    const response = await api("/api/snapshot");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(snapshot);
  });

  it("publishes nothing new for the same content", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(WALL + 60_000);
    await runCron("snapshot", T0);
    expect((await lastRun("snapshot")).report.details).toMatchObject({ published: null, unchanged: 1 });
    expect((await latest())?.version).toBe(1);
  });

  it("never publishes twice within a second, and takes the version from D1", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    await load(
      generateEvents({
        prefix: "s2",
        count: 10,
        startMs: T0 - HOUR,
        spanMs: HOUR,
        clients: 3,
        paths: ["/d"],
        methods: ["GET"],
      }),
    );
    vi.setSystemTime(WALL + 120_000);
    await runCron("snapshot", T0);
    await load(
      generateEvents({
        prefix: "s3",
        count: 10,
        startMs: T0 - HOUR,
        spanMs: HOUR,
        clients: 3,
        paths: ["/e"],
        methods: ["GET"],
      }),
    );
    vi.setSystemTime(WALL + 120_500);
    await runCron("snapshot", T0);
    expect((await lastRun("snapshot")).report.details).toMatchObject({ published: null });
    expect((await lastRun("snapshot")).report.details.skipped).toMatch(/1 s/);
    vi.setSystemTime(WALL + 121_500);
    await runCron("snapshot", T0);
    expect((await latest())?.version).toBe(3);
    expect(await env.DB.prepare("SELECT max(version) AS v FROM snapshot_versions").first()).toEqual({ v: 3 });
  });

  it("keeps the last five versions on the weekly cleanup", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    for (let i = 0; i < 4; i++) {
      await load(
        generateEvents({
          prefix: `v${i}`,
          count: 5,
          startMs: T0 - HOUR,
          spanMs: HOUR,
          clients: 2,
          paths: [`/v${i}`],
          methods: ["GET"],
        }),
      );
      vi.setSystemTime(WALL + 200_000 + i * 2_000);
      await runCron("snapshot", T0);
    }
    expect((await latest())?.version).toBe(7);
    await runCron("snapshotPrune", SUNDAY);
    expect((await lastRun("snapshotPrune")).report.details).toEqual({
      pruned: [1, 2],
      kept: [3, 4, 5, 6, 7],
    });
    const keys = (await env.SNAPSHOTS.list({ prefix: "snapshot:v" })).keys.map((k) => k.name).sort();
    expect(keys).toEqual([3, 4, 5, 6, 7].map((v) => `snapshot:v${v}:paths`).sort());
    expect(KEEP_VERSIONS).toBe(5);
    await runCron("snapshotPrune", SUNDAY);
    expect((await lastRun("snapshotPrune")).report.details).toEqual({ pruned: [], kept: [3, 4, 5, 6, 7] });
    expect((await latest())?.version).toBe(7);
  });
});
