/**
 * The whole stack, in named steps: config is read and validated first (nothing is created on a bad
 * config), the Worker is built with the one build function, then secrets → queues → data stores →
 * D1 migrations → Worker (+ cron, domain) → queue consumers → reset guards. Returns the outputs.
 */
import path from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { buildWorker, REPO_ROOT, type WorkerBundle } from "../scripts/lib/build";
import type { MigrationFile } from "../scripts/lib/migrations";
import { manifest } from "../worker/src/manifest";
import { cronSchedules, workerBindings } from "./bindings";
import { readStackSettings, type StackSettings } from "./config";
import { QueueConsumers } from "./consumers";
import { D1Migrations, readRepoMigrations } from "./migrations";
import { resourceName } from "./names";
import { EventQueues } from "./queues";
import { guardDeletes } from "./reset-guards";
import { StackSecrets } from "./secrets";
import { DataStores } from "./storage";
import { GatewayWorker } from "./worker";

/** Where a stack's upload is written: the same bytes as dist/worker/index.js, per stack. */
export const bundleDir = (stack: string): string => path.join(REPO_ROOT, "dist", "pulumi", stack);

type ProviderOpts = { providers: cloudflare.Provider[] };

/** Queues, D1/KV/R2 and the schema: everything the Worker binds to. */
function createBackends(settings: StackSettings, files: readonly MigrationFile[], opts: ProviderOpts) {
  const { stack, accountId } = settings;
  const queues = new EventQueues(
    resourceName(stack, "queues"),
    { stack, accountId, messageRetentionSeconds: settings.queueRetentionSeconds },
    opts,
  );
  const stores = new DataStores(
    resourceName(stack, "data"),
    { stack, accountId, archiveRetentionDays: settings.archiveRetentionDays, protect: settings.protectData },
    opts,
  );
  const migrations = new D1Migrations(resourceName(stack, "migrations"), {
    accountId,
    databaseId: stores.database.uuid,
    apiToken: settings.apiToken,
    files,
  });
  return { queues, stores, migrations };
}

type Backends = ReturnType<typeof createBackends>;

/** The Worker bound to the backends, uploaded once the migrations ran, and its queue consumers. */
function createWorker(
  settings: StackSettings,
  bundle: WorkerBundle,
  { queues, stores, migrations }: Backends,
  secrets: StackSecrets,
  opts: ProviderOpts,
) {
  const { stack, accountId } = settings;
  const bindings = workerBindings(
    {
      DB: stores.database.uuid,
      SNAPSHOTS: stores.snapshots.id,
      ARCHIVE: stores.archive.name,
      EVENTS_QUEUE: queues.events.queueName,
      deadLetterQueueName: queues.deadLetters.queueName,
    },
    settings.vars,
    { ADMIN_TOKEN: secrets.adminToken, CLIENT_IP_SALT: secrets.clientIpSalt },
  );
  const worker = new GatewayWorker(
    resourceName(stack, "worker"),
    { stack, accountId, bundle, bindings, domain: settings.domain, runAfter: [migrations] },
    opts,
  );
  new QueueConsumers(
    resourceName(stack, "consumers"),
    {
      stack,
      accountId,
      scriptName: worker.script.scriptName,
      events: queues.events,
      deadLetters: queues.deadLetters,
      eventsSettings: settings.eventsConsumer,
      deadLetterSettings: manifest.queues.deadLetters.consumer,
    },
    opts,
  );
  return worker;
}

/** The stack outputs (docs/deploy.md says what each is for); only adminToken is secret. */
function stackOutputs(
  settings: StackSettings,
  { queues, stores }: Backends,
  worker: GatewayWorker,
  secrets: StackSecrets,
) {
  const api = `${worker.url}${settings.vars.RESERVED_PREFIX}`;
  return {
    /** Base URL of the gateway: every path outside the reserved prefix is proxied and recorded. */
    workerUrl: worker.url,
    dashboardUrl: `${api}/dashboard`,
    statsApiUrl: `${api}/api/stats`,
    ingestUrl: `${api}/ingest`,
    d1DatabaseId: stores.database.uuid,
    kvNamespaceId: stores.snapshots.id,
    archiveBucket: stores.archive.name,
    queueName: queues.events.queueName,
    deadLetterQueueName: queues.deadLetters.queueName,
    /** The cron triggers deployed; each invocation runs the jobs due at its time. */
    cronSchedules: cronSchedules(),
    /** `pulumi stack output adminToken --show-secrets` */
    adminToken: pulumi.secret(secrets.adminToken),
  };
}

/** Creates the whole stack and returns its outputs. */
export async function main() {
  const settings = readStackSettings();
  const { stack } = settings;
  const [bundle, files] = await Promise.all([buildWorker(bundleDir(stack)), readRepoMigrations()]);
  const provider = new cloudflare.Provider(resourceName(stack, "cloudflare"), {
    apiToken: settings.apiToken,
  });
  const opts = { providers: [provider] };
  const secrets = new StackSecrets(resourceName(stack, "secrets"), {
    stack,
    adminToken: settings.adminToken,
    clientIpSalt: settings.clientIpSalt,
  });
  const backends = createBackends(settings, files, opts);
  const worker = createWorker(settings, bundle, backends, secrets, opts);
  guardDeletes(settings, worker, backends.stores);
  return stackOutputs(settings, backends, worker, secrets);
}
