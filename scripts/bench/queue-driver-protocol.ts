/** What the consumer bench sends to and gets back from workers/queue-driver.ts. */

/** One delivery: the message bodies (packed messages) and how many events they carry. */
export interface DriveBatch {
  bodies: unknown[];
  events: number;
}

export interface DriveRequest {
  /** Queue name the handlers see in `batch.queue`. */
  queue: string;
  batches: DriveBatch[];
  /** Batches run first and not counted. */
  warmup: number;
}

export interface SideTiming {
  name: "consumer" | "raw" | "insert";
  /** Summed wall time of this side's handler calls, ms (workerd's clock advances on I/O). */
  ms: number;
  events: number;
}
