/**
 * What a reliability test measured, attached to its vitest task (`task.meta`), so that
 * `npm run reliability:report` can write docs/reliability.md from the suites' actual results.
 * A test records its figures before it asserts on them: a failing run reports what it saw.
 */
import type { TaskMeta } from "vitest";

export interface ReliabilityRecord {
  /** What was done, in a few words, e.g. "100,000 distinct paths through ingest". */
  scenario: string;
  /** Events, requests or messages sent in the scenario. */
  events: number;
  /** The faults or hostile input injected, in a few words. */
  faults: string;
  /** Valid events that ended nowhere (not in D1, R2 or the dead-letter table). */
  lost: number;
  /** Events counted more than once in an aggregate. */
  doubleCounted: number;
  /** Responses with a 5xx status from pathmeter itself. */
  fiveXx: number;
}

declare module "vitest" {
  interface TaskMeta {
    reliability?: ReliabilityRecord;
  }
}

/** Attaches `record` to the running test (pass the test context's `task`). */
export function recordReliability(task: { meta: TaskMeta }, record: ReliabilityRecord): void {
  task.meta.reliability = record;
}
