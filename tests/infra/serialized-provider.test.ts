/**
 * The migrations provider as Pulumi stores and runs it: serialized by Pulumi's closure serializer
 * while the program runs under Pulumi's loader, then revived the way the dynamic-provider host
 * does (`requireFromString(source).handler()`) and driven against a real local D1 over HTTP.
 */
import { createRequire } from "node:module";
import { afterAll, beforeAll, expect, it } from "vitest";
import { readRepoMigrations } from "../../infra/migrations";
import type { D1MigrationsInputs, d1MigrationsProvider } from "../../infra/migrations-provider";
import { sha256 } from "../../scripts/lib/migrations";
import { TEST_SECRETS } from "../secrets";
import { type LocalD1Api, startLocalD1Api } from "./d1-http-server";
import { runProgram, TEST_CLOUDFLARE_TOKEN } from "./program-run";

type Provider = typeof d1MigrationsProvider;
const DATABASE = "00000000-0000-4000-8000-0000000000aa";
const BROKEN = "00000000-0000-4000-8000-0000000000bb";
let api: LocalD1Api;
let source = "";

beforeAll(async () => {
  const [report, started] = await Promise.all([
    runProgram({ stack: "ci-serialize", configFile: "dev", typeCheck: false }),
    startLocalD1Api([DATABASE, BROKEN]),
  ]);
  api = started;
  expect(report.error).toBeUndefined();
  source = report.providerSources?.["pulumi-nodejs:dynamic/pathmeter:D1Migrations"] ?? "";
}, 120_000);
afterAll(async () => {
  await api?.close();
});

/** Exactly what @pulumi/pulumi/cmd/dynamic-provider does with the `__provider` property. */
function revive(serialized: string): Provider {
  const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi/package.json"));
  const requireFromString = pulumiRequire("require-from-string") as (code: string) => { handler(): Provider };
  return requireFromString(serialized).handler();
}

it("is serialized without any secret and without references to the repository's TypeScript", () => {
  expect(source).toContain("exports.handler");
  for (const secret of [TEST_CLOUDFLARE_TOKEN, TEST_SECRETS.ADMIN_TOKEN, TEST_SECRETS.CLIENT_IP_SALT])
    expect(source).not.toContain(secret);
  expect(source).not.toMatch(/require\(["'][./]/);
  expect(source).not.toContain('.ts"');
});

it("migrates a fresh database, then sees nothing pending, then refuses an edited file", async () => {
  const provider = revive(source);
  const files = await readRepoMigrations();
  const inputs: D1MigrationsInputs = {
    accountId: api.accountId,
    databaseId: DATABASE,
    apiToken: api.apiToken,
    apiBaseUrl: api.baseUrl,
    migrations: Object.fromEntries(files.map((f) => [f.name, f.sha256])),
    sql: Object.fromEntries(files.map((f) => [f.name, f.sql])),
  };
  const created = await provider.create(inputs);
  expect(created.outs?.ran).toEqual(files.map((f) => f.name));
  if (!created.outs) throw new Error("no outputs");
  expect(await provider.diff("id", created.outs, inputs)).toEqual({ changes: false });

  const [first] = files;
  if (!first) throw new Error("no migrations");
  const editedSql = `${first.sql}\n-- edited`;
  const edited = {
    ...inputs,
    migrations: { ...inputs.migrations, [first.name]: sha256(editedSql) },
    sql: { ...inputs.sql, [first.name]: editedSql },
  };
  await expect(provider.diff("id", created.outs, edited)).rejects.toThrow(/changed after it was applied/);
});

it("surfaces the API's and D1's error messages from inside the serialized closure", async () => {
  const provider = revive(source);
  const bad = "CREATE TABLE t (id INTEGER PRIMARY KEY);\nINSERT INTO nowhere VALUES (1);";
  const inputs: D1MigrationsInputs = {
    accountId: api.accountId,
    databaseId: BROKEN,
    apiToken: api.apiToken,
    apiBaseUrl: api.baseUrl,
    migrations: { "0001_bad.sql": sha256(bad) },
    sql: { "0001_bad.sql": bad },
  };
  await expect(provider.create({ ...inputs, apiToken: "wrong" })).rejects.toThrow(/Authentication error/);
  await expect(provider.create(inputs)).rejects.toThrow(
    /0001_bad\.sql failed and was rolled back: .*nowhere/,
  );
});
