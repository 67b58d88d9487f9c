/**
 * The snapshot job under a KV failure, one step of the query-API fault scenario: one of the job's
 * three KV puts fails, so the run must report the failure (job_runs outcome "error") and
 * `snapshot:latest` must stay a complete snapshot (the old one, or the new one once its paths key
 * is written); the next run, on the next cron five minutes later, publishes. Afterwards the
 * latest snapshot is the highest published version and its paths hold exactly the ground truth
 * of its 24 hours — nothing lost, nothing counted twice.
 */
import { env } from "cloudflare:test";
import { vi } from "vitest";
import type { TrafficEvent } from "../../worker/src/event";
import type { Snapshot } from "../../worker/src/shared/snapshot";
import { byPath, groupRows, inRange } from "./faults-groups";
import { api, HOUR, lastRun, runCron } from "./harness";

/** The snapshot cron's period. */
const CRON_PERIOD_MS = 5 * 60_000;
const FIELDS = ["path", "method", "requests", "errors4xx", "errors5xx", "uniqueClients"] as const;

const rowsOf = (rows: readonly Record<string, unknown>[]) =>
  rows.map((row) => FIELDS.map((f) => String(row[f])).join(" ")).sort();

/** The snapshot `snapshot:latest` points to is complete: its paths key exists. */
async function latestIsComplete(): Promise<boolean> {
  const latest = await env.SNAPSHOTS.get<Snapshot>("snapshot:latest", "json");
  return latest === null || (await env.SNAPSHOTS.get(`snapshot:v${latest.version}:paths`)) !== null;
}

/**
 * Runs the snapshot job with its `failAt`-th KV put failing, then again a cron period later; the
 * clock must be faked (vi.useFakeTimers on Date). Findings go to `report`.
 */
export async function snapshotUnderKvFault(
  rand: () => number,
  truth: readonly TrafficEvent[],
  runs: { failed: number; published: number },
  report: (finding: string) => void,
): Promise<void> {
  vi.setSystemTime(Date.now() + CRON_PERIOD_MS);
  const failAt = 1 + Math.floor(rand() * 3);
  const realPut = env.SNAPSHOTS.put.bind(env.SNAPSHOTS);
  let puts = 0;
  const put = vi.spyOn(env.SNAPSHOTS, "put").mockImplementation((...args) => {
    puts += 1;
    return puts === failAt ? Promise.reject(new Error("injected: KV put failed")) : realPut(...args);
  });
  const threw = await runCron("snapshot", Date.now()).then(
    () => false,
    () => true,
  );
  put.mockRestore();
  if (threw) runs.failed += 1;
  else report(`snapshot: KV put ${failAt} failed, yet the run did not fail`);
  if ((await lastRun("snapshot")).outcome !== "error")
    report("snapshot: the failed run is not recorded as one");
  if (!(await latestIsComplete()))
    report(`snapshot: after KV put ${failAt} failed, latest is half published`);

  vi.setSystemTime(Date.now() + CRON_PERIOD_MS);
  const clock = Date.now();
  await runCron("snapshot", clock);
  const run = await lastRun("snapshot");
  const published = run.report.details.published;
  if (run.outcome !== "ok" || typeof published !== "number")
    return report(`snapshot: the next run did not publish: ${JSON.stringify(run.report)}`);
  runs.published += 1;
  const highest = await env.DB.prepare(
    "SELECT max(version) AS v FROM snapshot_versions WHERE published_at IS NOT NULL",
  ).first<{ v: number }>();
  const res = await api("/api/snapshot");
  const served = res.status === 200 ? await res.json<Snapshot>() : null;
  if (served?.version !== published || highest?.v !== published)
    return report(`snapshot: serves v${served?.version}, published v${published}, highest v${highest?.v}`);
  const hour = clock - (clock % HOUR);
  const want = rowsOf(groupRows(inRange(truth, { from: hour - 23 * HOUR, to: hour + HOUR }), byPath));
  const got = rowsOf(served.paths as unknown as Record<string, unknown>[]);
  if (JSON.stringify(got) !== JSON.stringify(want))
    report(`snapshot v${published}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}
