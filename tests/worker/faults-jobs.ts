/**
 * The concurrent-jobs scenario of the fault-injection runner: rounds of traffic over weeks of a
 * faked clock, and in every round two to five job invocations run AT ONCE (Promise.all) with the
 * round's consumer batches (delivered under the consumer faults of faults-scenario.ts): rollup
 * (with tiering, once days pass HOURLY_SKETCH_DAYS), archive, cleanup and snapshot, each started
 * by the cron runner, the Worker's real scheduled handler, or the ops endpoint
 * `POST /api/ops/jobs/{job}?now=`, the same job often twice. Late events for archived days and
 * duplicates of archived and cleaned events arrive in the same rounds. After every round, every
 * event ever stored is still in D1 or in R2 (cleanup never deletes an unarchived row) and the
 * archive holds each id at most once; the test checks the aggregates against the ground truth.
 */
import { env } from "cloudflare:test";
import { vi } from "vitest";
import { configOf } from "../../worker/src/config";
import type { TrafficEvent } from "../../worker/src/event";
import { JOBS as JOB_FNS } from "../../worker/src/jobs/registry";
import type { CronJob } from "../../worker/src/manifest";
import { type DrainContext, drain, drainContext } from "./faults-scenario";
import { api, archivedEvents, DAY, generateEvents, HOUR, random, readAggregates, runCron } from "./harness";

const JOBS = ["rollup", "archive", "cleanup", "snapshot"] as const satisfies readonly CronJob[];
type ScenarioJob = (typeof JOBS)[number];
/** How a job run is started. */
export const STARTERS = ["runner", "scheduled", "ops", "lease-lost"] as const;
type Starter = (typeof STARTERS)[number];

/** Days of the faked clock each round starts at, from the scenario's start. */
const ROUND_DAYS = [0, 2, 4, 7, 10, 40];

export interface ConcurrentJobsResult {
  /** Every event sent (duplicates included); the truth is each id once. */
  sent: TrafficEvent[];
  /** Days the events fall on, YYYY-MM-DD. */
  days: string[];
  /** Job runs started, by job and by starter; `together` is the most at once. */
  runs: Record<ScenarioJob | Starter, number>;
  together: number;
  /** Job runs that failed (an injected consumer fault may hit a job's batch instead). */
  failedRuns: number;
  /** Answers of the ops endpoint with a 5xx other than a job's recorded failure. */
  fiveXx: number;
  /** Rows seen in D1 that later were in neither D1 nor R2, and ids archived twice, described. */
  violations: string[];
  drained: DrainContext["result"];
}

/** The scheduled handler's cron and a minute at which it runs `job` (jobs/dispatch.ts). */
function scheduledFor(job: ScenarioJob, clock: number): [string, number] {
  const day = clock - (clock % DAY);
  if (job === "rollup") return ["7 * * * *", clock - (clock % HOUR) + 7 * 60_000];
  if (job === "archive") return ["*/5 * * * *", day + 2 * HOUR];
  if (job === "cleanup") return ["*/5 * * * *", day + 3 * HOUR];
  return ["*/5 * * * *", clock - (clock % HOUR) + 5 * 60_000];
}

/** Starts one job run; resolves false when it failed. */
async function startJob(job: ScenarioJob, starter: Starter, clock: number, result: ConcurrentJobsResult) {
  try {
    if (starter === "runner") await runCron(job, clock);
    if (starter === "scheduled") await runCron(...scheduledFor(job, clock));
    // A run that outlived its lease: the job itself, past the job_runs lease.
    if (starter === "lease-lost") await JOB_FNS[job]({ env, config: configOf(env), now: clock });
    if (starter === "ops") {
      const res = await api(`/api/ops/jobs/${job}?now=${new Date(clock).toISOString()}`, { method: "POST" });
      const body = await res.text();
      // A failed job answers 500 `internal` naming the job; anything else 5xx is a finding.
      if (res.status >= 500 && !body.includes(`job ${job} failed`)) result.fiveXx += 1;
      if (res.status !== 200) throw new Error(body);
    }
    return true;
  } catch {
    result.failedRuns += 1;
    return false;
  }
}

/** Every id of the scenario's days in R2, in part order (an id may appear twice: a finding). */
export const archivedIds = async (days: readonly string[]) =>
  (await Promise.all(days.map((day) => archivedEvents(day)))).flat().map((e) => String(e.id));

/** The per-round check: rows once seen are in D1 or R2, and the archive has no id twice. */
async function checkNothingLost(seen: Set<string>, days: readonly string[], round: number, out: string[]) {
  const stored = (await readAggregates()).storedIds;
  const archived = await archivedIds(days);
  const inR2 = new Set(archived);
  if (inR2.size !== archived.length)
    out.push(`round ${round}: ${archived.length - inR2.size} ids archived twice`);
  const inD1 = new Set(stored);
  const lost = [...seen].filter((id) => !inD1.has(id) && !inR2.has(id));
  if (lost.length > 0)
    out.push(`round ${round}: ${lost.length} rows gone from D1 but not in R2: ${lost.slice(0, 3)}`);
  for (const id of stored) seen.add(id);
}

/**
 * The round's new events — on the five days before the clock's, late ones for archived days
 * included, all between 10:00 and 12:00 so the rollup has few hours to do — and duplicates of
 * earlier ones.
 */
function roundTraffic(
  seed: number,
  round: number,
  clock: number,
  earlier: readonly TrafficEvent[],
  rand: () => number,
) {
  const today = clock - (clock % DAY);
  const fresh = generateEvents({
    prefix: `cj${seed}-${round}`,
    count: 60,
    seed: seed * 100 + round,
    startMs: today - 5 * DAY,
    spanMs: 5 * DAY,
    clients: 30,
  }).map((e) => ({ ...e, ts: e.ts - (e.ts % DAY) + 10 * HOUR + (e.ts % (2 * HOUR)) }));
  return [...fresh, ...earlier.filter(() => rand() < 0.08)];
}

/** Runs one seeded concurrent-jobs scenario (see the module comment); the Date clock must be faked. */
export async function runConcurrentJobsScenario(seed: number): Promise<ConcurrentJobsResult> {
  const rand = random(seed);
  const context = drainContext(seed, `cj${seed}`);
  const start = Date.now();
  const result: ConcurrentJobsResult = {
    sent: [],
    days: [],
    runs: Object.fromEntries([...JOBS, ...STARTERS].map((k) => [k, 0])) as ConcurrentJobsResult["runs"],
    together: 0,
    failedRuns: 0,
    fiveXx: 0,
    violations: [],
    drained: context.result,
  };
  const seen = new Set<string>();
  for (const [round, offset] of ROUND_DAYS.entries()) {
    const clock = start + offset * DAY;
    vi.setSystemTime(clock);
    const traffic = roundTraffic(seed, round, clock, result.sent, rand);
    result.sent.push(...traffic);
    const days = new Set([...result.days, ...traffic.map((e) => new Date(e.ts).toISOString().slice(0, 10))]);
    result.days = [...days].sort();
    // The runs of the round, drawn before they start, so a seed replays the same runs: most jobs
    // (a round without archive leaves late rows unarchived, which cleanup must leave alone), and
    // one to three of them a second time at once.
    const extra = Array.from(
      { length: 1 + Math.floor(rand() * 3) },
      () => JOBS[Math.floor(rand() * JOBS.length)],
    );
    const runs = [...JOBS.filter(() => rand() < 0.75), ...extra].flatMap((job) => {
      if (job === undefined) return [];
      const starter = STARTERS[Math.floor(rand() * STARTERS.length)] ?? "runner";
      result.runs[job] += 1;
      result.runs[starter] += 1;
      return [{ job, starter }];
    });
    result.together = Math.max(result.together, runs.length);
    const messages = traffic.map((body, i) => ({ id: `cj${seed}-${round}-${i}`, body, attempts: 1 }));
    await Promise.all([
      drain(messages, context),
      ...runs.map(({ job, starter }) => startJob(job, starter, clock, result)),
    ]);
    await checkNothingLost(seen, result.days, round, result.violations);
  }
  // The last clock: every job once more, one after another, so all that is due is done.
  for (const job of ["rollup", "archive", "cleanup", "rollup", "snapshot"] as const)
    await runCron(job, Date.now());
  await checkNothingLost(seen, result.days, ROUND_DAYS.length, result.violations);
  return result;
}
