/**
 * The local stack's memory over a load run: the resident set size (RSS) of its workerd process,
 * sampled once a second, and the verdict on whether it grew once warmed up.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface RssSample {
  /** ms since the sampler started. */
  atMs: number;
  rssMiB: number;
}

export interface MemorySampler {
  /** Every sample so far. */
  samples(): RssSample[];
  /** ms since the sampler started, to mark the phases of the run. */
  now(): number;
  stop(): void;
}

/** The pid of the workerd process this node process started (the local stack's). */
export async function childWorkerdPid(): Promise<number> {
  const { stdout } = await run("pgrep", ["-P", String(process.pid), "-x", "workerd"]);
  const pids = stdout.split("\n").filter(Boolean).map(Number);
  if (pids.length !== 1)
    throw new Error(`expected one workerd child of ${process.pid}, found ${pids.length}`);
  return pids[0] as number;
}

async function rssMiB(pid: number): Promise<number | null> {
  try {
    const { stdout } = await run("ps", ["-o", "rss=", "-p", String(pid)]);
    const kib = Number(stdout.trim());
    return Number.isFinite(kib) && kib > 0 ? Math.round((kib / 1024) * 10) / 10 : null;
  } catch {
    return null; // the process has ended
  }
}

/** Samples `pid`'s RSS every `intervalMs` until stopped. */
export function sampleRss(pid: number, intervalMs = 1_000): MemorySampler {
  const started = performance.now();
  const now = () => Math.round(performance.now() - started);
  const samples: RssSample[] = [];
  const take = async () => {
    const at = now();
    const rss = await rssMiB(pid);
    if (rss !== null) samples.push({ atMs: at, rssMiB: rss });
  };
  void take();
  const timer = setInterval(() => void take(), intervalMs);
  return { samples: () => [...samples], now, stop: () => clearInterval(timer) };
}

export interface MemoryVerdict {
  /** RSS before any load. */
  idleMiB: number;
  /** Median RSS over the first `windowS` seconds of the measured phase (after the warm-up). */
  warmMiB: number;
  /** Median RSS over the last `windowS` seconds of the measured phase. */
  endMiB: number;
  peakMiB: number;
  growthMiB: number;
  /** Growth above which the run counts as growing: the larger of a share of warmMiB and a floor. */
  thresholdMiB: number;
  grew: boolean;
  /** growthMiB per request answered between the two windows' middles, in KiB. */
  kibPerRequest: number;
  samples: number;
}

/** Growth allowed after warm-up: 10% of the warm RSS, at least 16 MiB (allocator and GC noise). */
export const GROWTH_SHARE = 0.1;
export const GROWTH_FLOOR_MIB = 16;
/** Seconds of samples whose median stands for the start and for the end of the measured phase. */
export const WINDOW_S = 5;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** The measured phase on the sampler's clock, and the requests answered in it. */
export interface MeasuredSpan {
  fromMs: number;
  toMs: number;
  requests: number;
}

/** Judges the RSS samples of the measured phase `span`. */
export function memoryVerdict(samples: RssSample[], span: MeasuredSpan): MemoryVerdict {
  const { fromMs, toMs } = span;
  const windowMs = WINDOW_S * 1000;
  const inRange = (a: number, b: number) =>
    samples.filter((s) => s.atMs >= a && s.atMs <= b).map((s) => s.rssMiB);
  const warmMiB = median(inRange(fromMs, fromMs + windowMs));
  const endMiB = median(inRange(toMs - windowMs, toMs));
  const thresholdMiB = Math.max(GROWTH_FLOOR_MIB, Math.round(warmMiB * GROWTH_SHARE));
  const growthMiB = Math.round((endMiB - warmMiB) * 10) / 10;
  // The two medians stand for the windows' middles: requests in between, at the phase's mean rate.
  const between = (span.requests * Math.max(0, toMs - fromMs - windowMs)) / Math.max(1, toMs - fromMs);
  return {
    idleMiB: samples[0]?.rssMiB ?? Number.NaN,
    warmMiB,
    endMiB,
    peakMiB: Math.max(...samples.filter((s) => s.atMs <= toMs).map((s) => s.rssMiB)),
    growthMiB,
    thresholdMiB,
    grew: !(growthMiB <= thresholdMiB),
    kibPerRequest: between > 0 ? Math.round(((growthMiB * 1024) / between) * 100) / 100 : Number.NaN,
    samples: samples.length,
  };
}
