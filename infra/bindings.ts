/**
 * The Worker's Pulumi inputs generated from the bindings manifest (invariant 7): bindings, queue
 * consumer settings and cron schedules. Nothing here names a binding or a schedule by hand, so the
 * deployed Worker, the local stack (scripts/lib/miniflare-options.ts) and `Env` cannot drift.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import { manifest, type SecretName, type VarName } from "../worker/src/manifest";
import type { ConsumerSettings } from "./settings";

type Binding = cloudflare.types.input.WorkersScriptBinding;

/** Ids and names of the created resources the bindings point at. */
export interface BindingTargets {
  /** The D1Database's `uuid`. */
  d1DatabaseId: pulumi.Input<string>;
  /** The WorkersKvNamespace's `id`. */
  kvNamespaceId: pulumi.Input<string>;
  /** The R2Bucket's `name`. */
  archiveBucketName: pulumi.Input<string>;
  /** The events Queue's `queueName`. */
  eventsQueueName: pulumi.Input<string>;
  /** The dead-letter Queue's `queueName`, also the DEAD_LETTER_QUEUE var. */
  deadLetterQueueName: pulumi.Input<string>;
}

export type VarValues = Record<Exclude<VarName, "DEAD_LETTER_QUEUE">, pulumi.Input<string>>;

/** Every binding of the manifest, in manifest order: storage, queue, Durable Objects, vars, secrets. */
export function workerBindings(
  targets: BindingTargets,
  vars: VarValues,
  secrets: Record<SecretName, pulumi.Input<string>>,
): Binding[] {
  const varNames = Object.keys(manifest.vars) as VarName[];
  return [
    // D1 binds by database id (`id`), per the Workers upload metadata; `name` is the JS binding name.
    { type: "d1", name: manifest.d1.binding, id: targets.d1DatabaseId },
    { type: "kv_namespace", name: manifest.kv.binding, namespaceId: targets.kvNamespaceId },
    { type: "r2_bucket", name: manifest.r2.binding, bucketName: targets.archiveBucketName },
    { type: "queue", name: manifest.queues.events.binding, queueName: targets.eventsQueueName },
    // Without `scriptName`, a Durable Object binding points at a class this same script exports.
    ...Object.values(manifest.durableObjects).map(
      (d): Binding => ({ type: "durable_object_namespace", name: d.binding, className: d.className }),
    ),
    ...varNames.map(
      (name): Binding => ({
        type: "plain_text",
        name,
        text: name === "DEAD_LETTER_QUEUE" ? targets.deadLetterQueueName : vars[name],
      }),
    ),
    ...manifest.secrets.map((name): Binding => ({ type: "secret_text", name, text: secrets[name] })),
  ];
}

/**
 * Pulumi's consumer settings. Units match the manifest's names: `maxWaitTimeMs` is milliseconds in
 * both, `retryDelay` is seconds (the manifest's `retryDelaySeconds`); only Miniflare's
 * `maxBatchTimeout` differs (seconds), and scripts/lib/miniflare-options.ts converts for it.
 */
export function consumerSettings(settings: ConsumerSettings): cloudflare.types.input.QueueConsumerSettings {
  return {
    batchSize: settings.maxBatchSize,
    maxWaitTimeMs: settings.maxWaitTimeMs,
    maxRetries: settings.maxRetries,
    retryDelay: settings.retryDelaySeconds,
    maxConcurrency: settings.maxConcurrency,
  };
}

/**
 * The script's Durable Object migrations from the manifest. `newTag` is the newest tag; Cloudflare
 * applies only the steps after the tag the script already has, so re-deploying is a no-op.
 */
export function durableObjectMigrations(): cloudflare.types.input.WorkersScriptMigrations {
  const steps = manifest.durableObjectMigrations;
  return {
    newTag: steps[steps.length - 1]?.tag,
    steps: steps.map((step) => ({ newSqliteClasses: [...step.newSqliteClasses] })),
  };
}

/** Every cron schedule of the manifest, in manifest order. */
export function cronSchedules(): string[] {
  return Object.values(manifest.crons);
}
