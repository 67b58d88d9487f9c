/**
 * The D1 migrations dynamic provider against a real local D1 (Miniflare) served in the shape of the
 * D1 HTTP query API: fresh database, pending files, nothing pending, an edited applied file
 * (refused), a failing migration (rolled back, nothing after it applied, error surfaced).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readRepoMigrations } from "../../infra/migrations";
import {
  type D1MigrationsInputs,
  type D1MigrationsOutputs,
  d1MigrationsProvider as provider,
} from "../../infra/migrations-provider";
import type { MigrationFile } from "../../scripts/lib/migrations";
import { type LocalD1Api, startLocalD1Api } from "./d1-http-server";
import { migrationFile, migrationInputs } from "./migration-fixtures";

const DBS = ["fresh", "pending", "edited", "failing", "token"].map(
  (n) => `00000000-0000-4000-8000-${n.padStart(12, "0")}`,
);
const [FRESH, PENDING, EDITED, FAILING, TOKEN] = DBS as [string, string, string, string, string];
let api: LocalD1Api;

beforeAll(async () => {
  api = await startLocalD1Api(DBS);
});
afterAll(async () => {
  await api?.close();
});

const file = migrationFile;
const inputsFor = (databaseId: string, files: readonly MigrationFile[]): D1MigrationsInputs =>
  migrationInputs(api, databaseId, files);

async function rows<T>(databaseId: string, sql: string): Promise<T[]> {
  const db = await api.database(databaseId);
  return (await db.prepare(sql).all()).results as T[];
}
const tables = async (databaseId: string) =>
  (await rows<{ name: string }>(databaseId, "SELECT name FROM sqlite_master WHERE type = 'table'")).map(
    (r) => r.name,
  );
const ledger = async (databaseId: string) =>
  rows<{ name: string; sha256: string | null }>(
    databaseId,
    "SELECT m.name AS name, h.sha256 AS sha256 FROM d1_migrations m LEFT JOIN pathmeter_migration_hashes h ON h.name = m.name ORDER BY m.id",
  );

async function create(inputs: D1MigrationsInputs): Promise<D1MigrationsOutputs> {
  const result = await provider.create(inputs);
  expect(result.id).toBe(`${inputs.accountId}/${inputs.databaseId}/migrations`);
  if (!result.outs) throw new Error("create returned no outputs");
  return result.outs;
}

/** Runs `fn` and returns the request bodies it sent. */
async function requestsDuring(fn: () => Promise<unknown>): Promise<string[]> {
  const before = api.requests.length;
  await fn();
  return api.requests.slice(before).map((r) => JSON.stringify(r));
}

describe("fresh database", () => {
  it("previews every repo migration as pending without writing, then applies them with a wrangler ledger", async () => {
    const files = await readRepoMigrations();
    expect(files.length).toBeGreaterThan(0);
    const inputs = inputsFor(FRESH, files);
    expect((await provider.check(inputs, inputs)).failures).toEqual([]);

    const olds = { ...inputs, applied: [], ran: [], migrations: {} };
    let diff: Awaited<ReturnType<typeof provider.diff>> | undefined;
    const sent = await requestsDuring(async () => {
      diff = await provider.diff("id", olds, inputs);
    });
    expect(diff).toEqual({ changes: true });
    expect(sent.length).toBeGreaterThan(0);
    for (const body of sent) expect(body).not.toMatch(/CREATE|INSERT|UPDATE|DELETE|DROP/i);
    expect(await tables(FRESH)).not.toContain("d1_migrations");

    const outs = await create(inputs);
    const names = files.map((f) => f.name);
    expect(outs).toMatchObject({
      applied: names,
      ran: names,
      databaseId: FRESH,
      migrations: inputs.migrations,
    });
    expect(outs).not.toHaveProperty("apiToken");
    expect(await ledger(FRESH)).toEqual(files.map((f) => ({ name: f.name, sha256: f.sha256 })));
    expect(await tables(FRESH)).toEqual(
      expect.arrayContaining(["traffic_events_p0", "path_stats_hourly", "dead_letters"]),
    );
  });
});

describe("pending and nothing pending", () => {
  const first = file("0001_first.sql", "CREATE TABLE first_table (id INTEGER PRIMARY KEY);");
  const second = file(
    "0002_second.sql",
    "CREATE TABLE second_table (id INTEGER PRIMARY KEY);\nINSERT INTO first_table (id) VALUES (1);",
  );

  it("reports no change and applies nothing when every file is applied", async () => {
    const inputs = inputsFor(PENDING, [first]);
    const outs = await create(inputs);
    expect(outs.ran).toEqual(["0001_first.sql"]);
    expect(await provider.diff("id", outs, inputs)).toEqual({ changes: false });
    const update = await provider.update("id", outs, inputs);
    expect(update.outs).toMatchObject({ ran: [], applied: ["0001_first.sql"] });
    expect(await ledger(PENDING)).toEqual([{ name: first.name, sha256: first.sha256 }]);
  });

  it("previews a new file as a change and applies only it", async () => {
    const olds = (await provider.update("id", {} as D1MigrationsOutputs, inputsFor(PENDING, [first]))).outs;
    if (!olds) throw new Error("no outputs");
    const news = inputsFor(PENDING, [first, second]);
    expect(await provider.diff("id", olds, news)).toEqual({ changes: true });
    const update = await provider.update("id", olds, news);
    expect(update.outs).toMatchObject({
      ran: ["0002_second.sql"],
      applied: ["0001_first.sql", "0002_second.sql"],
    });
    expect(await tables(PENDING)).toEqual(expect.arrayContaining(["first_table", "second_table"]));
    expect(await rows(PENDING, "SELECT id FROM first_table")).toEqual([{ id: 1 }]);
  });
});

describe("an applied file whose content changed", () => {
  const original = file("0001_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);");
  const edited = file(
    "0001_users.sql",
    "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\nCREATE TABLE sneaky (x);",
  );

  it("fails the preview and the update with the runner's message, and changes nothing", async () => {
    const outs = await create(inputsFor(EDITED, [original]));
    const news = inputsFor(EDITED, [edited]);
    expect((await provider.check(news, news)).failures).toEqual([]);
    await expect(provider.diff("id", outs, news)).rejects.toMatchObject({
      code: "changed_after_apply",
      message: expect.stringContaining("0001_users.sql was changed after it was applied"),
    });
    await expect(provider.update("id", outs, news)).rejects.toThrow(
      /0001_users\.sql was changed after it was applied/,
    );
    expect(await tables(EDITED)).not.toContain("sneaky");
    expect(await ledger(EDITED)).toEqual([{ name: original.name, sha256: original.sha256 }]);
  });
});

describe("a failing migration", () => {
  const ok = file("0001_ok.sql", "CREATE TABLE ok_table (id INTEGER PRIMARY KEY);");
  const broken = file(
    "0002_broken.sql",
    "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\nINSERT INTO missing_table (id) VALUES (1);",
  );
  const after = file("0003_after.sql", "CREATE TABLE after_table (id INTEGER PRIMARY KEY);");

  it("rolls the failing file back, applies nothing after it and surfaces the D1 error", async () => {
    const inputs = inputsFor(FAILING, [ok, broken, after]);
    await expect(provider.create(inputs)).rejects.toThrow(
      /0002_broken\.sql failed and was rolled back: .*missing_table/,
    );
    const present = await tables(FAILING);
    expect(present).toContain("ok_table");
    expect(present).not.toContain("half_done");
    expect(present).not.toContain("after_table");
    expect(await ledger(FAILING)).toEqual([{ name: ok.name, sha256: ok.sha256 }]);
  });

  it("finishes the run once the failed file is fixed (it never applied, so it may still change)", async () => {
    const fixed = file("0002_broken.sql", "CREATE TABLE half_done (id INTEGER PRIMARY KEY);");
    const result = await provider.update(
      "id",
      {} as D1MigrationsOutputs,
      inputsFor(FAILING, [ok, fixed, after]),
    );
    expect(result.outs?.ran).toEqual(["0002_broken.sql", "0003_after.sql"]);
    expect(await tables(FAILING)).toEqual(expect.arrayContaining(["ok_table", "half_done", "after_table"]));
  });
});

describe("inputs and credentials", () => {
  it("rejects a file whose sha256 does not match its SQL", async () => {
    const inputs = inputsFor(TOKEN, [file("0001_a.sql", "SELECT 1;")]);
    inputs.sql["0001_a.sql"] = "SELECT 2;";
    const { failures } = await provider.check(inputs, inputs);
    expect(failures).toEqual([
      { property: "migrations", reason: "0001_a.sql: sha256 does not match its SQL" },
    ]);
  });

  it("surfaces the API's error for a bad token and applies nothing", async () => {
    const inputs = { ...inputsFor(TOKEN, [file("0001_a.sql", "CREATE TABLE a (x);")]), apiToken: "wrong" };
    await expect(provider.create(inputs)).rejects.toThrow(/Authentication error \[code 10000\]/);
    expect(await tables(TOKEN)).not.toContain("a");
  });

  it("replaces itself when the database changes, and does not read an unknown database during a preview", async () => {
    const inputs = inputsFor(TOKEN, []);
    const olds = { ...inputs, applied: [], ran: [] };
    expect(await provider.diff("id", olds, { ...inputs, databaseId: FRESH })).toMatchObject({
      changes: true,
      replaces: ["accountId", "databaseId"],
    });
    const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
    const sent = await requestsDuring(() => provider.diff("id", olds, { ...inputs, apiToken: unknown }));
    expect(sent).toEqual([]);
  });

  it("falls back to the inputs in a preview whose token may not read D1, and still fails other errors", async () => {
    const one = file("0001_a.sql", "CREATE TABLE a (x);");
    const olds = { ...inputsFor(TOKEN, []), applied: [], ran: [] };
    const readOnly = { ...inputsFor(TOKEN, [one]), apiToken: "read-only-elsewhere" };
    expect(await provider.diff("id", olds, readOnly)).toEqual({ changes: true });
    expect(await provider.diff("id", { ...olds, migrations: readOnly.migrations }, readOnly)).toEqual({
      changes: false,
    });
    const missing = { ...readOnly, apiToken: api.apiToken, databaseId: "missing" };
    await expect(provider.diff("id", { ...olds, databaseId: "missing" }, missing)).rejects.toThrow(
      /could not be found/,
    );
  });

  it("never drops anything on delete", async () => {
    const before = await tables(FRESH);
    await provider.delete();
    expect(await tables(FRESH)).toEqual(before);
  });
});
