/**
 * Miniflare options generated from the bindings manifest: used by the local stack (`npm start`),
 * the end-to-end tests and the workerd test pool, so all three run with the bindings Pulumi deploys.
 */
import { manifest, type SecretName, type VarName } from "../../worker/src/manifest";

export interface BindingOptions {
  /** Overrides of the manifest's var defaults. */
  vars?: Partial<Record<VarName, string>>;
  /** Every secret the manifest lists. */
  secrets: Record<SecretName, string>;
}

interface QueueConsumerSettings {
  maxBatchSize: number;
  maxWaitTimeMs: number;
  maxRetries: number;
  retryDelaySeconds: number;
}

/** Miniflare's consumer options: batch timeout and retry delay are both in seconds. */
const toMiniflareConsumer = (settings: QueueConsumerSettings, deadLetterQueue?: string) => ({
  maxBatchSize: settings.maxBatchSize,
  maxBatchTimeout: settings.maxWaitTimeMs / 1000,
  maxRetries: settings.maxRetries,
  retryDelay: settings.retryDelaySeconds,
  ...(deadLetterQueue ? { deadLetterQueue } : {}),
});

/** Bindings, queues and compatibility settings of the Worker, without its script. */
export function miniflareBindings(options: BindingOptions) {
  const { events, deadLetters } = manifest.queues;
  const sqliteClasses = new Set<string>(manifest.durableObjectMigrations.flatMap((m) => m.newSqliteClasses));
  return {
    compatibilityDate: manifest.compatibilityDate,
    compatibilityFlags: [...manifest.compatibilityFlags],
    d1Databases: { [manifest.d1.binding]: manifest.d1.name },
    kvNamespaces: { [manifest.kv.binding]: manifest.kv.name },
    r2Buckets: { [manifest.r2.binding]: manifest.r2.name },
    queueProducers: { [events.binding]: { queueName: events.name } },
    // Miniflare has no migrations: `useSQLite` is what `new_sqlite_classes` gives a class deployed.
    durableObjects: Object.fromEntries(
      Object.values(manifest.durableObjects).map((d) => [
        d.binding,
        { className: d.className, useSQLite: sqliteClasses.has(d.className) },
      ]),
    ),
    queueConsumers: {
      [events.name]: toMiniflareConsumer(events.consumer, deadLetters.name),
      [deadLetters.name]: toMiniflareConsumer(deadLetters.consumer),
    },
    bindings: { ...manifest.vars, ...options.vars, ...options.secrets } as Record<string, string>,
  };
}
