/** What the rows bench reads from the metered Worker (workers/metered.ts), per phase. */

export interface Meter {
  /** Sum of D1 `meta.rows_written` over every statement the handlers ran. */
  rowsWritten: number;
  rowsRead: number;
  statements: number;
  /** D1 calls: one per `batch()` or per statement run on its own. */
  d1Calls: number;
  /** Messages sent to the events queue and their JSON bytes. */
  queueMessages: number;
  queueBytes: number;
  /** Queues bills 3 operations (write, read, delete) per 64 KB of each message. */
  queueOps: number;
  sendCalls: number;
  /** Handler invocations (each is a billed Workers request): fetch, queue deliveries, crons. */
  invocations: number;
}

export const emptyMeter = (): Meter => ({
  rowsWritten: 0,
  rowsRead: 0,
  statements: 0,
  d1Calls: 0,
  queueMessages: 0,
  queueBytes: 0,
  queueOps: 0,
  sendCalls: 0,
  invocations: 0,
});

/** Control paths of the metered Worker (never proxied). */
export const METER_PATHS = { phase: "/__meter/phase", read: "/__meter/read" } as const;
