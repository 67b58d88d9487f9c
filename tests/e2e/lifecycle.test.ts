/**
 * The lifecycle end to end on the local stack (`startLocalStack`, as `npm start` runs it): events
 * spread over the last 6 days are ingested over HTTP, then every job runs through the ops
 * endpoint "as of" now. The summary of the whole range must not change by rollup, archive and
 * cleanup; the archive endpoint must return every archived event exactly once; and a second run
 * of every job must change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../scripts/local-stack";
import { manifest } from "../../worker/src/manifest";
import {
  adminApi,
  floorHour,
  HOUR_MS,
  type IngestedEvent,
  seededRandom,
  tempStateDir,
  waitForEventsStored,
} from "./helpers";

const DAY_MS = 24 * HOUR_MS;
const JOBS = ["rollup", "archive", "cleanup", "capacity", "snapshot", "snapshotPrune"] as const;

type IngestEvent = IngestedEvent & { bytes: number };

/** ~1,800 events over the last 6 days (a minute of margin at both ends), 150 clients. */
function generate(now: number): IngestEvent[] {
  const rand = seededRandom(42);
  const start = now - 6 * DAY_MS + 60_000;
  const span = 6 * DAY_MS - 2 * 60_000;
  return Array.from({ length: 1_800 }, (_, i) => {
    const ts = start + Math.floor(rand() * span);
    return {
      id: `${ts}-lifecycle-${i}`,
      ts,
      method: rand() < 0.8 ? "GET" : "POST",
      path: ["/orders", "/products", "/search", "/health"][Math.floor(rand() * 4)] ?? "/",
      status: rand() < 0.05 ? 503 : rand() < 0.1 ? 404 : 200,
      durationMs: Math.round(0.5 * 4_000 ** rand() * 100) / 100,
      clientHash: `e2e-client-${Math.floor(rand() * 150)}`,
      bytes: Math.floor(rand() * 10_000),
    };
  });
}

describe("lifecycle on the local stack", () => {
  let stack: LocalStack;
  let removeState: () => Promise<void>;
  const now = Date.now();
  const events = generate(now);
  const range = { from: floorHour(now - 7 * DAY_MS), to: floorHour(now) + HOUR_MS };
  const nowIso = new Date(now).toISOString();

  beforeAll(async () => {
    const state = await tempStateDir();
    removeState = state.remove;
    stack = await startLocalStack({ stateDir: state.dir, port: 0, crons: false });
    const api = adminApi(stack);
    for (let i = 0; i < events.length; i += 600) {
      const { status, body } = await api.ingest(events.slice(i, i + 600));
      expect(status).toBe(202);
      expect(body.rejected).toEqual([]);
    }
    await waitForEventsStored(stack, events.length);
  });

  afterAll(async () => {
    await stack?.stop();
    await removeState?.();
  });

  const post = async (route: string) => {
    const res = await fetch(`${stack.url}/_pathmeter${route}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${stack.adminToken}` },
    });
    expect(res.status, route).toBe(200);
    return (await res.json()) as { outcome: string; details: Record<string, unknown> };
  };
  // Cleanup deletes a day only once it has left the acceptance window (its rows are the dedupe
  // record until then): run it that much later, so it meets exactly the days archived now.
  const cleanupIso = new Date(
    now + (Number(manifest.vars.MAX_EVENT_AGE_DAYS) - Number(manifest.vars.HOT_DAYS)) * DAY_MS,
  ).toISOString();
  // That clock lies days ahead: the ops API runs it only when told to (future=allow).
  const runJob = (job: string) =>
    post(
      job === "cleanup"
        ? `/api/ops/jobs/cleanup?now=${encodeURIComponent(cleanupIso)}&future=allow`
        : `/api/ops/jobs/${job}?now=${encodeURIComponent(nowIso)}`,
    );
  const get = async <T>(route: string): Promise<T> => adminApi(stack).getJson<T>(route);

  interface ArchiveList {
    parts: { day: string; part: number; records: number; status: string }[];
  }

  it("keeps the summary, archives every old event once, and changes nothing on a second run", async () => {
    const api = adminApi(stack);
    const before = await api.summary(range.from, range.to);
    expect(before.requests).toBe(events.length);

    const reports: Record<string, { outcome: string; details: Record<string, unknown> }> = {};
    for (const job of JOBS) reports[job] = await runJob(job);
    expect(reports.rollup?.details.hoursRolledUp).toBeGreaterThan(100);
    const cleaned = reports.cleanup?.details.days as {
      day: string;
      deleted: number;
      done: boolean;
      refused?: string;
    }[];
    expect(cleaned.every((d) => d.done && d.refused === undefined)).toBe(true);
    expect(cleaned.length).toBeGreaterThanOrEqual(2);
    expect(reports.snapshot?.details.published).toBe(1);

    // Unchanged by rollup, archive and cleanup: counts, percentiles, unique clients, paths.
    expect(await api.summary(range.from, range.to)).toEqual(before);

    // Every event of every cleaned day is in its day's archive, exactly once.
    const listed = await get<ArchiveList>(`/api/archives?from=${range.from}&to=${range.to}`);
    const days = [...new Set(listed.parts.map((p) => p.day))].sort();
    expect(days).toEqual(cleaned.map((d) => d.day).sort());
    const archivedIds: string[] = [];
    for (const day of days) {
      const res = await fetch(`${stack.url}/_pathmeter/api/archives/${day}`, {
        headers: { Authorization: `Bearer ${stack.adminToken}` },
      });
      expect(res.status).toBe(200);
      const lines = (await res.text()).split("\n").filter((l) => l !== "");
      archivedIds.push(...lines.map((l) => (JSON.parse(l) as { id: string }).id));
    }
    const expectedIds = events
      .filter((e) => days.includes(new Date(e.ts).toISOString().slice(0, 10)))
      .map((e) => e.id)
      .sort();
    expect(expectedIds.length).toBeGreaterThan(0);
    expect(archivedIds.sort()).toEqual(expectedIds);

    // A second run of every job, as of the same time, changes nothing.
    const snapshot = await get<unknown>("/api/snapshot");
    const again: Record<string, { details: Record<string, unknown> }> = {};
    for (const job of JOBS) again[job] = await runJob(job);
    expect(again.rollup?.details).toMatchObject({ hoursRolledUp: 0, sketchesWritten: 0, bucketRowsMoved: 0 });
    expect(again.archive?.details.days).toEqual([]);
    expect(again.cleanup?.details.days).toEqual([]);
    expect(again.snapshot?.details).toMatchObject({ published: null, unchanged: 1 });
    expect(again.snapshotPrune?.details.pruned).toEqual([]);
    expect(await api.summary(range.from, range.to)).toEqual(before);
    expect(await get<ArchiveList>(`/api/archives?from=${range.from}&to=${range.to}`)).toEqual(listed);
    expect(await get<unknown>("/api/snapshot")).toEqual(snapshot);
  });
});
