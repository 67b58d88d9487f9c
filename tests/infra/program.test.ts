/**
 * The Pulumi program for dev and prod, loaded the way `pulumi up` loads it (Pulumi's own ts-node
 * registration with ./tsconfig.json, type-checking, in a child process) under mocks: every resource
 * with its inputs, bindings from the manifest pointing at the created resources, consumers, crons,
 * secrets, protection, outputs, and a snapshotted plan per stack.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OBSERVABILITY } from "../../infra/worker";
import { buildWorker, REPO_ROOT } from "../../scripts/lib/build";
import { manifest } from "../../worker/src/manifest";
import { TEST_SECRETS } from "../secrets";
import { renderPlan } from "./plan";
import {
  isSecretWire,
  only,
  type ProgramReport,
  plain,
  runProgram,
  stackFileConfig,
  TEST_ACCOUNT_ID,
  TEST_CLOUDFLARE_TOKEN,
  TEST_SUBDOMAIN,
  userConfig,
} from "./program-run";

const T = {
  provider: "pulumi:providers:cloudflare",
  queue: "cloudflare:index/queue:Queue",
  consumer: "cloudflare:index/queueConsumer:QueueConsumer",
  d1: "cloudflare:index/d1Database:D1Database",
  kv: "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
  r2: "cloudflare:index/r2Bucket:R2Bucket",
  lifecycle: "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle",
  script: "cloudflare:index/workersScript:WorkersScript",
  cron: "cloudflare:index/workersCronTrigger:WorkersCronTrigger",
  subdomain: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
  migrations: "pulumi-nodejs:dynamic/pathmeter:D1Migrations",
  reset: "pulumi-nodejs:dynamic/pathmeter:ResetOnDelete",
  password: "random:index/randomPassword:RandomPassword",
} as const;

/** What the mock's RandomPassword returns for a 64-character password (tests/infra/pulumi-run.cjs). */
const GENERATED = `generated-${"x".repeat(64)}`;

const STACKS = ["dev", "prod"] as const;
const runs: Partial<Record<(typeof STACKS)[number], ProgramReport>> = {};

beforeAll(async () => {
  // As CI runs it: the committed Pulumi.<stack>.yaml and CI's environment, nothing set per user.
  const [dev, prod] = await Promise.all(STACKS.map((stack) => runProgram({ stack, asCi: true })));
  Object.assign(runs, { dev, prod });
}, 180_000);

describe.each(STACKS)("stack %s", (stack) => {
  const report = () => {
    const r = runs[stack];
    if (!r) throw new Error("program did not run");
    return r;
  };
  const name = (logical: string) => `pathmeter-${stack}-${logical}`;
  const setting = async (key: string) => (await stackFileConfig(stack))[`pathmeter:${key}`];

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

  it("binds exactly the manifest's bindings to the created resources' ids and names", async () => {
    const r = report();
    const script = only(r, T.script);
    const bindings = plain(script.inputs.bindings) as { name: string; type: string; [k: string]: unknown }[];
    const stackVar = async (key: string) => (await setting(key)) ?? "";
    expect(bindings).toEqual([
      { type: "d1", name: manifest.d1.binding, id: "d1000000-0000-4000-8000-000000000001" },
      { type: "kv_namespace", name: manifest.kv.binding, namespaceId: "kv00000000000000000000000000000001" },
      { type: "r2_bucket", name: manifest.r2.binding, bucketName: only(r, T.r2).inputs.name },
      { type: "queue", name: manifest.queues.events.binding, queueName: name("events") },
      { type: "plain_text", name: "RESERVED_PREFIX", text: await stackVar("reservedPrefix") },
      { type: "plain_text", name: "UPSTREAM_URL", text: await stackVar("upstreamUrl") },
      { type: "plain_text", name: "ROUTES", text: await stackVar("routes") },
      { type: "plain_text", name: "MAX_PATHS_PER_DAY", text: await stackVar("maxPathsPerDay") },
      { type: "plain_text", name: "HOT_DAYS", text: await stackVar("hotDays") },
      { type: "plain_text", name: "MAX_EVENT_AGE_DAYS", text: await stackVar("maxEventAgeDays") },
      { type: "plain_text", name: "SNAPSHOT_TOP_N", text: await stackVar("snapshotTopN") },
      { type: "plain_text", name: "HOURLY_SKETCH_DAYS", text: await stackVar("hourlySketchDays") },
      {
        type: "plain_text",
        name: "DEAD_LETTER_QUEUE",
        text: only(r, T.queue, name("events-dlq")).inputs.queueName,
      },
      { type: "secret_text", name: "ADMIN_TOKEN", text: GENERATED },
      { type: "secret_text", name: "CLIENT_IP_SALT", text: GENERATED },
    ]);
    expect(bindings.map((b) => b.name).sort()).toEqual(
      [
        manifest.d1.binding,
        manifest.kv.binding,
        manifest.r2.binding,
        manifest.queues.events.binding,
        ...Object.keys(manifest.vars),
        ...manifest.secrets,
      ].sort(),
    );
  });

  it("sends the secret bindings, and only those, as secrets", () => {
    const script = only(report(), T.script);
    const wire = script.wire.bindings as { name: string; type: string; text?: unknown }[];
    expect(Array.isArray(wire)).toBe(true);
    for (const binding of wire) {
      const secret = (manifest.secrets as readonly string[]).includes(binding.name);
      expect(binding.type).toBe(secret ? "secret_text" : binding.type);
      if (binding.text !== undefined) expect(isSecretWire(binding.text)).toBe(secret);
    }
    expect(wire.filter((b) => isSecretWire(b.text)).map((b) => b.name)).toEqual([...manifest.secrets]);
  });

  it("uploads the built module with its sha256, module syntax, the manifest's compatibility and observability", () => {
    const script = only(report(), T.script);
    expect(script.inputs).toMatchObject({
      scriptName: name("gateway"),
      // Relative to infra/, the working directory the CLI gives the program and the provider.
      contentFile: `../dist/pulumi/${stack}/${manifest.mainModule}`,
      mainModule: manifest.mainModule,
      compatibilityDate: manifest.compatibilityDate,
      compatibilityFlags: [...manifest.compatibilityFlags],
      observability: { enabled: true, logs: { enabled: true, invocationLogs: true } },
    });
    expect(script.inputs.observability).toEqual(OBSERVABILITY);
    expect(script.inputs.contentSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(script.inputs).not.toHaveProperty("content");
  });

  it("uploads byte for byte the bundle that the local stack and the e2e tests run", async () => {
    const script = only(report(), T.script);
    const uploaded = await readFile(path.join(REPO_ROOT, "infra", String(script.inputs.contentFile)));
    // scripts/local-stack.ts (npm start, tests/e2e) runs buildWorker() into a directory of its own.
    const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-local-bundle-"));
    try {
      const local = await buildWorker(dir);
      expect(Buffer.compare(uploaded, Buffer.from(local.contents))).toBe(0);
      expect(createHash("sha256").update(uploaded).digest("hex")).toBe(local.sha256);
      expect(script.inputs.contentSha256).toBe(local.sha256);
      expect(script.inputs.mainModule).toBe(local.mainModule);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

describe("a value set with `pulumi config set`", () => {
  it("wins over the generated secrets and CI's environment", async () => {
    const r = await runProgram({
      stack: "dev",
      asCi: true,
      config: userConfig(),
      env: {
        CLOUDFLARE_ACCOUNT_ID: "ffffffffffffffffffffffffffffffff",
        CLOUDFLARE_WORKERS_SUBDOMAIN: "other",
      },
    });
    expect(r.error).toBeUndefined();
    expect(r.resources.filter((x) => x.type === T.password)).toEqual([]);
    const bindings = plain(only(r, T.script).inputs.bindings) as { name: string; text?: string }[];
    const secret = (n: string) => bindings.find((b) => b.name === n)?.text;
    expect([secret("ADMIN_TOKEN"), secret("CLIENT_IP_SALT")]).toEqual([
      TEST_SECRETS.ADMIN_TOKEN,
      TEST_SECRETS.CLIENT_IP_SALT,
    ]);
    expect(plain(r.stackOutputs?.adminToken)).toBe(TEST_SECRETS.ADMIN_TOKEN);
    expect(only(r, T.d1).inputs.accountId).toBe(TEST_ACCOUNT_ID);
    expect(r.stackOutputs?.workerUrl).toBe(`https://pathmeter-dev-gateway.${TEST_SUBDOMAIN}.workers.dev`);
  }, 120_000);
});
