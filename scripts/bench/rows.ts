/**
 * Rows written per event over an event's whole life, and queue operations per event, measured
 * through the Worker's REAL handlers (the production code with metered D1 and queue bindings,
 * workers/metered.ts) on the local stack's bindings, Miniflare's queue broker included:
 * a day of ingest-API events (POST /_pathmeter/ingest → queue → consumer), then every job that
 * touches the day as its cron would (rollup, snapshot, archive, cleanup once the day leaves the
 * acceptance window, sketch tiering), and finally gateway traffic at 16 concurrent clients.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { cronMatches, jobsDueAt } from "../../worker/src/jobs/dispatch";
import { manifest } from "../../worker/src/manifest";
import { startDemoUpstream } from "../demo-upstream";
import { REPO_ROOT } from "../lib/build";
import { d1Executor, migrate, readMigrationFiles } from "../lib/migrations";
import { miniflareBindings } from "../lib/miniflare-options";
import { buildBenchWorker } from "./bench-worker";
import { ingestDay } from "./ingest-traffic";
import { runLoad } from "./load";
import { METER_PATHS, type Meter } from "./meter-protocol";
import { type PhaseRow, priceRows } from "./rows-report";
import { waitForStoredEvents } from "./stored-events";
import type { Bench } from "./types";

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const EVENTS = 100_000;
const EVENTS_PER_REQUEST = 500;
const CLIENTS = 5_000;
const GATEWAY_REQUESTS = 3_000;
const GATEWAY_CONCURRENCY = 16;
const TOKEN = "bench-token";

type Mf = Miniflare;

const setPhase = (mf: Mf, name: string) => mf.dispatchFetch(`http://bench${METER_PATHS.phase}?name=${name}`);
const readMeters = async (mf: Mf) =>
  (await (await mf.dispatchFetch(`http://bench${METER_PATHS.read}`)).json()) as Record<string, Meter>;

async function postIngest(mf: Mf, dayStart: number, log: (line: string) => void): Promise<number> {
  const items = ingestDay({ count: EVENTS, dayStart, clients: CLIENTS, seed: 8 });
  let next = 0;
  let requests = 0;
  const client = async () => {
    for (let i = next++; i * EVENTS_PER_REQUEST < items.length; i = next++) {
      const body = JSON.stringify(items.slice(i * EVENTS_PER_REQUEST, (i + 1) * EVENTS_PER_REQUEST));
      const res = await mf.dispatchFetch("http://bench/_pathmeter/ingest", {
        method: "POST",
        headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
        body,
      });
      const answer = (await res.json()) as { accepted?: number };
      if (res.status !== 202 || answer.accepted !== EVENTS_PER_REQUEST)
        throw new Error(`ingest answered ${res.status} ${JSON.stringify(answer)}`);
      requests++;
    }
  };
  await Promise.all(Array.from({ length: 4 }, client));
  log(`ingest: ${requests} requests of ${EVENTS_PER_REQUEST} events posted`);
  return requests;
}

/**
 * Runs the jobs due at `at` through the Worker's scheduled export, on the deployed trigger that
 * fires at that minute (the dispatch picks the jobs by time); `job` must be one of them.
 */
async function runDue(mf: Mf, job: keyof typeof manifest.crons, at: number, phase: string = job) {
  if (!jobsDueAt(at).includes(job)) throw new Error(`${job} is not due at ${new Date(at).toISOString()}`);
  const cron = manifest.cronTriggers.find((trigger) => cronMatches(trigger, at));
  if (cron === undefined) throw new Error(`no cron trigger fires at ${new Date(at).toISOString()}`);
  await setPhase(mf, phase);
  const result = await (await mf.getWorker()).scheduled({ cron, scheduledTime: new Date(at) });
  if (result.outcome !== "ok") throw new Error(`${job} ended with ${result.outcome}`);
}

async function startMetered(stateDir: string, upstreamUrl: string) {
  const metered = await buildBenchWorker("metered");
  const bindings = miniflareBindings({
    secrets: { ADMIN_TOKEN: TOKEN, CLIENT_IP_SALT: "bench-salt" },
    vars: { UPSTREAM_URL: upstreamUrl },
  });
  const mf = new Miniflare({
    ...bindings,
    modules: true,
    scriptPath: metered.file,
    modulesRoot: metered.dir,
    d1Persist: path.join(stateDir, "d1"),
    r2Persist: path.join(stateDir, "r2"),
    kvPersist: path.join(stateDir, "kv"),
    host: "127.0.0.1",
    port: 0,
    cf: { httpProtocol: "HTTP/1.1" },
    log: new Log(LogLevel.WARN),
  });
  const url = (await mf.ready).origin;
  await migrate(
    d1Executor(await mf.getD1Database(manifest.d1.binding)),
    await readMigrationFiles(path.join(REPO_ROOT, "migrations")),
  );
  return { mf, url, remove: metered.remove };
}

/** Each phase's meter; `per` is how many events (or requests) the phase is divided by. */
async function measure(log: (line: string) => void) {
  const upstream = await startDemoUpstream({ delays: false });
  const stateDir = await mkdtemp(path.join(tmpdir(), "pathmeter-bench-rows-"));
  const { mf, url, remove } = await startMetered(stateDir, upstream.url);
  try {
    // Five days ago: inside the acceptance window now, archived at HOT_DAYS, cleaned once it leaves.
    const day = Math.floor(Date.now() / DAY_MS) * DAY_MS - 5 * DAY_MS;
    await setPhase(mf, "ingest");
    const requests = await postIngest(mf, day, log);
    await waitForStoredEvents(mf, EVENTS, 300_000);
    await runDue(mf, "rollup", day + DAY_MS + 7 * MINUTE_MS);
    await runDue(mf, "snapshot", day + DAY_MS + 10 * MINUTE_MS);
    await runDue(mf, "archive", day + (Number(manifest.vars.HOT_DAYS) + 1) * DAY_MS + 120 * MINUTE_MS);
    await runDue(
      mf,
      "cleanup",
      day + (Number(manifest.vars.MAX_EVENT_AGE_DAYS) + 1) * DAY_MS + 180 * MINUTE_MS,
    );
    const tierAt = day + (Number(manifest.vars.HOURLY_SKETCH_DAYS) + 1) * DAY_MS + 7 * MINUTE_MS;
    await runDue(mf, "rollup", tierAt, "tiering");
    log("jobs: rollup, snapshot, archive, cleanup, tiering done");
    await setPhase(mf, "gateway");
    const load = await runLoad(url, GATEWAY_REQUESTS, GATEWAY_CONCURRENCY, (i) => ({
      path: `/users/${(i % 500) + 1}`,
      headers: { "CF-Connecting-IP": `10.1.${i % 200}.${i % 250}`, "X-Request-Id": `gw-${i}` },
    }));
    if (load.unexpected > 0) throw new Error(`${load.unexpected} gateway answers were not 200`);
    await waitForStoredEvents(mf, EVENTS + GATEWAY_REQUESTS, 120_000);
    return { meters: await readMeters(mf), requests };
  } finally {
    await mf.dispose();
    await upstream.close();
    await remove();
    await rm(stateDir, { recursive: true, force: true });
  }
}

export const rowsBench: Bench = {
  name: "rows",
  async run(log) {
    const { meters, requests } = await measure(log);
    const phases: PhaseRow[] = ["ingest", "rollup", "snapshot", "archive", "cleanup", "tiering"].map(
      (name) => ({
        name,
        meter: meters[name],
      }),
    );
    return priceRows({
      phases,
      gateway: meters.gateway,
      events: EVENTS,
      requests,
      gatewayRequests: GATEWAY_REQUESTS,
    });
  },
};
