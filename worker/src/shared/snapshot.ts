/**
 * The KV snapshot: its keys and its content, written by the snapshot job and served by
 * `GET /_pathmeter/api/snapshot`.
 */

/** KV keys: the latest snapshot, its config, and the paths of each version. */
export const SNAPSHOT_KEYS = {
  latest: "snapshot:latest",
  config: "snapshot:config",
  paths: (version: number) => `snapshot:v${version}:paths`,
} as const;

export interface SnapshotPath {
  path: string;
  method: string;
  requests: number;
  errors4xx: number;
  errors5xx: number;
  /** (errors4xx + errors5xx) / requests. */
  errorRate: number;
  /** Milliseconds; percentiles within 1%, avg exact. */
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; avg: number | null };
  uniqueClients: number;
}

/** `snapshot:latest` (and `GET /_pathmeter/api/snapshot`). */
export interface Snapshot {
  version: number;
  generatedAt: string;
  /** The job's clock. */
  asOf: string;
  from: string;
  to: string;
  n: number;
  paths: SnapshotPath[];
}
