/**
 * The bindings manifest: the one source of truth for what the Worker is bound to.
 *
 * `bindings` is one table: every name the Worker sees in `env`, with its kind (d1, kv, r2, queue
 * producer, Durable Object, var, secret) and the resource it points at. From it come the Worker's
 * `Env` type (worker/src/env.ts), the Miniflare options of the local stack and of the tests
 * (scripts/lib/miniflare-options.ts) and the Pulumi bindings (infra/bindings.ts); each of the three
 * switches over the kinds, so a new kind does not compile until all three handle it.
 * Names here are logical; a deployment prefixes them (`pathmeter-<stack>-events`).
 * tests/unit/manifest.test.ts and tests/infra/manifest-agreement.test.ts prove they agree.
 */

/**
 * A binding's kind and what it points at, one variant per kind: `database`, `namespace` and
 * `bucket` are logical resource names; `queue` is a key of `manifest.queues` (the queue a producer
 * sends to); `className` is a class the Worker entry exports; `value` is a var's default, which a
 * deployment may override. `migrationsDir` is relative to the repository root.
 */
export type BindingSpec =
  | { readonly kind: "d1"; readonly database: string; readonly migrationsDir: string }
  | { readonly kind: "kv"; readonly namespace: string }
  | { readonly kind: "r2"; readonly bucket: string }
  | { readonly kind: "queue"; readonly queue: QueueKey }
  | { readonly kind: "durableObject"; readonly className: string }
  | { readonly kind: "var"; readonly value: string }
  | { readonly kind: "secret" };

export type BindingKind = BindingSpec["kind"];

/** Queues and their consumer settings: resources, not bindings (a producer binding names one). */
const queues = {
  events: {
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
} as const;

type QueueKey = keyof typeof queues;

/** Every binding of the Worker, by the name it has in `env`, in upload order. */
const bindings = {
  DB: { kind: "d1", database: "db", migrationsDir: "migrations" },
  SNAPSHOTS: { kind: "kv", namespace: "snapshots" },
  ARCHIVE: { kind: "r2", bucket: "archive" },
  EVENTS_QUEUE: { kind: "queue", queue: "events" },
  /** The live hub: WebSocket fan-out of per-path deltas after each stored batch (dashboard). */
  LIVE_HUB: { kind: "durableObject", className: "LiveHub" },

  /** Prefix under which pathmeter's own endpoints live; every other path is proxied. */
  RESERVED_PREFIX: { kind: "var", value: "/_pathmeter" },
  /** Origin the gateway proxies to, e.g. https://api.example.com. */
  UPSTREAM_URL: { kind: "var", value: "" },
  /** JSON array of route templates matched before the generic rules, e.g. ["/users/:id"]. */
  ROUTES: { kind: "var", value: "[]" },
  /** Distinct path templates per UTC day before new ones are counted as `(other)`. */
  MAX_PATHS_PER_DAY: { kind: "var", value: "2000" },
  /** Days detail events stay in D1 before they are archived to R2 and deleted. */
  HOT_DAYS: { kind: "var", value: "3" },
  /** Ingested events older than this many days are rejected. */
  MAX_EVENT_AGE_DAYS: { kind: "var", value: "7" },
  /** Paths in a KV snapshot. */
  SNAPSHOT_TOP_N: { kind: "var", value: "100" },
  /** Days hourly sketches are kept before they are merged into daily ones. */
  HOURLY_SKETCH_DAYS: { kind: "var", value: "30" },
  /** Name of the dead-letter queue as deployed, so `queue()` can tell its batches apart. */
  DEAD_LETTER_QUEUE: { kind: "var", value: queues.deadLetters.name },

  /** Secret text, set with `pulumi config set --secret` (never in the repo). */
  ADMIN_TOKEN: { kind: "secret" },
  CLIENT_IP_SALT: { kind: "secret" },
} as const satisfies Record<string, BindingSpec>;

type Bindings = typeof bindings;
export type BindingName = keyof Bindings;
/** The names of the bindings of some kinds, e.g. `BindingNameOf<"var">`. */
export type BindingNameOf<K extends BindingKind> = {
  [N in BindingName]: Bindings[N]["kind"] extends K ? N : never;
}[BindingName];
export type VarName = BindingNameOf<"var">;
export type SecretName = BindingNameOf<"secret">;

/** The binding table as typed entries, in table order. */
export function bindingEntries(): [BindingName, BindingSpec][] {
  return Object.entries(bindings) as [BindingName, BindingSpec][];
}

/** Each var's default value, by var name. */
function varDefaults(): { readonly [N in VarName]: Bindings[N]["value"] } {
  const entries = bindingEntries().flatMap(([name, spec]) =>
    spec.kind === "var" ? [[name, spec.value]] : [],
  );
  return Object.fromEntries(entries) as { readonly [N in VarName]: Bindings[N]["value"] };
}

/** The secret names, in table order. */
function secretNames(): readonly SecretName[] {
  return bindingEntries().flatMap(([name, spec]) => (spec.kind === "secret" ? [name as SecretName] : []));
}

export const manifest = {
  /** Entry module name inside the uploaded bundle. */
  mainModule: "index.js",
  /** Newest date the pinned workerd (1.20260426) supports. */
  compatibilityDate: "2026-04-20",
  compatibilityFlags: [] as readonly string[],

  bindings,
  queues: {
    events: { binding: "EVENTS_QUEUE" satisfies BindingNameOf<"queue">, ...queues.events },
    deadLetters: queues.deadLetters,
  },

  // Views of `bindings` for the call sites that name one binding (e.g. `env[manifest.d1.binding]`).
  d1: {
    binding: "DB" satisfies BindingNameOf<"d1">,
    name: bindings.DB.database,
    migrationsDir: bindings.DB.migrationsDir,
  },
  kv: { binding: "SNAPSHOTS" satisfies BindingNameOf<"kv">, name: bindings.SNAPSHOTS.namespace },
  r2: { binding: "ARCHIVE" satisfies BindingNameOf<"r2">, name: bindings.ARCHIVE.bucket },
  /**
   * Durable Object migrations, oldest first and append-only: Cloudflare records the last applied
   * tag per script and skips tags it has seen, so an edited entry would never run. SQLite-backed
   * classes (the only kind the free plan offers).
   */
  durableObjectMigrations: [{ tag: "v1", newSqliteClasses: ["LiveHub"] }],
  /** Plain-text vars with their defaults; a deployment may override the values, never the names. */
  vars: varDefaults(),
  /** Secret text bindings, set with `pulumi config set --secret` (never in the repo). */
  secrets: secretNames(),

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
} as const;

export type Manifest = typeof manifest;
export type CronJob = keyof Manifest["crons"];

/** The job a cron schedule stands for, or undefined for a schedule this Worker does not know. */
export function jobForCron(cron: string): CronJob | undefined {
  const entry = Object.entries(manifest.crons).find(([, schedule]) => schedule === cron);
  return entry?.[0] as CronJob | undefined;
}
