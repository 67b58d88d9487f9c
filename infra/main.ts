/**
 * The whole stack: config is read and validated first (nothing is created on a bad config), then
 * the Worker is built with the one build function, then queues → data stores → D1 migrations →
 * Worker (+ cron, domain) → queue consumers. Returns the stack outputs.
 */
import path from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import { buildWorker, REPO_ROOT } from "../scripts/lib/build";
import { manifest } from "../worker/src/manifest";
import { cronSchedules, workerBindings } from "./bindings";
import { readStackSettings } from "./config";
import { QueueConsumers } from "./consumers";
import { D1Migrations, readRepoMigrations } from "./migrations";
import { resourceName } from "./names";
import { EventQueues } from "./queues";
import { DataStores } from "./storage";
import { GatewayWorker } from "./worker";

/** Where a stack's upload is written: the same bytes as dist/worker/index.js, per stack. */
export const bundleDir = (stack: string): string => path.join(REPO_ROOT, "dist", "pulumi", stack);

/** Creates the whole stack and returns its outputs (see docs/deploy.md for what each is for). */
export async function main() {
  const settings = readStackSettings();
  const { stack, accountId } = settings;
  const [bundle, files] = await Promise.all([buildWorker(bundleDir(stack)), readRepoMigrations()]);

  const provider = new cloudflare.Provider(resourceName(stack, "cloudflare"), {
    apiToken: settings.apiToken,
  });
  const opts = { providers: [provider] };

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
  const bindings = workerBindings(
    {
      DB: stores.database.uuid,
      SNAPSHOTS: stores.snapshots.id,
      ARCHIVE: stores.archive.name,
      EVENTS_QUEUE: queues.events.queueName,
      deadLetterQueueName: queues.deadLetters.queueName,
    },
    settings.vars,
    { ADMIN_TOKEN: settings.adminToken, CLIENT_IP_SALT: settings.clientIpSalt },
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
    cronSchedules: cronSchedules(),
  };
}
