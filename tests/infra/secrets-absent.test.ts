/**
 * No secret in what a deployment publishes (issue 12, invariant 6): the Worker bundle that is
 * uploaded holds no admin token, IP salt or API token (nor the local default token); the Pulumi
 * stack's outputs hold none in plain text (the admin token only as a Pulumi secret, so a generated
 * one can be read with `--show-secrets`); and every resource input that carries one carries it as
 * a Pulumi secret (so the state and the CLI show it encrypted), never in plain text.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildWorker } from "../../scripts/lib/build";
import { TEST_SECRETS } from "../secrets";
import { isSecretWire, type ProgramReport, runProgram, TEST_CLOUDFLARE_TOKEN } from "./program-run";

const SECRETS: Record<string, string> = { ...TEST_SECRETS, CLOUDFLARE_API_TOKEN: TEST_CLOUDFLARE_TOKEN };

/** Which secrets (by name) occur in `text`. */
const secretsIn = (text: string, secrets: Record<string, string> = SECRETS): string[] =>
  Object.entries(secrets)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);

/** Paths inside a wire value where a secret occurs outside a Pulumi secret wrapper. */
function plainSecrets(value: unknown, at: string): string[] {
  if (isSecretWire(value)) return [];
  if (typeof value === "string") return secretsIn(value).map((name) => `${at}: ${name}`);
  if (Array.isArray(value)) return value.flatMap((item, i) => plainSecrets(item, `${at}[${i}]`));
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([key, item]) => plainSecrets(item, `${at}.${key}`));
  return [];
}

describe("the uploaded bundle", () => {
  it("holds no secret, not even the local default token", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-secrets-"));
    try {
      const bundle = await buildWorker(dir);
      const text = new TextDecoder().decode(bundle.contents);
      expect(text.length).toBeGreaterThan(10_000);
      expect(secretsIn(text, { ...SECRETS, LOCAL_DEFAULT_TOKEN: "dev-token" })).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("the Pulumi program (prod stack, under mocks)", () => {
  let report: ProgramReport;
  beforeAll(async () => {
    report = await runProgram({ stack: "prod" });
  }, 180_000);

  it("ran, and passed the secrets on (to the Worker and the provider)", () => {
    expect(report.error).toBeUndefined();
    const wire = JSON.stringify(report.resources.map((r) => r.wire));
    expect(secretsIn(wire).sort()).toEqual(["ADMIN_TOKEN", "CLIENT_IP_SALT", "CLOUDFLARE_API_TOKEN"]);
  });

  it("exports no secret in plain text: the admin token only as a Pulumi secret, for `--show-secrets`", () => {
    const outputs = report.stackOutputs ?? {};
    expect(Object.keys(outputs)).toContain("workerUrl");
    expect(plainSecrets(outputs, "outputs")).toEqual([]);
    const wrapped = Object.entries(outputs).filter(([, value]) => isSecretWire(value));
    expect(wrapped.map(([key]) => key)).toEqual(["adminToken"]);
  });

  it("passes every secret to resources wrapped as a Pulumi secret, never in plain text", () => {
    for (const resource of report.resources)
      expect(plainSecrets(resource.wire, resource.name), resource.urn).toEqual([]);
    expect(secretsIn(JSON.stringify(report.providerSources ?? {}))).toEqual([]);
  });
});
