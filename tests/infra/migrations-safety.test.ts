/**
 * Migrations that cannot go wrong quietly: the apply order is the file names' order (never the
 * order of a JSON object's keys), two files with one number are refused, a file and its ledger row
 * commit together over the D1 HTTP API (a failure in the middle of a file leaves nothing; a response
 * lost after the commit is retried without re-running the file), and a pending destructive
 * statement is warned about in the preview.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { destructiveWarning, warnDestructivePending } from "../../infra/migration-warnings";
import { type D1MigrationsInputs, d1MigrationsProvider as provider } from "../../infra/migrations-provider";
import { REPO_ROOT } from "../../scripts/lib/build";
import { destructiveStatements } from "../../scripts/lib/migration-safety";
import { type MigrationFile, readMigrationFiles } from "../../scripts/lib/migrations";
import { type LocalD1Api, startLocalD1Api } from "./d1-http-server";
import { migrationFile, migrationInputs } from "./migration-fixtures";

const DBS = ["order", "lost", "warn"].map((n) => `00000000-0000-4000-8000-${n.padStart(12, "0")}`);
const [ORDER, LOST, WARN] = DBS as [string, string, string];
let api: LocalD1Api;

beforeAll(async () => {
  api = await startLocalD1Api(DBS);
});
afterAll(async () => {
  await api?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const file = migrationFile;
const inputsFor = (databaseId: string, files: readonly MigrationFile[]): D1MigrationsInputs =>
  migrationInputs(api, databaseId, files);
const query = async <T>(id: string, sql: string) =>
  (await (await api.database(id)).prepare(sql).all()).results as T[];
const ledgerNames = async (id: string) =>
  (await query<{ name: string }>(id, "SELECT name FROM d1_migrations ORDER BY id")).map((r) => r.name);

describe("apply order", () => {
  it("applies by file name even when the inputs list the files in another order", async () => {
    const first = file("0001_base.sql", "CREATE TABLE base (id INTEGER PRIMARY KEY);");
    const second = file("0002_index.sql", "CREATE INDEX base_id ON base (id);");
    const created = await provider.create(inputsFor(ORDER, [second, first]));
    expect(created.outs?.ran).toEqual(["0001_base.sql", "0002_index.sql"]);
    expect(await ledgerNames(ORDER)).toEqual(["0001_base.sql", "0002_index.sql"]);
  });

  it("refuses two files with one number, in the inputs and on disk", async () => {
    const twins = [file("0003_a.sql", "SELECT 1;"), file("0003_b.sql", "SELECT 2;")];
    const { failures } = await provider.check(inputsFor(ORDER, twins), inputsFor(ORDER, twins));
    expect(failures).toEqual([
      { property: "migrations", reason: "0003_b.sql: not a uniquely numbered NNNN_name.sql" },
    ]);
    const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-migrations-"));
    try {
      for (const f of twins) await writeFile(path.join(dir, f.name), f.sql);
      await expect(readMigrationFiles(dir)).rejects.toThrow(/0003_b\.sql: another file has the number 0003/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("a file and its ledger row over the HTTP API", () => {
  it("commit together: a lost response after the commit is retried without re-running the file", async () => {
    const once = file(
      "0001_counter.sql",
      "CREATE TABLE counter (n INTEGER);\nINSERT INTO counter VALUES (1);",
    );
    api.loseResponseTo("CREATE TABLE counter");
    await expect(provider.create(inputsFor(LOST, [once]))).rejects.toThrow(
      /0001_counter\.sql failed .*lost after the commit/,
    );
    // It did commit, file and ledger row together; the retry sees it applied and runs nothing twice.
    const retried = await provider.update(
      "id",
      { ...inputsFor(LOST, []), applied: [], ran: [] },
      inputsFor(LOST, [once]),
    );
    expect(retried.outs?.ran).toEqual([]);
    expect(await query(LOST, "SELECT n FROM counter")).toEqual([{ n: 1 }]);
    expect(await ledgerNames(LOST)).toEqual(["0001_counter.sql"]);
  });
});

describe("line endings", () => {
  it("are pinned to LF for migrations by .gitattributes, so a Windows checkout keeps each sha256", () => {
    const attrs = execFileSync(
      "git",
      ["check-attr", "eol", "text", "--", "migrations/0001_core_pipeline.sql"],
      {
        cwd: REPO_ROOT,
        encoding: "utf8",
      },
    );
    expect(attrs).toContain("eol: lf");
    expect(attrs).toContain("text: set");
  });
});

describe("destructive statements", () => {
  it("are DROP, RENAME and column changes, not additions, comments or strings", () => {
    const sql = `
      CREATE TABLE keep (id INTEGER); -- DROP TABLE keep in a comment
      ALTER TABLE keep ADD COLUMN note TEXT DEFAULT 'DROP TABLE keep';
      DROP TABLE old_events;
      DROP INDEX IF EXISTS old_idx;
      ALTER TABLE keep RENAME TO kept;
      ALTER TABLE kept RENAME COLUMN note TO remark;
      ALTER TABLE kept DROP COLUMN remark;`;
    expect(destructiveStatements(sql)).toEqual([
      "DROP TABLE old_events",
      "DROP INDEX IF EXISTS old_idx",
      "ALTER TABLE keep RENAME TO kept",
      "ALTER TABLE kept RENAME COLUMN note TO remark",
      "ALTER TABLE kept DROP COLUMN remark",
    ]);
  });

  it("are warned about in the preview while pending, and not once applied", async () => {
    const additive = file("0001_add.sql", "CREATE TABLE t (a INTEGER, b INTEGER);");
    const contract = file("0002_contract.sql", "ALTER TABLE t DROP COLUMN b;");
    const warn = vi.spyOn(pulumi.log, "warn").mockResolvedValue();
    const check = (files: MigrationFile[]) =>
      new Promise<string[]>((resolve) =>
        warnDestructivePending({
          accountId: api.accountId,
          databaseId: pulumi.output(WARN),
          apiToken: pulumi.output(api.apiToken),
          apiBaseUrl: api.baseUrl,
          files,
        }).apply(resolve),
      );
    expect(await check([additive])).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
    expect(await check([additive, contract])).toEqual(["0002_contract.sql"]);
    expect(warn).toHaveBeenCalledWith(
      destructiveWarning("0002_contract.sql", ["ALTER TABLE t DROP COLUMN b"]),
    );
    await provider.create(inputsFor(WARN, [additive, contract]));
    warn.mockClear();
    expect(await check([additive, contract])).toEqual([]);
    expect(warn).not.toHaveBeenCalled();
  });
});
