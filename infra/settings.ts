/**
 * The stack settings' shapes and defaults. Defaults come from the bindings manifest wherever the
 * manifest has them, so Pulumi.yaml's declared defaults, the local stack and the Worker agree
 * (tests/infra/config.test.ts compares Pulumi.yaml with these).
 */
import { manifest, type VarName } from "../worker/src/manifest";

/** Queue consumer settings, units in the names (Pulumi: `maxWaitTimeMs` ms, `retryDelay` s). */
export interface ConsumerSettings {
  maxBatchSize: number;
  maxWaitTimeMs: number;
  maxRetries: number;
  retryDelaySeconds: number;
  maxConcurrency: number;
}

/** Where the Worker is reachable: the workers.dev subdomain, a custom domain, or a zone route. */
export type DomainSettings =
  | { kind: "workersDev"; subdomain: string }
  | { kind: "customDomain"; hostname: string; zoneId: string }
  | { kind: "route"; pattern: string; zoneId: string };

/** Config key → the Worker var it sets (DEAD_LETTER_QUEUE is derived, never configured). */
export const VAR_KEYS = {
  reservedPrefix: "RESERVED_PREFIX",
  upstreamUrl: "UPSTREAM_URL",
  routes: "ROUTES",
  maxPathsPerDay: "MAX_PATHS_PER_DAY",
  hotDays: "HOT_DAYS",
  maxEventAgeDays: "MAX_EVENT_AGE_DAYS",
  snapshotTopN: "SNAPSHOT_TOP_N",
  hourlySketchDays: "HOURLY_SKETCH_DAYS",
} as const satisfies Record<string, Exclude<VarName, "DEAD_LETTER_QUEUE">>;

/** Vars whose value is a positive integer. */
export const INTEGER_VAR_KEYS = [
  "maxPathsPerDay",
  "hotDays",
  "maxEventAgeDays",
  "snapshotTopN",
  "hourlySketchDays",
] as const satisfies readonly (keyof typeof VAR_KEYS)[];

/** Config key → the events consumer setting it overrides. */
export const EVENTS_CONSUMER_KEYS = {
  eventsMaxBatchSize: "maxBatchSize",
  eventsMaxWaitTimeMs: "maxWaitTimeMs",
  eventsMaxRetries: "maxRetries",
  eventsRetryDelaySeconds: "retryDelaySeconds",
  eventsMaxConcurrency: "maxConcurrency",
} as const satisfies Record<string, keyof ConsumerSettings>;

/** Defaults of the settings that are not per user; Pulumi.yaml declares the same values. */
export const DEFAULTS = {
  vars: manifest.vars,
  /** Days an archived day stays in R2 before the bucket's lifecycle rule deletes it. */
  archiveRetentionDays: 365,
  /** The Free plan's maximum: unconsumed messages are kept 1 day (Paid: up to 14 days). */
  queueRetentionSeconds: 86_400,
  eventsConsumer: manifest.queues.events.consumer,
  protectData: false,
} as const;
