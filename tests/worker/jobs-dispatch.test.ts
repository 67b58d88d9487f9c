/**
 * The cron dispatch inside workerd: the scheduled export and `POST /api/ops/jobs?now=` run the
 * jobs due at a minute (worker/src/jobs/dispatch.ts), each with that minute as its clock; a failing
 * job does not stop the ones after it, and the invocation still fails so the platform shows it.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { JOBS } from "../../worker/src/jobs/registry";
import { api, lastRun, runCron } from "./harness";

const SUNDAY_0500 = "2026-11-29T05:00:00.000Z";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("POST /api/ops/jobs?now=", () => {
  it("runs what the cron would run at now, with now as each job's clock", async () => {
    const response = await api(`/api/ops/jobs?now=${SUNDAY_0500}`, { method: "POST" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { asOf: string; jobs: { job: string; asOf: string }[] };
    expect(body.asOf).toBe(SUNDAY_0500);
    expect(body.jobs.map((j) => [j.job, j.asOf])).toEqual([
      ["snapshot", SUNDAY_0500],
      ["snapshotPrune", SUNDAY_0500],
    ]);
    const idle = await api("/api/ops/jobs?now=2026-11-29T05:01:00Z", { method: "POST" });
    expect(await idle.json()).toEqual({ asOf: "2026-11-29T05:01:00.000Z", jobs: [] });
  });

  it("answers 400 for a bad now", async () => {
    const response = await api("/api/ops/jobs?now=yesterday", { method: "POST" });
    expect(response.status).toBe(400);
  });
});

describe("scheduled", () => {
  it("runs the job after a failing one, records both, and fails the invocation", async () => {
    vi.spyOn(JOBS, "snapshot").mockRejectedValueOnce(new Error("injected snapshot failure"));
    const twoAm = Date.parse("2026-11-24T02:00:00Z");
    await expect(runCron("*/5 * * * *", twoAm)).rejects.toThrow(/injected snapshot failure/);
    expect((await lastRun("snapshot")).outcome).toBe("error");
    const archive = await lastRun("archive");
    expect(archive.outcome).not.toBe("error");
    expect(archive.report.asOf).toBe("2026-11-24T02:00:00.000Z");
    const failed = await lastRun("snapshot");
    expect(failed.report).toMatchObject({
      asOf: "2026-11-24T02:00:00.000Z",
      details: { error: expect.stringMatching(/injected/) },
    });
  });
});
