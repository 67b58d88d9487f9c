/**
 * What the load run's parent and its autocannon child process (cannon-child.ts) say to each
 * other over the IPC channel: one order in, one report out.
 */

export interface CannonOrder {
  /** Gateway origin, e.g. http://127.0.0.1:41234 */
  url: string;
  connections: number;
  /**
   * Run in back-to-back slices until this many seconds have passed; each slice is a fixed
   * number of requests that autocannon completes before it ends, so no request is ever left
   * in flight (sent, maybe recorded, never answered) when the run stops.
   */
  durationS?: number;
  /** Or exactly this many requests in one slice. */
  amount?: number;
}

export interface LatencyStats {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface CannonReport {
  /** Requests autocannon wrote to its sockets. */
  sent: number;
  /** Answers read, per entry of loadCalls() (same index), by status code. */
  answered: Record<string, number>[];
  /** Connection errors and timeouts (a request then has no answer). */
  errors: number;
  timeouts: number;
  elapsedMs: number;
  /** Requests/s of each slice, in order. */
  sliceRates: number[];
  /** Response time in ms, over every answer. */
  latencyMs: LatencyStats;
}

export type CannonMessage = { ok: true; report: CannonReport } | { ok: false; error: string };
