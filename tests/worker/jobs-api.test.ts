/**
 * The job and archive endpoints, the scheduled dispatch and the capacity report: jobs run on
 * demand "as of" `now` and answer their report (health shows the last run), bad input is a 4xx
 * with a code, an unknown cron is ignored, and archived days stream back as NDJSON. The
 * dispatch test runs every job over all the data, so it comes last.
 */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { capacityFindings, D1_LIMIT_BYTES } from "../../worker/src/jobs/capacity";
import { manifest } from "../../worker/src/manifest";
import { api, DAY, detailRows, generateEvents, load, runCron } from "./harness";

const D = Date.UTC(2026, 2, 1);
const HOT_DAYS = Number(env.HOT_DAYS);

const errorCode = async (response: Response) =>
  ((await response.json()) as { error: { code: string } }).error.code;
const runJob = (job: string, now?: string) =>
  api(`/api/ops/jobs/${job}${now === undefined ? "" : `?now=${encodeURIComponent(now)}`}`, {
    method: "POST",
  });

describe("POST /api/ops/jobs/{job}", () => {
  it("answers 400 for an unknown job or a bad now, 401 without a token", async () => {
    const unknown = await runJob("vacuum");
    expect(unknown.status).toBe(400);
    expect(await errorCode(unknown)).toBe("invalid_parameter");
    for (const now of ["yesterday", "2026-02-30T00:00:00Z", "1700000000"]) {
      const response = await runJob("rollup", now);
      expect(response.status, now).toBe(400);
      expect(await errorCode(response)).toBe("invalid_parameter");
    }
    expect((await api("/api/ops/jobs/rollup", { method: "POST" }, null)).status).toBe(401);
    expect((await api("/api/ops/jobs/rollup", { method: "POST" }, "wrong")).status).toBe(401);
  });

  it("refuses a `now` ahead of the current time unless future=allow, and runs nothing then", async () => {
    const runs = async () =>
      (await env.DB.prepare("SELECT count(*) AS n FROM job_runs").first<{ n: number }>())?.n ?? 0;
    const before = await runs();
    const tomorrow = new Date(Date.now() + DAY).toISOString();
    for (const route of [`/api/ops/jobs/cleanup?now=${tomorrow}`, `/api/ops/jobs?now=${tomorrow}`]) {
      const refused = await api(route, { method: "POST" });
      expect(refused.status, route).toBe(400);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("invalid_parameter");
      expect(error.message).toMatch(/1440 minutes ahead.*future=allow/);
    }
    const misspelt = await api(`/api/ops/jobs/capacity?now=${tomorrow}&future=yes`, { method: "POST" });
    expect(misspelt.status).toBe(400);
    expect(((await misspelt.json()) as { error: { message: string } }).error.message).toBe(
      'future must be "allow", got "yes"',
    );
    expect(await runs()).toBe(before);
    // Within the clock skew the ingest API allows, and with the opt-in, it runs.
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await runJob("capacity", soon)).status).toBe(200);
    const allowed = await api(`/api/ops/jobs/capacity?now=${tomorrow}&future=allow`, { method: "POST" });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { asOf: string }).asOf).toBe(tomorrow);
  });

  it("runs a job as of `now`, answers its report and records it for health", async () => {
    await load(generateEvents({ prefix: "api", count: 200, startMs: D, spanMs: DAY, clients: 20 }));
    const response = await runJob("capacity", "2026-03-05T04:00:00Z");
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      job: string;
      asOf: string;
      outcome: string;
      durationMs: number;
      details: {
        databaseBytes: number;
        usedPercent: number;
        warning: string | null;
        rows: Record<string, number>;
      };
    };
    expect(report).toMatchObject({ job: "capacity", asOf: "2026-03-05T04:00:00.000Z", outcome: "ok" });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
    expect(report.details.databaseBytes).toBeGreaterThan(0);
    expect(report.details.warning).toBeNull();
    expect(report.details.rows.traffic_events).toBe(200);
    expect(report.details.rows.path_stats_hourly).toBe(
      (await env.DB.prepare("SELECT count(*) AS n FROM path_stats_hourly").first<{ n: number }>())?.n,
    );
    const health = (await (await api("/api/ops/health")).json()) as {
      jobs: Record<string, { lastRun: { outcome: string; report: unknown } | null }>;
    };
    expect(health.jobs.capacity?.lastRun).toMatchObject({ outcome: "ok", report });
  });

  it("skips a job that is already running instead of running it twice", async () => {
    await env.DB.prepare("UPDATE job_runs SET outcome = 'running', started_at = ?1 WHERE job = 'capacity'")
      .bind(Date.now())
      .run();
    const response = await runJob("capacity");
    expect(await response.json()).toMatchObject({ outcome: "skipped" });
    await env.DB.prepare("UPDATE job_runs SET outcome = 'ok' WHERE job = 'capacity'").run();
  });
});

describe("capacity", () => {
  it("warns past 80% of D1's 10 GB", () => {
    expect(capacityFindings(0.5 * D1_LIMIT_BYTES)).toEqual({ usedPercent: 50, warning: null });
    expect(capacityFindings(0.8 * D1_LIMIT_BYTES).warning).toBeNull();
    expect(capacityFindings(0.85 * D1_LIMIT_BYTES)).toMatchObject({
      usedPercent: 85,
      warning: expect.stringMatching(/85\.0%/),
    });
  });
});

describe("archives API", () => {
  it("lists the parts of a range and streams a day's events as NDJSON", async () => {
    const archiveNow = new Date(D + (HOT_DAYS + 1) * DAY + 2 * 3_600_000).toISOString();
    expect((await runJob("archive", archiveNow)).status).toBe(200);
    const listed = await api("/api/archives?from=2026-03-01&to=2026-03-03");
    expect(listed.status).toBe(200);
    expect(await listed.json()).toMatchObject({
      parts: [
        {
          day: "2026-03-01",
          part: 0,
          status: "uploaded",
          records: 200,
          key: "archive/2026/03/01/part-0000.jsonl.gz",
        },
      ],
    });
    expect(await (await api("/api/archives?from=2026-03-02&to=2026-03-03")).json()).toMatchObject({
      parts: [],
    });

    const download = await api("/api/archives/2026-03-01");
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    // Decoded as bytes: workerd warns when .text() reads a body whose type is not text/*.
    const ndjson = new TextDecoder().decode(await download.arrayBuffer());
    const lines = ndjson.split("\n").filter((l) => l !== "");
    expect(lines.map((l) => JSON.parse(l))).toEqual(await detailRows(D, D + DAY));
  });

  it("answers 404 for a day without archive and 400 for a bad date or range", async () => {
    const none = await api("/api/archives/2026-03-02");
    expect(none.status).toBe(404);
    expect(await errorCode(none)).toBe("not_found");
    for (const day of ["2026-02-30", "yesterday", "2026-3-1"]) {
      const response = await api(`/api/archives/${day}`);
      expect(response.status, day).toBe(400);
    }
    expect((await api("/api/archives?from=2026-03-03&to=2026-03-01")).status).toBe(400);
    expect((await api("/api/archives?from=soon")).status).toBe(400);
  });
});

describe("GET /api/snapshot", () => {
  it("answers 404 before the first snapshot", async () => {
    await env.SNAPSHOTS.delete("snapshot:latest");
    const response = await api("/api/snapshot");
    expect(response.status).toBe(404);
  });
});

describe("scheduled", () => {
  it("ignores a cron that is not a trigger, and runs every job due at each trigger's scheduledTime", async () => {
    const before = await env.DB.prepare("SELECT count(*) AS n FROM job_runs").first();
    // A job's own schedule is not deployed as a trigger any more (it would run its jobs twice).
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await runCron(manifest.crons.archive, Date.UTC(2026, 2, 8, 2));
    await runCron("13 13 * * *", D);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM job_runs").first()).toEqual(before);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/cron "0 2 \* \* \*" is not a trigger/),
      expect.stringMatching(/cron "13 13 \* \* \*" is not a trigger/),
    ]);
    warn.mockRestore();
    // Sunday 2026-03-08: 02:00-05:00 on the */5 trigger, :07 on the hourly one, cover every job.
    const times = [2, 3, 4, 5].map((h) => Date.UTC(2026, 2, 8, h));
    for (const at of times) await runCron("*/5 * * * *", at);
    await runCron("7 * * * *", Date.UTC(2026, 2, 8, 5, 7));
    const runs = await env.DB.prepare("SELECT job, report FROM job_runs ORDER BY job").all<{
      job: string;
      report: string;
    }>();
    const asOf = Object.fromEntries(runs.results.map((r) => [r.job, JSON.parse(r.report).asOf]));
    expect(asOf).toEqual({
      archive: "2026-03-08T02:00:00.000Z",
      capacity: "2026-03-08T04:00:00.000Z",
      cleanup: "2026-03-08T03:00:00.000Z",
      rollup: "2026-03-08T05:07:00.000Z",
      snapshot: "2026-03-08T05:00:00.000Z",
      snapshotPrune: "2026-03-08T05:00:00.000Z",
    });
  });
});
