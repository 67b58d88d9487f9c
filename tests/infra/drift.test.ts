/**
 * No drift after a refresh: for every Cloudflare resource of dev and prod, the program's inputs
 * against the state a refresh would read back (applied inputs + what the API fills in, recorded in
 * api-state.ts) plan no update, judged with the provider's own rule for unset fields
 * (provider-schema.ts, from @pulumi/cloudflare's declarations). What this proves: every field we
 * recorded the API as filling in is either pinned by the program to the API's value or kept by the
 * provider. What it cannot prove: that the live API returns exactly the recorded values.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { API_FILLED } from "./api-state";
import { isSecretWire, type ProgramReport, type RecordedResource, runProgram } from "./program-run";
import { resourceSchema } from "./provider-schema";
import { overlay, refreshDiff } from "./refresh-diff";

const STACKS = ["dev", "prod"] as const;
const runs: Partial<Record<string, ProgramReport>> = {};

beforeAll(async () => {
  const reports = await Promise.all(
    STACKS.map((stack) => runProgram({ stack, asCi: true, typeCheck: false })),
  );
  STACKS.forEach((stack, i) => {
    runs[stack] = reports[i];
  });
}, 180_000);

/** The inputs with every secret wrapper replaced by its value (the state holds plain values). */
function unwrap(value: unknown): unknown {
  if (isSecretWire(value)) return unwrap((value as { value: unknown }).value);
  if (Array.isArray(value)) return value.map(unwrap);
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  return value;
}

const cloudflareResources = (stack: string): RecordedResource[] =>
  (runs[stack]?.resources ?? []).filter((r) => r.type.startsWith("cloudflare:index/"));

/** The plan after a refresh of `resource` whose live state is its inputs plus the API's fields. */
function planAfterRefresh(type: string, inputs: Record<string, unknown>): string[] {
  const filled = API_FILLED[type];
  if (!filled) throw new Error(`no recorded API state for ${type}`);
  return refreshDiff(inputs, overlay(inputs, filled(inputs)), resourceSchema(type));
}

describe.each(STACKS)("stack %s after a refresh", (stack) => {
  it("plans no change for any Cloudflare resource", () => {
    const resources = cloudflareResources(stack);
    expect(resources.length).toBeGreaterThanOrEqual(10);
    for (const resource of resources) {
      const inputs = unwrap(resource.inputs) as Record<string, unknown>;
      expect(planAfterRefresh(resource.type, inputs), resource.name).toEqual([]);
    }
  });
});

describe("the refresh diff", () => {
  const d1 = "cloudflare:index/d1Database:D1Database";
  const script = "cloudflare:index/workersScript:WorkersScript";

  it("reads the provider's rule from @pulumi/cloudflare: readReplication optional, uuid and location computed", () => {
    expect(resourceSchema(d1).readReplication?.computed).toBe(false);
    expect(resourceSchema(d1).uuid?.computed).toBe(true);
    expect(resourceSchema("cloudflare:index/r2Bucket:R2Bucket").location?.computed).toBe(true);
    expect(resourceSchema(script).observability?.fields?.logs?.fields?.persist?.computed).toBe(true);
    expect(resourceSchema(script).observability?.fields?.logs?.fields?.headSamplingRate?.computed).toBe(
      false,
    );
  });

  it("finds the drift of a D1 database created without readReplication (provider bug #6309)", () => {
    const found = planAfterRefresh(d1, { accountId: "a", name: "pathmeter-dev-db" });
    expect(found).toEqual([expect.stringMatching(/^readReplication: not set, so planned as null/)]);
  });

  it("finds API-filled observability fields the program leaves unset, and a value that differs", () => {
    const partial = { observability: { enabled: true, logs: { enabled: true, invocationLogs: true } } };
    const found = planAfterRefresh(script, partial);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^observability\.headSamplingRate: not set/),
        expect.stringMatching(/^observability\.logs\.headSamplingRate: not set/),
        expect.stringMatching(/^observability\.traces: not set/),
      ]),
    );
    expect(found.some((f) => f.startsWith("observability.logs.persist"))).toBe(false);
    expect(refreshDiff({ a: 1 }, { a: 2 }, {})).toEqual(["a: 1 → the API has 2"]);
  });
});
