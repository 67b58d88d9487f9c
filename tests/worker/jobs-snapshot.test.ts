/**
 * The snapshot job and the weekly snapshot cleanup through the real scheduled handler: the top
 * paths of the last 24 hours in KV under a version kept in D1, no new version for the same
 * content, within a second of the last one (KV's per-key write limit) or at an earlier clock than
 * the latest (unless that one is dated in the future), and pruning to the last five versions.
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

/** `count` GET events of one path, from `clients` clients, in the hour before T0. */
const loadLastHour = (prefix: string, path: string, count: number, clients: number) =>
  load(
    generateEvents({
      prefix,
      count,
      startMs: T0 - HOUR,
      spanMs: HOUR,
      clients,
      paths: [path],
      methods: ["GET"],
    }),
  );

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
    await loadLastHour("s2", "/d", 10, 3);
    vi.setSystemTime(WALL + 120_000);
    await runCron("snapshot", T0);
    await loadLastHour("s3", "/e", 10, 3);
    vi.setSystemTime(WALL + 120_500);
    await runCron("snapshot", T0);
    expect((await lastRun("snapshot")).report.details).toMatchObject({ published: null });
    expect((await lastRun("snapshot")).report.details.skipped).toMatch(/1 s/);
    vi.setSystemTime(WALL + 121_500);
    await runCron("snapshot", T0);
    expect((await latest())?.version).toBe(3);
    expect(await env.DB.prepare("SELECT max(version) AS v FROM snapshot_versions").first()).toEqual({ v: 3 });
  });

  it("never replaces a newer snapshot with one of an earlier clock (a backdated or delayed run)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(WALL + 180_000);
    const before = await latest();
    // Two hours earlier the window holds other counts: a different snapshot, but an older one.
    await runCron("snapshot", T0 - 2 * HOUR);
    const details = (await lastRun("snapshot")).report.details;
    expect(details).toMatchObject({ published: null });
    expect(details.skipped).toMatch(/is newer than this run's clock/);
    expect(await latest()).toEqual(before);
    // The same clock as the latest, with new data, still publishes.
    await loadLastHour("s4", "/f", 5, 2);
    vi.setSystemTime(WALL + 181_500);
    await runCron("snapshot", T0);
    expect((await latest())?.version).toBe((before?.version ?? 0) + 1);
  });

  it("lets the cron replace a snapshot dated after the wall clock (a mistyped future ?now=)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(WALL + 190_000);
    await runCron("snapshot", T0 + 48 * HOUR);
    const future = await latest();
    expect((await lastRun("snapshot")).report.details).toMatchObject({ published: future?.version });
    vi.setSystemTime(WALL + 191_500);
    await runCron("snapshot", T0);
    expect((await lastRun("snapshot")).report.details).toMatchObject({
      published: (future?.version ?? 0) + 1,
    });
    expect((await latest())?.to).toBe(new Date(WINDOW.to).toISOString());
  });

  it("keeps the last five versions on the weekly cleanup", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    for (let i = 0; i < 4; i++) {
      await loadLastHour(`v${i}`, `/v${i}`, 5, 2);
      vi.setSystemTime(WALL + 200_000 + i * 2_000);
      await runCron("snapshot", T0);
    }
    expect((await latest())?.version).toBe(10);
    await runCron("snapshotPrune", SUNDAY);
    expect((await lastRun("snapshotPrune")).report.details).toEqual({
      pruned: [1, 2, 3, 4, 5],
      kept: [6, 7, 8, 9, 10],
    });
    const keys = (await env.SNAPSHOTS.list({ prefix: "snapshot:v" })).keys.map((k) => k.name).sort();
    expect(keys).toEqual([6, 7, 8, 9, 10].map((v) => `snapshot:v${v}:paths`).sort());
    expect(KEEP_VERSIONS).toBe(5);
    await runCron("snapshotPrune", SUNDAY);
    expect((await lastRun("snapshotPrune")).report.details).toEqual({ pruned: [], kept: [6, 7, 8, 9, 10] });
    expect((await latest())?.version).toBe(10);
  });
});
