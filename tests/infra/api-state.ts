/**
 * What a refresh reads back for each Cloudflare resource of a stack: the program's applied inputs
 * (Pulumi keeps them in the state) overlaid with every field the API fills in on its own. The
 * values are a record of the API's documented defaults and of what the provider's issue tracker
 * shows the API returning (e.g. read_replication on every D1 database, terraform-provider-cloudflare
 * #6309; observability sampling rates "Default is 1"); they are an assumption of these tests, not
 * something a mock can observe. Only Cloudflare resources are here: the dynamic resources compute
 * their own diff, and random's state is its inputs.
 */
type Inputs = Record<string, unknown>;
type ApiFields = (inputs: Inputs) => Record<string, unknown>;

const TIME = "2026-11-29T00:00:00Z";
const settingsOf = (inputs: Inputs) => (inputs.settings ?? {}) as Record<string, unknown>;

/** Resource type token → the fields the API adds to, or fills in, the applied inputs. */
export const API_FILLED: Record<string, ApiFields> = {
  "cloudflare:index/d1Database:D1Database": () => ({
    uuid: "d1000000-0000-4000-8000-000000000001",
    createdAt: TIME,
    version: "production",
    numTables: 0,
    fileSize: 12_288,
    readReplication: { mode: "disabled" },
  }),
  "cloudflare:index/queue:Queue": (inputs) => ({
    queueId: `queue-id-${String(inputs.queueName)}`,
    createdOn: TIME,
    modifiedOn: TIME,
    producers: [],
    producersTotalCount: 0,
    consumers: [],
    consumersTotalCount: 0,
    settings: {
      deliveryDelay: 0,
      deliveryPaused: false,
      messageRetentionPeriod: 345_600,
      ...settingsOf(inputs),
    },
  }),
  "cloudflare:index/queueConsumer:QueueConsumer": (inputs) => ({
    consumerId: "consumer-id",
    createdOn: TIME,
    queueName: "queue-name",
    settings: { ...settingsOf(inputs), visibilityTimeoutMs: 0 },
  }),
  "cloudflare:index/workersKvNamespace:WorkersKvNamespace": () => ({ supportsUrlEncoding: true }),
  "cloudflare:index/r2Bucket:R2Bucket": () => ({
    creationDate: TIME,
    jurisdiction: "default",
    location: "ENAM",
    storageClass: "Standard",
  }),
  "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle": () => ({ jurisdiction: "default" }),
  "cloudflare:index/workersScript:WorkersScript": () => ({
    createdOn: TIME,
    modifiedOn: TIME,
    etag: "etag",
    handlers: ["fetch", "queue", "scheduled"],
    namedHandlers: [],
    hasAssets: false,
    hasModules: true,
    logpush: false,
    usageModel: "standard",
    placementMode: "",
    placementStatus: "",
    startupTimeMs: 12,
    tailConsumers: [],
    observability: {
      enabled: true,
      headSamplingRate: 1,
      logs: { enabled: true, headSamplingRate: 1, invocationLogs: true, persist: true, destinations: [] },
      traces: {
        enabled: false,
        headSamplingRate: 1,
        persist: true,
        destinations: [],
        propagationPolicy: "authenticated",
      },
    },
  }),
  "cloudflare:index/workersCronTrigger:WorkersCronTrigger": (inputs) => ({
    schedules: ((inputs.schedules ?? []) as { cron: string }[]).map((s) => ({
      ...s,
      createdOn: TIME,
      modifiedOn: TIME,
    })),
  }),
  "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain": () => ({}),
  "cloudflare:index/workersCustomDomain:WorkersCustomDomain": () => ({ environment: "production" }),
  "cloudflare:index/workersRoute:WorkersRoute": () => ({}),
};
