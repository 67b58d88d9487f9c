/**
 * Fixtures of the lifecycle-job tests: generated traffic loaded through the real write path,
 * jobs run at chosen times (by the cron's runner, or the Worker's real `scheduled` export), the job reports
 * they record, and helpers to read archives back from R2.
 */
import {
  createExecutionContext,
  createScheduledController,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { seededRandom as random } from "../../scripts/lib/seeded-random";
import { writeEvents } from "../../worker/src/db/write-events";
import type { HttpMethod, TrafficEvent } from "../../worker/src/event";
import worker from "../../worker/src/index";
import { runJob } from "../../worker/src/jobs/run-job";
import { type CronJob, manifest } from "../../worker/src/manifest";
import { TEST_SECRETS } from "../secrets";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export { random };

export interface TrafficOptions {
  prefix: string;
  count: number;
  startMs: number;
  spanMs: number;
  clients: number;
  seed?: number;
  paths?: readonly string[];
  methods?: readonly HttpMethod[];
}

/** Events spread over [startMs, startMs + spanMs); log-uniform durations 0.1 ms … 10 s. */
export function traffic(o: TrafficOptions): TrafficEvent[] {
  const rand = random(o.seed ?? 7);
  const paths = o.paths ?? ["/users/:id", "/orders", "/search"];
  const methods = o.methods ?? ["GET"];
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  return Array.from({ length: o.count }, (_, i) => {
    const ts = o.startMs + Math.floor(rand() * o.spanMs);
    return {
      id: `${ts}-${o.prefix}-${i}`,
      ts,
      method: pick(methods),
      path: pick(paths),
      status: rand() < 0.1 ? 500 : rand() < 0.1 ? 404 : 200,
      durationMs: Math.round(0.1 * 100_000 ** rand() * 1000) / 1000,
      bytes: rand() < 0.2 ? null : Math.floor(rand() * 5000),
      clientHash: `client-${Math.floor(rand() * o.clients)}`,
      colo: rand() < 0.5 ? "FRA" : null,
      country: rand() < 0.5 ? "DE" : null,
      source: "ingest",
    };
  });
}

/** Stores events through the real write path, in chunks that keep the JSON parameter < 1 MB. */
export async function load(events: readonly TrafficEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 2_000)
    await writeEvents(env.DB, events.slice(i, i + 2_000), { maxPathsPerDay: 2_000 });
}

/**
 * Runs a job at clock `scheduledTime` with the runner the cron dispatch uses (any time, so a test can
 * replay a job off its schedule), or, for a cron expression, invokes the Worker's scheduled export
 * with that cron exactly as the platform would.
 */
export async function runCron(job: CronJob | string, scheduledTime: number): Promise<void> {
  if (job in manifest.crons) {
    await runJob(job as CronJob, env, scheduledTime);
    return;
  }
  const controller = createScheduledController({ cron: job, scheduledTime });
  const ctx = createExecutionContext();
  await worker.scheduled(controller, env, ctx);
  await waitOnExecutionContext(ctx);
}

export interface RecordedRun {
  outcome: string;
  report: { outcome: string; asOf: string; durationMs: number; details: Record<string, unknown> };
}

/** The last run of `job` as recorded in job_runs (what health shows). */
export async function lastRun(job: CronJob): Promise<RecordedRun> {
  const row = await env.DB.prepare("SELECT outcome, report FROM job_runs WHERE job = ?1")
    .bind(job)
    .first<{ outcome: string; report: string }>();
  if (!row) throw new Error(`${job} never ran`);
  return { outcome: row.outcome, report: JSON.parse(row.report) };
}

/** A request to the Worker's own fetch handler, with the admin token unless told otherwise. */
export async function api(
  path: string,
  init: RequestInit = {},
  token: string | null = TEST_SECRETS.ADMIN_TOKEN,
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set("Authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const response = await worker.fetch(
    new Request(`http://gateway.test/_pathmeter${path}`, { ...init, headers }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

export async function gunzip(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).text();
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Every stored detail row of [from, to), in seq order, in the archive's field names. */
export async function detailRows(from: number, to: number): Promise<Record<string, unknown>[]> {
  const { results } = await env.DB.prepare(
    `SELECT seq, id, ts, method, path, status, duration_ms AS durationMs, latency_bucket AS latencyBucket,
       bytes, client_hash AS clientHash, colo, country, source
     FROM traffic_events WHERE ts >= ?1 AND ts < ?2 ORDER BY seq`,
  )
    .bind(from, to)
    .all<Record<string, unknown>>();
  return results;
}

/** The lines of every archive object of a day, part by part, parsed. */
export async function archivedEvents(day: string): Promise<Record<string, unknown>[]> {
  const listed = await env.ARCHIVE.list({ prefix: `archive/${day.replaceAll("-", "/")}/` });
  const keys = listed.objects.map((o) => o.key).sort();
  const events: Record<string, unknown>[] = [];
  for (const key of keys) {
    const object = await env.ARCHIVE.get(key);
    if (!object) throw new Error(`${key} vanished`);
    const text = await gunzip(await object.arrayBuffer());
    for (const line of text.split("\n").filter((l) => l !== "")) events.push(JSON.parse(line));
  }
  return events;
}
