/**
 * Miniflare options generated from the manifest's binding table: used by the local stack
 * (`npm start`), the end-to-end tests and the workerd test pool, so all three run with the
 * bindings Pulumi deploys (infra/bindings.ts maps the same table).
 */
import {
  type BindingName,
  type BindingSpec,
  bindingEntries,
  manifest,
  type SecretName,
  type VarName,
} from "../../worker/src/manifest";

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

/** The binding options of Miniflare, one record per kind, keyed by binding name. */
interface MiniflareBindingOptions {
  d1Databases: Record<string, string>;
  kvNamespaces: Record<string, string>;
  r2Buckets: Record<string, string>;
  queueProducers: Record<string, { queueName: string }>;
  durableObjects: Record<string, { className: string; useSQLite: boolean }>;
  /** Plain-text bindings: vars and secrets alike. */
  bindings: Record<string, string>;
}

/** Classes the manifest's Durable Object migrations create SQLite-backed. */
const sqliteClasses = () =>
  new Set<string>(manifest.durableObjectMigrations.flatMap((m) => m.newSqliteClasses));

/** Adds one binding of the table to the Miniflare option its kind belongs in. */
function addBinding(
  out: MiniflareBindingOptions,
  name: BindingName,
  spec: BindingSpec,
  text: Record<string, string>,
) {
  switch (spec.kind) {
    case "d1":
      out.d1Databases[name] = spec.database;
      return;
    case "kv":
      out.kvNamespaces[name] = spec.namespace;
      return;
    case "r2":
      out.r2Buckets[name] = spec.bucket;
      return;
    case "queue":
      out.queueProducers[name] = { queueName: manifest.queues[spec.queue].name };
      return;
    case "durableObject":
      // Miniflare has no migrations: `useSQLite` is what `new_sqlite_classes` gives a deployed class.
      out.durableObjects[name] = {
        className: spec.className,
        useSQLite: sqliteClasses().has(spec.className),
      };
      return;
    case "var":
      out.bindings[name] = text[name] ?? spec.value;
      return;
    case "secret": {
      const secret = text[name];
      if (secret === undefined) throw new Error(`no value given for the ${name} secret`);
      out.bindings[name] = secret;
      return;
    }
  }
}

/** Bindings, queues and compatibility settings of the Worker, without its script. */
export function miniflareBindings(options: BindingOptions) {
  const { events, deadLetters } = manifest.queues;
  const text: Record<string, string> = { ...options.vars, ...options.secrets };
  const out: MiniflareBindingOptions = {
    d1Databases: {},
    kvNamespaces: {},
    r2Buckets: {},
    queueProducers: {},
    durableObjects: {},
    bindings: {},
  };
  for (const [name, spec] of bindingEntries()) addBinding(out, name, spec, text);
  return {
    compatibilityDate: manifest.compatibilityDate,
    compatibilityFlags: [...manifest.compatibilityFlags],
    ...out,
    queueConsumers: {
      [events.name]: toMiniflareConsumer(events.consumer, deadLetters.name),
      [deadLetters.name]: toMiniflareConsumer(deadLetters.consumer),
    },
  };
}
