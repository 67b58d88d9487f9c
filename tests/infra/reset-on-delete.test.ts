/**
 * Deleting the cron trigger or the archive lifecycle resource resets them in the API (the bridged
 * provider's Delete is empty for both): the program guards each with a `ResetOnDelete` that depends
 * on it, and that provider, revived from its serialized form as the dynamic-provider host does,
 * sends the reset PUT with the token, takes a 404 as done and fails loudly on anything else.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ResetOnDeleteInputs, resetOnDeleteProvider } from "../../infra/reset-on-delete-provider";
import { only, type ProgramReport, plain, runProgram, TEST_CLOUDFLARE_TOKEN } from "./program-run";

const TYPE = "pulumi-nodejs:dynamic/pathmeter:ResetOnDelete";
type Provider = typeof resetOnDeleteProvider;

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  body: string;
}
const seen: Seen[] = [];
let server: Server;
let base = "";
let report: ProgramReport;

const readBody = async (req: IncomingMessage): Promise<string> => {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text;
};

beforeAll(async () => {
  server = createServer(async (req, res) => {
    seen.push({
      method: req.method,
      url: req.url,
      authorization: req.headers.authorization,
      body: await readBody(req),
    });
    const status = req.url?.includes("/gone/") ? 404 : req.url?.includes("/broken/") ? 500 : 200;
    res
      .writeHead(status, { "content-type": "application/json" })
      .end('{"success":false,"errors":[{"message":"nope"}]}');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  report = await runProgram({ stack: "dev", asCi: true, typeCheck: false });
}, 120_000);
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function revive(): Provider {
  const source = report.providerSources?.[TYPE] ?? "";
  expect(source).toContain("exports.handler");
  expect(source).not.toContain(TEST_CLOUDFLARE_TOKEN);
  const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
  const requireFromString = pulumiRequire("require-from-string") as (code: string) => { handler(): Provider };
  return requireFromString(source).handler();
}

describe("the program", () => {
  it("guards the cron trigger and the lifecycle resource, each depending on what it resets", () => {
    const guards = report.resources.filter((r) => r.type === TYPE);
    const cron = only(report, "cloudflare:index/workersCronTrigger:WorkersCronTrigger");
    const lifecycle = only(report, "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle");
    const byName = Object.fromEntries(guards.map((g) => [g.name, g]));
    expect(byName["pathmeter-dev-crons-reset"]?.dependencies).toContain(cron.urn);
    expect(byName["pathmeter-dev-crons-reset"]?.inputs).toMatchObject({
      url: "https://api.cloudflare.com/client/v4/accounts/0123456789abcdef0123456789abcdef/workers/scripts/pathmeter-dev-gateway/schedules",
      body: "[]",
    });
    expect(byName["pathmeter-dev-archive-lifecycle-reset"]?.dependencies).toContain(lifecycle.urn);
    const body = JSON.parse(String(byName["pathmeter-dev-archive-lifecycle-reset"]?.inputs.body));
    expect(body.rules.map((r: { id: string }) => r.id)).toEqual(["Default Multipart Abort Rule"]);
    for (const guard of guards) expect(plain(guard.inputs.apiToken)).toBe(TEST_CLOUDFLARE_TOKEN);
  });
});

describe("ResetOnDelete's serialized provider", () => {
  const inputs = (path: string): ResetOnDeleteInputs => ({
    description: "cron schedules of pathmeter-dev-gateway",
    url: `${base}${path}`,
    body: "[]",
    apiToken: "token-1",
  });

  it("changes nothing on create or update, and PUTs the reset body on delete", async () => {
    const provider = revive();
    const target = inputs("/accounts/a/workers/scripts/s/schedules");
    await provider.create(target);
    await provider.update("id", target, { ...target, apiToken: "token-2" });
    expect(seen).toEqual([]);
    await provider.delete("id", target);
    expect(seen).toEqual([
      {
        method: "PUT",
        url: "/accounts/a/workers/scripts/s/schedules",
        authorization: "Bearer token-1",
        body: "[]",
      },
    ]);
  });

  it("takes 404 (already gone) as done and reports any other failure", async () => {
    const provider = revive();
    await expect(provider.delete("id", inputs("/gone/schedules"))).resolves.toBeUndefined();
    await expect(provider.delete("id", inputs("/broken/schedules"))).rejects.toThrow(
      /resetting the cron schedules of pathmeter-dev-gateway failed: HTTP 500/,
    );
  });

  it("replaces itself when the target moves, so the old target is reset", async () => {
    const provider = revive();
    const old = inputs("/accounts/a/workers/scripts/old/schedules");
    expect(await provider.diff("id", old, inputs("/accounts/a/workers/scripts/new/schedules"))).toEqual({
      changes: true,
      replaces: ["url"],
    });
    expect(await provider.diff("id", old, old)).toEqual({ changes: false, replaces: [] });
  });
});
