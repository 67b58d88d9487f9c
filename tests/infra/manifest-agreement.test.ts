/**
 * Invariant 7, Pulumi side: the bindings, consumer settings and cron schedules Pulumi deploys are
 * generated from the manifest and agree with the Miniflare options the local stack and the tests
 * run with (tests/unit/manifest.test.ts covers manifest ⇄ Env ⇄ Miniflare).
 */
import { describe, expect, it } from "vitest";
import {
  consumerSettings,
  cronSchedules,
  durableObjectMigrations,
  workerBindings,
} from "../../infra/bindings";
import { DEFAULTS } from "../../infra/settings";
import { miniflareBindings } from "../../scripts/lib/miniflare-options";
import { jobForCron, manifest } from "../../worker/src/manifest";
import { TEST_SECRETS } from "../secrets";

const targets = {
  d1DatabaseId: "uuid",
  kvNamespaceId: "kv-id",
  archiveBucketName: "bucket",
  eventsQueueName: "pathmeter-x-events",
  deadLetterQueueName: "pathmeter-x-events-dlq",
};
const { DEAD_LETTER_QUEUE: _, ...vars } = DEFAULTS.vars;
const pulumiBindings = workerBindings(targets, vars, TEST_SECRETS);
const local = miniflareBindings({ secrets: TEST_SECRETS });
const kindOf = (name: string) => pulumiBindings.find((b) => b.name === name)?.type;

describe("bindings", () => {
  it("are the Miniflare bindings, name for name and kind for kind", () => {
    expect(pulumiBindings.map((b) => b.name).sort()).toEqual(
      [
        ...Object.keys(local.d1Databases),
        ...Object.keys(local.kvNamespaces),
        ...Object.keys(local.r2Buckets),
        ...Object.keys(local.queueProducers),
        ...Object.keys(local.durableObjects),
        ...Object.keys(local.bindings),
      ].sort(),
    );
    for (const name of Object.keys(local.d1Databases)) expect(kindOf(name)).toBe("d1");
    for (const name of Object.keys(local.kvNamespaces)) expect(kindOf(name)).toBe("kv_namespace");
    for (const name of Object.keys(local.r2Buckets)) expect(kindOf(name)).toBe("r2_bucket");
    for (const name of Object.keys(local.queueProducers)) expect(kindOf(name)).toBe("queue");
    for (const [name, { className }] of Object.entries(local.durableObjects)) {
      expect(kindOf(name)).toBe("durable_object_namespace");
      expect(pulumiBindings.find((b) => b.name === name)?.className).toBe(className);
    }
    for (const name of Object.keys(manifest.vars)) expect(kindOf(name)).toBe("plain_text");
    for (const name of manifest.secrets) expect(kindOf(name)).toBe("secret_text");
  });

  it("carry the var values and point the DEAD_LETTER_QUEUE var at the deployed DLQ", () => {
    for (const [name, value] of Object.entries(vars))
      expect(pulumiBindings.find((b) => b.name === name)?.text).toBe(value);
    expect(pulumiBindings.find((b) => b.name === "DEAD_LETTER_QUEUE")?.text).toBe(
      targets.deadLetterQueueName,
    );
    expect(pulumiBindings.find((b) => b.type === "queue")?.queueName).toBe(targets.eventsQueueName);
  });
});

describe("queue consumers", () => {
  const cases = [
    ["events", manifest.queues.events.consumer, manifest.queues.events.name],
    ["dead letters", manifest.queues.deadLetters.consumer, manifest.queues.deadLetters.name],
  ] as const;

  it.each(cases)(
    "%s: Pulumi (ms) and Miniflare (s) settings describe the same consumer",
    (_, consumer, queue) => {
      const deployed = consumerSettings(consumer);
      const miniflare = local.queueConsumers[queue];
      if (!miniflare) throw new Error(`no Miniflare consumer for ${queue}`);
      expect(deployed.batchSize).toBe(miniflare.maxBatchSize);
      expect(deployed.maxWaitTimeMs).toBe(miniflare.maxBatchTimeout * 1000);
      expect(deployed.retryDelay).toBe(miniflare.retryDelay);
      expect(deployed.maxRetries).toBe(miniflare.maxRetries);
      expect(deployed.maxConcurrency).toBe(consumer.maxConcurrency);
    },
  );

  it("sends failed events to the dead-letter queue in both worlds", () => {
    expect(local.queueConsumers[manifest.queues.events.name]?.deadLetterQueue).toBe(
      manifest.queues.deadLetters.name,
    );
  });
});

describe("crons", () => {
  it("deploy every manifest schedule, each dispatching to a known job", () => {
    expect(cronSchedules()).toEqual(Object.values(manifest.crons));
    expect(new Set(cronSchedules()).size).toBe(cronSchedules().length);
    for (const cron of cronSchedules()) expect(jobForCron(cron)).toBeDefined();
  });
});

describe("Durable Object migrations", () => {
  it("create every class the bindings name, as SQLite classes (what Miniflare runs locally)", () => {
    const migrations = durableObjectMigrations();
    const created = (migrations.steps as { newSqliteClasses?: string[] }[]).flatMap(
      (s) => s.newSqliteClasses ?? [],
    );
    for (const { className, useSQLite } of Object.values(local.durableObjects)) {
      expect(created).toContain(className);
      expect(useSQLite).toBe(true);
    }
    expect(migrations.newTag).toBe(manifest.durableObjectMigrations.at(-1)?.tag);
  });
});
