/**
 * job_runs: one row per job, its last (or current) run. The row doubles as a lease: a run starts
 * only if the job is not running already, or its "running" row is older than the lease (a run
 * that crashed without recording its end).
 */
import { parseJsonOrText } from "../shared/json";

/** A job's last run as stored; `report` is the JSON the runner wrote (or raw text). */
export interface JobRunRecord {
  job: string;
  startedAt: number;
  /** Null while the job is running or when it never finished. */
  finishedAt: number | null;
  outcome: string;
  report: unknown;
}

interface JobRunRow {
  job: string;
  started_at: number;
  finished_at: number | null;
  outcome: string;
  report: string;
}

/**
 * Records `job` as running since `startedAt` unless a run started after `staleBefore` is still
 * running; true when this run may go ahead.
 */
export async function startJobRun(
  db: D1Database,
  run: { job: string; startedAt: number; staleBefore: number; report: unknown },
): Promise<boolean> {
  const result = await db
    .prepare(
      `INSERT INTO job_runs (job, started_at, finished_at, outcome, report) VALUES (?1, ?2, NULL, 'running', ?3)
       ON CONFLICT (job) DO UPDATE SET started_at = excluded.started_at, finished_at = NULL,
         outcome = 'running', report = excluded.report
       WHERE job_runs.outcome <> 'running' OR job_runs.started_at < ?4`,
    )
    .bind(run.job, run.startedAt, JSON.stringify(run.report), run.staleBefore)
    .run();
  return result.meta.changes === 1;
}

/** Records the end of the run of `job` that started at `startedAt`, with its outcome and report. */
export async function finishJobRun(
  db: D1Database,
  run: { job: string; startedAt: number; finishedAt: number; outcome: string; report: unknown },
): Promise<void> {
  await db
    .prepare(
      "UPDATE job_runs SET finished_at = ?3, outcome = ?4, report = ?5 WHERE job = ?1 AND started_at = ?2",
    )
    .bind(run.job, run.startedAt, run.finishedAt, run.outcome, JSON.stringify(run.report))
    .run();
}

/** The last run of every job that ever ran. */
export async function readJobRuns(db: D1Database): Promise<JobRunRecord[]> {
  const { results } = await db
    .prepare("SELECT job, started_at, finished_at, outcome, report FROM job_runs")
    .all<JobRunRow>();
  return results.map((row) => ({
    job: row.job,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    outcome: row.outcome,
    report: parseJsonOrText(row.report),
  }));
}
