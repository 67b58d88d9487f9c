/**
 * The Worker's Pulumi inputs generated from the bindings manifest (invariant 7): bindings, queue
 * consumer settings and cron schedules. Every binding comes from the manifest's one table, each
 * kind mapped to its @pulumi/cloudflare `WorkersScriptBinding` shape, so the deployed Worker, the
 * local stack (scripts/lib/miniflare-options.ts) and `Env` cannot drift.
 */
import type * as cloudflare from "@pulumi/cloudflare";
import type * as pulumi from "@pulumi/pulumi";
import {
  type BindingName,
  type BindingNameOf,
  type BindingSpec,
  bindingEntries,
  manifest,
  type SecretName,
  type VarName,
} from "../worker/src/manifest";
import type { ConsumerSettings } from "./settings";

type Binding = cloudflare.types.input.WorkersScriptBinding;

/**
 * What each resource binding points at, by binding name: a D1Database's `uuid`, a
 * WorkersKvNamespace's `id`, an R2Bucket's `name`, a Queue's `queueName`.
 */
export type ResourceIds = Record<BindingNameOf<"d1" | "kv" | "r2" | "queue">, pulumi.Input<string>>;

/** The created resources the bindings point at. */
export interface BindingTargets extends ResourceIds {
  /** The dead-letter Queue's `queueName`, the value of the DEAD_LETTER_QUEUE var. */
  deadLetterQueueName: pulumi.Input<string>;
}

export type VarValues = Record<Exclude<VarName, "DEAD_LETTER_QUEUE">, pulumi.Input<string>>;

/** Values of the bindings that are not resources: every var and every secret. */
type TextValues = Record<VarName | SecretName, pulumi.Input<string>>;

/** The value given for a binding (a resource id, a var, a secret); throws when none was given. */
function givenValue(values: BindingTargets | TextValues, name: BindingName): pulumi.Input<string> {
  const value = (values as Partial<Record<string, pulumi.Input<string>>>)[name];
  if (value === undefined) throw new Error(`no value given for the ${name} binding`);
  return value;
}

/** One binding in the Workers upload shape; `text` holds the value of a var or secret. */
function toPulumiBinding(
  name: BindingName,
  spec: BindingSpec,
  targets: BindingTargets,
  text: TextValues,
): Binding {
  switch (spec.kind) {
    // D1 binds by database id (`id`), per the Workers upload metadata; `name` is the JS binding name.
    case "d1":
      return { type: "d1", name, id: givenValue(targets, name) };
    case "kv":
      return { type: "kv_namespace", name, namespaceId: givenValue(targets, name) };
    case "r2":
      return { type: "r2_bucket", name, bucketName: givenValue(targets, name) };
    case "queue":
      return { type: "queue", name, queueName: givenValue(targets, name) };
    // Without `scriptName`, a Durable Object binding points at a class this same script exports.
    case "durableObject":
      return { type: "durable_object_namespace", name, className: spec.className };
    case "var":
      return { type: "plain_text", name, text: givenValue(text, name) };
    case "secret":
      return { type: "secret_text", name, text: givenValue(text, name) };
  }
}

/** Every binding of the manifest's table, in table order. */
export function workerBindings(
  targets: BindingTargets,
  vars: VarValues,
  secrets: Record<SecretName, pulumi.Input<string>>,
): Binding[] {
  const text: TextValues = { ...vars, DEAD_LETTER_QUEUE: targets.deadLetterQueueName, ...secrets };
  return bindingEntries().map(([name, spec]) => toPulumiBinding(name, spec, targets, text));
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

/** The cron triggers of the manifest: each invocation runs the jobs due at its time (jobs/dispatch.ts). */
export function cronSchedules(): string[] {
  return [...manifest.cronTriggers];
}
