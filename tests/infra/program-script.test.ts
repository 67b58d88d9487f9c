/**
 * The Worker script the Pulumi program uploads for dev and prod (loaded as `pulumi up` loads it, under
 * mocks): its bindings pointing at the created resources, which of them are sent as secrets, the
 * uploaded bundle and its settings, and secrets set with `pulumi config set` winning over generated ones.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OBSERVABILITY } from "../../infra/worker";
import { buildWorker, REPO_ROOT } from "../../scripts/lib/build";
import { manifest } from "../../worker/src/manifest";
import { TEST_SECRETS } from "../secrets";
import {
  isSecretWire,
  only,
  plain,
  runProgram,
  TEST_ACCOUNT_ID,
  TEST_SUBDOMAIN,
  userConfig,
} from "./program-run";
import { GENERATED, runBothStacks, STACKS, T } from "./program-stacks";

const stackUnderTest = runBothStacks();

describe.each(STACKS)("stack %s", (stack) => {
  const { report, name, setting } = stackUnderTest(stack);

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
      { type: "durable_object_namespace", name: "LIVE_HUB", className: "LiveHub" },
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
        "LIVE_HUB",
        ...Object.keys(manifest.vars),
        ...manifest.secrets,
      ].sort(),
    );
    // The live hub's class is created by the script's migrations (dashboard, issue 11).
    expect(plain(script.inputs.migrations)).toEqual({
      newTag: "v1",
      steps: [{ newSqliteClasses: ["LiveHub"] }],
    });
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
