/**
 * Shapes of the pathmeter API answers the page reads, declared from the public contract
 * (ARCHITECTURE.md) rather than imported from worker/src: the page is a client of the documented
 * JSON like any script, and it type-checks with the DOM library only (the Worker's modules need
 * workerd's types). Fields a newer Worker adds are optional here.
 */

export interface LatencyMs {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  avg?: number | null;
  max?: number | null;
}

export interface Summary {
  from: string;
  to: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate: number;
  latencyMs: LatencyMs;
  uniqueClients: number;
  paths: number;
}

export interface PathRow {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  errorRate?: number;
  latencyMs: LatencyMs;
  uniqueClients: number;
}

export interface Leaderboard {
  from: string;
  to: string;
  paths: PathRow[];
}

export interface Point {
  /** ISO-8601 start of the bucket (epoch ms accepted too). */
  t: string | number;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  latencyMs: LatencyMs;
  uniqueClients: number;
}

export interface TimeSeries {
  points: Point[];
}

export interface CompareSide {
  requests: number;
  errorRate: number;
  p95: number | null;
}

export interface CompareRow {
  path: string;
  method: string;
  current: CompareSide;
  base: CompareSide;
  change: { requests: number; requestsRatio: number | null; errorRate: number | null; p95: number | null };
}

export interface Compare {
  paths: CompareRow[];
}

export interface JobRun {
  startedAt: string;
  finishedAt: string | null;
  outcome: string;
  report: unknown;
}

export interface Health {
  eventsStored: number;
  lastBatchAt: string | null;
  rejected: { total: number };
  deadLetters: { total: number; pending: number };
  jobs: Record<string, { schedule: string; lastRun: JobRun | null }>;
  cache?: { hits: number; misses: number };
  problems?: unknown[];
}

export interface ArchivePart {
  day: string;
  part: number;
  status: string;
  records: number | null;
  compressedBytes: number | null;
}

export interface ArchiveList {
  parts: ArchivePart[];
}
