/**
 * The Pulumi program for dev and prod, loaded the way `pulumi up` loads it (Pulumi's own ts-node
 * registration with ./tsconfig.json, type-checking, in a child process) under mocks: every resource
 * with its inputs, the provider, queues and consumers, storage and its protection, migrations,
 * crons, outputs, and a snapshotted plan per stack. The Worker script itself: program-script.test.ts.
 */
import { describe, expect, it } from "vitest";
import { manifest } from "../../worker/src/manifest";
import { renderPlan } from "./plan";
import {
  isSecretWire,
  only,
  plain,
  TEST_ACCOUNT_ID,
  TEST_CLOUDFLARE_TOKEN,
  TEST_SUBDOMAIN,
} from "./program-run";
import { GENERATED, runBothStacks, STACKS, T } from "./program-stacks";

const stackUnderTest = runBothStacks();

describe.each(STACKS)("stack %s", (stack) => {
  const { report, name, setting } = stackUnderTest(stack);

  it("runs through Pulumi's loader and registers every resource, each named pathmeter-<stack>-…", () => {
    const r = report();
    expect(r.error).toBeUndefined();
    expect(r.ok).toBe(true);
    const custom = r.resources.filter((x) => x.custom && x.type !== T.provider);
    expect(custom.map((x) => x.type).sort()).toEqual(
      [
        T.queue,
        T.queue,
        T.consumer,
        T.consumer,
        T.d1,
        T.kv,
        T.r2,
        T.lifecycle,
        T.script,
        T.cron,
        T.subdomain,
        T.migrations,
        T.reset,
        T.reset,
        T.password,
        T.password,
      ].sort(),
    );
    for (const resource of r.resources.filter((x) => x.type !== "pulumi:pulumi:Stack"))
      expect(resource.name).toMatch(new RegExp(`^pathmeter-${stack}-[a-z0-9-]+$`));
  });

  it("manages every Cloudflare resource with the explicit provider holding the secret API token", () => {
    const r = report();
    const provider = only(r, T.provider);
    expect(isSecretWire(provider.wire.apiToken)).toBe(true);
    expect(plain(provider.inputs.apiToken)).toBe(TEST_CLOUDFLARE_TOKEN);
    expect(plain(only(r, T.provider).inputs.apiToken)).toBe(TEST_CLOUDFLARE_TOKEN);
    for (const resource of r.resources.filter((x) => x.type.startsWith("cloudflare:"))) {
      expect(resource.provider).toBe(`${provider.urn}::${provider.name}-id`);
      if ("accountId" in resource.inputs) expect(resource.inputs.accountId).toBe(TEST_ACCOUNT_ID);
    }
  });

  it("creates the events queue and its dead-letter queue with the stack's retention", async () => {
    const retention = Number(await setting("queueRetentionSeconds"));
    for (const logical of ["events", "events-dlq"]) {
      const queue = only(report(), T.queue, name(logical));
      expect(queue.inputs).toMatchObject({
        queueName: name(logical),
        settings: { messageRetentionPeriod: retention },
      });
    }
  });

  it("creates D1, KV and R2, protected exactly when the stack says so", async () => {
    const protect = (await setting("protectData")) === "true";
    expect(protect).toBe(stack === "prod");
    expect(only(report(), T.d1).inputs).toMatchObject({
      name: name(manifest.d1.name),
      readReplication: { mode: "disabled" },
    });
    expect(only(report(), T.kv).inputs.title).toBe(name(manifest.kv.name));
    expect(only(report(), T.r2).inputs.name).toBe(name(manifest.r2.name));
    for (const type of [T.d1, T.kv, T.r2]) expect(only(report(), type).protect).toBe(protect);
    expect(only(report(), T.lifecycle).protect).toBe(false);
  });

  it("expires archive/ objects after the stack's retention and keeps R2's default multipart-abort rule", async () => {
    const days = Number(await setting("archiveRetentionDays"));
    const lifecycle = only(report(), T.lifecycle);
    expect(lifecycle.inputs.bucketName).toBe(name(manifest.r2.name));
    expect(lifecycle.inputs.rules).toEqual([
      {
        id: "Default Multipart Abort Rule",
        enabled: true,
        conditions: { prefix: "" },
        abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: 7 * 86_400 } },
      },
      {
        id: "pathmeter archive retention",
        enabled: true,
        conditions: { prefix: "archive/" },
        deleteObjectsTransition: { condition: { type: "Age", maxAge: days * 86_400 } },
      },
    ]);
  });

  it("applies the D1 migrations before the Worker is updated", () => {
    const r = report();
    const migrations = only(r, T.migrations);
    const script = only(r, T.script);
    expect(script.dependencies).toContain(migrations.urn);
    expect(migrations.dependencies).toContain(only(r, T.d1).urn);
    expect(migrations.inputs.databaseId).toBe("d1000000-0000-4000-8000-000000000001");
    expect(migrations.inputs.apiBaseUrl).toBe("https://api.cloudflare.com/client/v4");
    expect(isSecretWire(migrations.wire.apiToken)).toBe(true);
    expect(Object.keys(migrations.inputs.migrations as object)).toContain("0001_core_pipeline.sql");
  });

  it("consumes events with the DLQ's name as deadLetterQueue, the queue's id, and units as in the manifest", async () => {
    const r = report();
    const events = only(r, T.consumer, name("events-consumer"));
    const { consumer } = manifest.queues.events;
    expect(events.inputs).toEqual({
      accountId: TEST_ACCOUNT_ID,
      queueId: `queue-id-${name("events")}`,
      scriptName: name("gateway"),
      type: "worker",
      deadLetterQueue: name("events-dlq"),
      settings: {
        batchSize: consumer.maxBatchSize,
        maxWaitTimeMs: consumer.maxWaitTimeMs,
        maxRetries: consumer.maxRetries,
        retryDelay: consumer.retryDelaySeconds,
        maxConcurrency: Number(await setting("eventsMaxConcurrency")),
      },
    });
    // 5000 ms stays 5000 (Pulumi takes ms); Miniflare's seconds never leak into Pulumi.
    expect((events.inputs.settings as { maxWaitTimeMs: number }).maxWaitTimeMs).toBe(5_000);
    const dlq = only(r, T.consumer, name("events-dlq-consumer"));
    const d = manifest.queues.deadLetters.consumer;
    expect(dlq.inputs).toEqual({
      accountId: TEST_ACCOUNT_ID,
      queueId: `queue-id-${name("events-dlq")}`,
      scriptName: name("gateway"),
      type: "worker",
      settings: {
        batchSize: d.maxBatchSize,
        maxWaitTimeMs: d.maxWaitTimeMs,
        maxRetries: d.maxRetries,
        retryDelay: d.retryDelaySeconds,
        maxConcurrency: d.maxConcurrency,
      },
    });
    for (const c of [events, dlq]) expect(c.dependencies).toContain(only(r, T.script).urn);
  });

  it("has one cron trigger with the manifest's (at most two) triggers, and the workers.dev subdomain on", () => {
    const cron = only(report(), T.cron);
    expect(manifest.cronTriggers.length).toBeLessThanOrEqual(2);
    expect(cron.inputs).toEqual({
      accountId: TEST_ACCOUNT_ID,
      scriptName: name("gateway"),
      schedules: manifest.cronTriggers.map((c) => ({ cron: c })),
    });
    expect(only(report(), T.subdomain).inputs).toEqual({
      accountId: TEST_ACCOUNT_ID,
      scriptName: name("gateway"),
      enabled: true,
      previewsEnabled: false,
    });
  });

  it("exports exactly the documented outputs, only adminToken secret", () => {
    const outputs = report().stackOutputs ?? {};
    const base = `https://${name("gateway")}.${TEST_SUBDOMAIN}.workers.dev`;
    expect(outputs).toEqual({
      workerUrl: base,
      dashboardUrl: `${base}/_pathmeter/dashboard`,
      statsApiUrl: `${base}/_pathmeter/api/stats`,
      ingestUrl: `${base}/_pathmeter/ingest`,
      d1DatabaseId: "d1000000-0000-4000-8000-000000000001",
      kvNamespaceId: "kv00000000000000000000000000000001",
      archiveBucket: name("archive"),
      queueName: name("events"),
      deadLetterQueueName: name("events-dlq"),
      cronSchedules: [...manifest.cronTriggers],
      adminToken: expect.anything(),
    });
    expect(isSecretWire(outputs.adminToken)).toBe(true);
    expect(plain(outputs.adminToken)).toBe(GENERATED);
    const { adminToken: _, ...plainOutputs } = outputs;
    expect(JSON.stringify(plainOutputs)).not.toContain("4dabf18193072939515e22adb298388d");
  });

  it("matches the reviewed plan", async () => {
    await expect(renderPlan(report(), stack)).toMatchFileSnapshot(`__snapshots__/${stack}.plan.txt`);
  });
});
