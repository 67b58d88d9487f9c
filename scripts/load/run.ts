/**
 * The load run (`npm run load`): the local stack as `npm start` runs it (production bundle in
 * workerd, demo API upstream without simulated delays, a fresh state directory, port 0), driven
 * by autocannon from a second process on loopback:
 * 1. with recording on: warm-up, one connection (each request's latency without queueing behind
 *    others), then many connections, closed loop (sustained requests/s), the stack's workerd RSS sampled each second;
 * 2. the queue drain: time from the load's end until health says every request is stored;
 * 3. exact counts: events stored == requests sent, and per path template and method in the stats API;
 * 4. the same traffic against the bench-only gateway without recording, for latency without it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { HOUR_MS, hourOf } from "../../worker/src/shared/time";
import { benchGateway, buildBenchWorker } from "../bench/bench-worker";
import { startDemoUpstream } from "../demo-upstream";
import { startLocalStack } from "../local-stack";
import { runCannon } from "./cannon";
import type { CannonReport } from "./cannon-protocol";
import { checkRoutes, type Drain, type RouteCheck, readHealth, waitForDrain } from "./counts";
import {
  childWorkerdPid,
  type MemorySampler,
  type MemoryVerdict,
  memoryVerdict,
  type RssSample,
  sampleRss,
} from "./memory";
import { addRouteCounts, countsByRoute, loadCalls } from "./traffic";

export interface LoadOptions {
  /** Seconds of closed-loop load with recording on (sustained rate; the memory verdict's span). */
  durationS: number;
  /** Seconds of load before anything is measured (JIT, caches, connection pools). */
  warmupS: number;
  /** Seconds of load over one connection (latency without queueing), on each side. */
  singleDurationS: number;
  /** Seconds of closed-loop load against the gateway without recording. */
  offDurationS: number;
  connections: number;
  log: (line: string) => void;
}

/** One side's runs, all closed loop: warm-up, one connection, then `connections` connections. */
export interface SideReports {
  warmup: CannonReport;
  single: CannonReport;
  saturated: CannonReport;
}

export interface LoadOutcome {
  options: Omit<LoadOptions, "log">;
  startedAt: string;
  /** The machine's 1-minute load average when the run started (other work shares its cores). */
  loadAverage1m: number;
  on: SideReports;
  off: SideReports;
  /** Requests sent with recording on (every phase): each must be exactly one stored event. */
  recordedRequests: number;
  drain: Drain;
  routes: RouteCheck[];
  rejected: number;
  deadLetters: number;
  /** The stack's workerd over the closed loop with recording on. */
  memory: MemoryVerdict;
  /** Every RSS sample of the stack's workerd, from before the warm-up to after the counts. */
  rssSeries: RssSample[];
  /** The bench-only gateway's workerd over its closed loop: the runtime's own baseline. */
  offMemory: MemoryVerdict;
  offRssSeries: RssSample[];
}

export const answeredIn = (report: CannonReport) =>
  report.answered.reduce((sum, byStatus) => sum + Object.values(byStatus).reduce((a, b) => a + b, 0), 0);

/** Answers with a 5xx status in a report. */
export const fiveXxIn = (report: CannonReport) =>
  report.answered.reduce(
    (sum, byStatus) =>
      sum + Object.entries(byStatus).reduce((a, [status, n]) => a + (Number(status) >= 500 ? n : 0), 0),
    0,
  );

export const phasesOf = (side: SideReports) => [side.warmup, side.single, side.saturated];

const describe = (label: string, r: CannonReport) =>
  `${label}: ${answeredIn(r)} answers in ${(r.elapsedMs / 1000).toFixed(1)} s, ` +
  `p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, errors ${r.errors}, 5xx ${fiveXxIn(r)}`;

interface SideRun {
  url: string;
  label: string;
  warmupS: number;
  saturatedS: number;
  /** Called right before and right after the closed-loop phase (the memory verdict's span). */
  mark?: (when: "from" | "to") => void;
}

async function runSide(side: SideRun, options: LoadOptions): Promise<SideReports> {
  const { url, label } = side;
  const { connections, log } = options;
  const warmup = await runCannon({ url, connections, durationS: side.warmupS });
  log(describe(`${label}, warm-up`, warmup));
  const single = await runCannon({ url, connections: 1, durationS: options.singleDurationS });
  log(describe(`${label}, one connection`, single));
  side.mark?.("from");
  const saturated = await runCannon({ url, connections, durationS: side.saturatedS });
  side.mark?.("to");
  log(describe(`${label}, ${connections} connections`, saturated));
  return { warmup, single, saturated };
}

interface SampledSide {
  reports: SideReports;
  sampler: MemorySampler;
  /** The memory verdict over the closed-loop phase, from the samples so far. */
  verdict(): MemoryVerdict;
}

/** Runs a side's phases while sampling the RSS of this process's (one) workerd child. */
async function runSampledSide(side: Omit<SideRun, "mark">, options: LoadOptions): Promise<SampledSide> {
  const sampler = sampleRss(await childWorkerdPid());
  const marks = { from: 0, to: 0 };
  const mark = (when: "from" | "to") => {
    marks[when] = sampler.now();
  };
  try {
    const reports = await runSide({ ...side, mark }, options);
    const span = () => ({ fromMs: marks.from, toMs: marks.to, requests: answeredIn(reports.saturated) });
    return { reports, sampler, verdict: () => memoryVerdict(sampler.samples(), span()) };
  } catch (error) {
    sampler.stop();
    throw error;
  }
}

const describeMemory = (label: string, m: MemoryVerdict) =>
  `${label} memory: warm ${m.warmMiB} MiB → end ${m.endMiB} MiB (peak ${m.peakMiB} MiB, ${m.kibPerRequest} KiB/request)`;

type OffSide = Pick<LoadOutcome, "off" | "offMemory" | "offRssSeries">;

/** The recording-off side: the bench-only gateway Worker against the same upstream. */
async function measureOff(upstreamUrl: string, options: LoadOptions): Promise<OffSide> {
  const bundle = await buildBenchWorker("gateway-off");
  const mf = benchGateway(bundle, upstreamUrl);
  try {
    const url = (await mf.ready).origin;
    // A shorter warm-up: this side has no queue or consumer to warm.
    const warmupS = Math.min(5, options.warmupS);
    const side = { url, label: "recording off", warmupS, saturatedS: options.offDurationS };
    const { reports, sampler, verdict } = await runSampledSide(side, options);
    sampler.stop();
    const offMemory = verdict();
    options.log(describeMemory("recording off", offMemory));
    return { off: reports, offMemory, offRssSeries: sampler.samples() };
  } finally {
    await mf.dispose();
    await bundle.remove();
  }
}

type OnSide = Omit<LoadOutcome, "options" | "startedAt" | "loadAverage1m" | keyof OffSide>;

/** Recording on: the phases, the drain and the exact counts against the local stack. */
async function measureOn(stack: { url: string; adminToken: string }, options: LoadOptions): Promise<OnSide> {
  const fromMs = hourOf(Date.now());
  const side = {
    url: stack.url,
    label: "recording on",
    warmupS: options.warmupS,
    saturatedS: options.durationS,
  };
  const { reports: on, sampler, verdict } = await runSampledSide(side, options);
  try {
    const recordedRequests = phasesOf(on).reduce((sum, r) => sum + answeredIn(r), 0);
    const drain = await waitForDrain(stack, recordedRequests);
    options.log(`drain: ${drain.stored} of ${recordedRequests} stored, after ${drain.drainMs ?? "—"} ms`);
    const calls = loadCalls();
    const expected = addRouteCounts(...phasesOf(on).map((r) => countsByRoute(calls, r.answered)));
    const routes = await checkRoutes(stack, expected, fromMs, hourOf(Date.now()) + HOUR_MS);
    const { rejected, deadLetters } = await readHealth(stack);
    const memory = verdict();
    options.log(describeMemory("recording on", memory));
    return {
      on,
      recordedRequests,
      drain,
      routes,
      rejected: rejected.total,
      deadLetters: deadLetters.total,
      memory,
      rssSeries: sampler.samples(),
    };
  } finally {
    sampler.stop();
  }
}

/** Runs the whole load run; see the module comment. */
export async function runLoadTest(options: LoadOptions): Promise<LoadOutcome> {
  const startedAt = new Date().toISOString();
  const loadAverage1m = Math.round((loadavg()[0] ?? 0) * 10) / 10;
  const upstream = await startDemoUpstream({ delays: false });
  const stateDir = await mkdtemp(path.join(tmpdir(), "pathmeter-load-"));
  try {
    // As npm start runs it, crons included; only the port and the state directory differ.
    const stack = await startLocalStack({ stateDir, port: 0, upstreamUrl: upstream.url, log: options.log });
    let on: OnSide;
    try {
      on = await measureOn(stack, options);
    } finally {
      await stack.stop();
    }
    const off = await measureOff(upstream.url, options);
    const { log: _log, ...rest } = options;
    return { options: rest, startedAt, loadAverage1m, ...off, ...on };
  } finally {
    await upstream.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
