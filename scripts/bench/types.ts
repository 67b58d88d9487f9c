/**
 * What a benchmark module provides and returns. `npm run bench` runs every registered bench in
 * sequence and writes their results to docs/bench/results.json and docs/bench/README.md.
 */

/** One measured number, with the target it is held to (if any). */
export interface BenchMetric {
  /** Human-readable name, e.g. "consumer events/s". */
  name: string;
  value: number;
  /** e.g. "events/s", "ratio", "MB". */
  unit: string;
  /** The goal from the issue, e.g. { op: ">=", value: 10000 }. */
  target?: { op: ">=" | "<="; value: number };
}

export interface BenchResult {
  /** Registry name of the bench that produced this result. */
  bench: string;
  /** Section title in docs/bench/README.md. */
  title: string;
  /** What was measured and how, in a sentence or two (shown under the title). */
  method: string;
  metrics: BenchMetric[];
  /** Sizes and settings of the run (batches, requests, concurrency ...). */
  params: Record<string, number | string>;
  /** What the numbers of this run say, derived from them (e.g. why a target was missed). */
  notes?: string[];
  /** ISO-8601 time the bench finished. */
  finishedAt: string;
  /** How to re-run it, when not `npm run bench -- <bench>` (e.g. `npm run load`). */
  command?: string;
}

export interface Bench {
  /** Short name used on the command line: `npm run bench -- consumer`. */
  name: string;
  run(log: (line: string) => void): Promise<Omit<BenchResult, "bench" | "finishedAt">>;
}

/** Whether a metric meets its target; undefined when it has none. */
export function meetsTarget(metric: BenchMetric): boolean | undefined {
  if (!metric.target) return undefined;
  return metric.target.op === ">="
    ? metric.value >= metric.target.value
    : metric.value <= metric.target.value;
}
