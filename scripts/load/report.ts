/**
 * Where a load run's results go: docs/bench/load-run.json (the whole record), an entry "load"
 * in docs/bench/results.json (through the benches' mergeResults/writeResults), and the "Load"
 * section of docs/reliability.md — rendered from the JSON record, so `npm run load` and
 * `npm run reliability:report` write the very same section.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { benches } from "../bench/registry";
import { type Machine, mergeResults, readResults, thisMachine, writeResults } from "../bench/report";
import type { BenchMetric } from "../bench/types";
import { REPO_ROOT } from "../lib/build";
import type { CannonReport } from "./cannon-protocol";
import { answeredIn, type LoadOutcome } from "./run";
import { type LoadVerdict, verdictOf } from "./verdict";

export const LOAD_RECORD_JSON = path.join(REPO_ROOT, "docs", "bench", "load-run.json");
export const RELIABILITY_MD = path.join(REPO_ROOT, "docs", "reliability.md");

export interface LoadRecord extends LoadOutcome {
  finishedAt: string;
  commit: string;
  machine: Machine;
  verdict: LoadVerdict;
}

export function loadRecordOf(outcome: LoadOutcome): LoadRecord {
  const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO_ROOT }).toString().trim();
  return {
    ...outcome,
    finishedAt: new Date().toISOString(),
    commit,
    machine: thisMachine(),
    verdict: verdictOf(outcome),
  };
}

/** The last load run's record, or null when `npm run load` never ran here. */
export function readLoadRecord(): LoadRecord | null {
  try {
    return JSON.parse(readFileSync(LOAD_RECORD_JSON, "utf8")) as LoadRecord;
  } catch {
    return null;
  }
}

const rateOf = (r: CannonReport) => Math.round((answeredIn(r) / r.elapsedMs) * 1000);

/** The headline numbers, as bench metrics. */
export function loadMetrics(r: LoadRecord): BenchMetric[] {
  const m = (name: string, value: number, unit: string, target?: BenchMetric["target"]): BenchMetric =>
    target ? { name, value, unit, target } : { name, value, unit };
  const { on, off } = r;
  return [
    m(
      `sustained requests/s, recording on, ${r.options.connections} connections`,
      rateOf(on.saturated),
      "req/s",
    ),
    m(`requests/s, recording off, ${r.options.connections} connections`, rateOf(off.saturated), "req/s"),
    m("latency p50, recording on, one connection", on.single.latencyMs.p50, "ms"),
    m("latency p99, recording on, one connection", on.single.latencyMs.p99, "ms"),
    m("latency p50, recording off, one connection", off.single.latencyMs.p50, "ms"),
    m("latency p99, recording off, one connection", off.single.latencyMs.p99, "ms"),
    m(`latency p50, recording on, ${r.options.connections} connections`, on.saturated.latencyMs.p50, "ms"),
    m(`latency p99, recording on, ${r.options.connections} connections`, on.saturated.latencyMs.p99, "ms"),
    m("queue drain after the load stopped", r.drain.drainMs ?? -1, "ms"),
    m("requests sent with recording on", r.recordedRequests, "requests"),
    m("events stored", r.drain.stored, "events"),
    m("lost + double-counted events", r.verdict.lost + r.verdict.doubleCounted, "events", {
      op: "<=",
      value: 0,
    }),
    m("5xx answers", r.verdict.fiveXx, "answers", { op: "<=", value: 0 }),
    m("workerd RSS after warm-up", r.memory.warmMiB, "MiB"),
    m("workerd RSS at the end", r.memory.endMiB, "MiB"),
    m("workerd RSS growth per request, recording on", r.memory.kibPerRequest, "KiB"),
    m("workerd RSS growth per request, recording off (runtime baseline)", r.offMemory.kibPerRequest, "KiB"),
    m("workerd RSS growth after warm-up", r.memory.growthMiB, "MiB", {
      op: "<=",
      value: r.memory.thresholdMiB,
    }),
  ];
}

/** Merges the run into docs/bench/results.json and README.md as the bench "load". */
export async function writeBenchEntry(r: LoadRecord): Promise<void> {
  const fresh = {
    bench: "load",
    title: "Load run: the local stack under autocannon (`npm run load`)",
    method:
      "autocannon in a second node process on loopback, closed loop, against the local stack as `npm start` " +
      "runs it (demo API upstream without simulated delays); then the same against the bench-only gateway " +
      "without recording. Full report: docs/reliability.md, section Load.",
    metrics: loadMetrics(r),
    params: { ...r.options, commit: r.commit },
    finishedAt: r.finishedAt,
    command: "npm run load",
    machine: r.machine,
  };
  const order = [...benches.map((b) => b.name), "load"];
  await writeResults({ results: mergeResults(await readResults(), [fresh], order) });
}

/** Replaces (or adds, before "## Every check") the Load section of docs/reliability.md. */
export async function writeLoadSection(section: string): Promise<void> {
  const doc = await readFile(RELIABILITY_MD, "utf8");
  await writeFile(RELIABILITY_MD, withLoadSection(doc, section));
}

/** `doc` with its "## Load" section (up to the next "## " heading) replaced by `section`. */
export function withLoadSection(doc: string, section: string): string {
  const block = `${section.trimEnd()}\n\n`;
  const start = doc.indexOf("\n## Load\n");
  if (start >= 0) {
    const next = doc.indexOf("\n## ", start + 1);
    return doc.slice(0, start + 1) + block + (next >= 0 ? doc.slice(next + 1) : "");
  }
  const before = doc.indexOf("\n## Every check\n");
  return before >= 0
    ? doc.slice(0, before + 1) + block + doc.slice(before + 1)
    : `${doc.trimEnd()}\n\n${block}`;
}

export async function saveLoadRecord(r: LoadRecord): Promise<void> {
  await writeFile(LOAD_RECORD_JSON, `${JSON.stringify(r, null, 2)}\n`);
}
