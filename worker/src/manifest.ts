/**
 * The bindings manifest: the one source of truth for what the Worker is bound to.
 *
 * From this object come the Worker's `Env` type (worker/src/env.ts), the Miniflare options of
 * the local stack and of the tests (scripts/lib/miniflare-options.ts) and the Pulumi inputs
 * (infra/). Names here are logical; a deployment prefixes them (`pathmeter-<stack>-events`).
 * tests/unit/manifest.test.ts proves the three agree.
 */

export const manifest = {
  /** Entry module name inside the uploaded bundle. */
  mainModule: "index.js",
  /** Newest date the pinned workerd (1.20260426) supports. */
  compatibilityDate: "2026-04-20",
  compatibilityFlags: [] as readonly string[],

  d1: { binding: "DB", name: "db", migrationsDir: "migrations" },
  kv: { binding: "SNAPSHOTS", name: "snapshots" },
  r2: { binding: "ARCHIVE", name: "archive" },

  queues: {
    events: {
      binding: "EVENTS_QUEUE",
      name: "events",
      consumer: {
        /** Messages per batch; Queues allow at most 100. */
        maxBatchSize: 100,
        /** How long a partial batch waits before delivery, in milliseconds. */
        maxWaitTimeMs: 5_000,
        /** Deliveries after the first before a message goes to the dead-letter queue. */
        maxRetries: 5,
        /** Delay before a retried message is delivered again, in seconds. */
        retryDelaySeconds: 30,
        /** Concurrent consumer invocations; the write path is commutative, so > 1 is safe. */
        maxConcurrency: 10,
      },
    },
    deadLetters: {
      name: "events-dlq",
      /**
       * The dead-letter queue has no dead-letter queue of its own: a message it gives up on is gone.
       * So it never gives up while the message is still retained: 100 deliveries (the Queues maximum)
       * 840 s apart span 23 h 20 min, inside the Free plan's 1-day retention, so D1 may be down for
       * most of a day without a dead letter being lost (the backlog shows in the queue's metrics).
       */
      consumer: {
        maxBatchSize: 100,
        maxWaitTimeMs: 5_000,
        maxRetries: 100,
        retryDelaySeconds: 840,
        maxConcurrency: 1,
      },
    },
  },

  /**
   * When each job runs (UTC). The seed's times are the defaults: archive 02:00, cleanup 03:00,
   * capacity 04:00, snapshot pruning Sunday 05:00. These are not deployed one by one: every
   * invocation of a `cronTriggers` schedule runs the jobs due at its `scheduledTime`
   * (worker/src/jobs/dispatch.ts).
   */
  crons: {
    rollup: "7 * * * *",
    snapshot: "*/5 * * * *",
    archive: "0 2 * * *",
    cleanup: "0 3 * * *",
    capacity: "0 4 * * *",
    snapshotPrune: "0 5 * * SUN",
  },

  /**
   * The cron triggers a stack deploys (the Free plan allows 5 per account, so 2 per stack keeps
   * dev + prod within it). Together they fire at every minute some job of `crons` is due.
   */
  cronTriggers: ["*/5 * * * *", "7 * * * *"],

  /** Plain-text vars with their defaults; a deployment may override the values, never the names. */
  vars: {
    /** Prefix under which pathmeter's own endpoints live; every other path is proxied. */
    RESERVED_PREFIX: "/_pathmeter",
    /** Origin the gateway proxies to, e.g. https://api.example.com. */
    UPSTREAM_URL: "",
    /** JSON array of route templates matched before the generic rules, e.g. ["/users/:id"]. */
    ROUTES: "[]",
    /** Distinct path templates per UTC day before new ones are counted as `(other)`. */
    MAX_PATHS_PER_DAY: "2000",
    /** Days detail events stay in D1 before they are archived to R2 and deleted. */
    HOT_DAYS: "3",
    /** Ingested events older than this many days are rejected. */
    MAX_EVENT_AGE_DAYS: "7",
    /** Paths in a KV snapshot. */
    SNAPSHOT_TOP_N: "100",
    /** Days hourly sketches are kept before they are merged into daily ones. */
    HOURLY_SKETCH_DAYS: "30",
    /** Name of the dead-letter queue as deployed, so `queue()` can tell its batches apart. */
    DEAD_LETTER_QUEUE: "events-dlq",
  },

  /** Secret text bindings, set with `pulumi config set --secret` (never in the repo). */
  secrets: ["ADMIN_TOKEN", "CLIENT_IP_SALT"],
} as const;

export type Manifest = typeof manifest;
export type CronJob = keyof Manifest["crons"];
export type VarName = keyof Manifest["vars"];
export type SecretName = Manifest["secrets"][number];

/** The job a cron schedule stands for, or undefined for a schedule this Worker does not know. */
export function jobForCron(cron: string): CronJob | undefined {
  const entry = Object.entries(manifest.crons).find(([, schedule]) => schedule === cron);
  return entry?.[0] as CronJob | undefined;
}
