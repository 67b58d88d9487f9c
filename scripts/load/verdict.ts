/**
 * What a load run proved: lost and double-counted events, mismatched routes, 5xx answers,
 * transport errors and memory growth, each as a number, and whether the run passed.
 */
import { routesMatch } from "./counts";
import type { LoadOutcome } from "./run";
import { fiveXxIn, phasesOf } from "./run";

export interface LoadVerdict {
  /** Requests answered with recording on but never stored. */
  lost: number;
  /** Events stored beyond the requests sent. */
  doubleCounted: number;
  /** (method, template) pairs whose stats differ from what was sent. */
  routeMismatches: number;
  /** pathmeter's own 5xx answers (the traffic never makes the demo API answer 5xx). */
  fiveXx: number;
  /** Connection errors and timeouts of the load generator. */
  transportErrors: number;
  /** Rejected events plus dead letters: there should be none for valid traffic. */
  rejectedOrDead: number;
  /** The stack's RSS grew after warm-up beyond the threshold (memory.ts), whatever grew it. */
  memoryGrew: boolean;
  /**
   * The stack grew more per request than the runtime without pathmeter's recording does (the
   * bench-only gateway in the same workerd build): more than ATTRIBUTABLE_FACTOR × its KiB/request
   * plus ATTRIBUTABLE_MARGIN_KIB.
   */
  memoryGrowthFromRecording: boolean;
  passed: boolean;
}

export const ATTRIBUTABLE_FACTOR = 1.5;
export const ATTRIBUTABLE_MARGIN_KIB = 0.5;

export function verdictOf(outcome: LoadOutcome): LoadVerdict {
  const { recordedRequests, drain, routes, memory } = outcome;
  const reports = [...phasesOf(outcome.on), ...phasesOf(outcome.off)];
  const v = {
    lost: Math.max(0, recordedRequests - drain.stored),
    doubleCounted: Math.max(0, drain.stored - recordedRequests),
    routeMismatches: routesMatch(routes) ? 0 : routes.filter((r) => !routesMatch([r])).length,
    fiveXx: reports.reduce((sum, r) => sum + fiveXxIn(r), 0),
    transportErrors: reports.reduce((sum, r) => sum + r.errors + r.timeouts, 0),
    rejectedOrDead: outcome.rejected + outcome.deadLetters,
    memoryGrew: memory.grew,
    memoryGrowthFromRecording: !(
      memory.kibPerRequest <=
      outcome.offMemory.kibPerRequest * ATTRIBUTABLE_FACTOR + ATTRIBUTABLE_MARGIN_KIB
    ),
  };
  const passed =
    v.lost + v.doubleCounted + v.routeMismatches + v.fiveXx + v.transportErrors + v.rejectedOrDead === 0 &&
    !v.memoryGrowthFromRecording &&
    drain.drainMs !== null;
  return { ...v, passed };
}
