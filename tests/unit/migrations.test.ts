/**
 * The migration runner against a REAL local D1 (Miniflare, node side): files applied in order
 * with wrangler's ledger, nothing applied twice, an applied file that changed stops the run
 * before anything is applied, and a failing file is rolled back with later files left alone.
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  d1Executor,
  HASH_TABLE,
  LEDGER_TABLE,
  MigrationError,
  type MigrationFile,
  migrate,
  readMigrationFiles,
  type SqlExecutor,
  sha256,
} from "../../scripts/lib/migrations";

const REAL_MIGRATIONS = path.resolve(__dirname, "..", "..", "migrations");
const DATABASES = ["FRESH", "EDITED", "FAILING", "MISSING"];
let mf: Miniflare;

beforeAll(() => {
  mf = new Miniflare({ modules: true, script: "export default {}", d1Databases: DATABASES });
});
afterAll(async () => {
  await mf.dispose();
});

const database = async (binding: string): Promise<SqlExecutor> => d1Executor(await mf.getD1Database(binding));
const file = (name: string, sql: string): MigrationFile => ({ name, sql, sha256: sha256(sql) });
const names = (rows: { name: string }[]) => rows.map((r) => r.name);
const tables = async (db: SqlExecutor) =>
  names(await db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"));
const ledger = async (db: SqlExecutor) =>
  db.all<{ id: number; name: string; sha256: string }>(
    `SELECT m.id, m.name, h.sha256 FROM ${LEDGER_TABLE} m JOIN ${HASH_TABLE} h USING (name) ORDER BY m.id`,
  );

/** Fails with the MigrationError code it threw, so a test can assert on it. */
async function migrationErrorOf(run: Promise<unknown>): Promise<MigrationError> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MigrationError);
  return error as MigrationError;
}

const NOTES = file(
  "0002_notes.sql",
  `-- A table and a row whose text holds a semicolon; and a comment; with semicolons.
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
INSERT INTO notes (body) VALUES ('from 0002; it''s here');`,
);
// Depends on 0002: run out of order, it fails.
const NOTES_INDEX = file(
  "0003_notes_index.sql",
  "CREATE INDEX notes_body ON notes (body);\nINSERT INTO notes (body) SELECT 'rows before: ' || count(*) FROM notes;\n",
);

describe("migrate() on a real local D1", () => {
  it("applies every file of a fresh database in order and records wrangler's ledger", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-migrations-"));
    const core = await readFile(path.join(REAL_MIGRATIONS, "0001_core_pipeline.sql"), "utf8");
    await writeFile(path.join(dir, "0001_core_pipeline.sql"), core);
    await writeFile(path.join(dir, NOTES_INDEX.name), NOTES_INDEX.sql);
    await writeFile(path.join(dir, NOTES.name), NOTES.sql);
    await writeFile(path.join(dir, "README.md"), "not a migration");
    const files = await readMigrationFiles(dir);
    expect(names(files)).toEqual(["0001_core_pipeline.sql", NOTES.name, NOTES_INDEX.name]);

    const db = await database("FRESH");
    const result = await migrate(db, files);
    expect(result.ran).toEqual(names(files));
    expect(await ledger(db)).toEqual(files.map((f, i) => ({ id: i + 1, name: f.name, sha256: f.sha256 })));
    expect(await tables(db)).toEqual(
      expect.arrayContaining(["traffic_events", "path_stats_hourly", "notes"]),
    );
    expect(await db.all("SELECT body FROM notes ORDER BY id")).toEqual([
      { body: "from 0002; it's here" },
      { body: "rows before: 1" },
    ]);
    // wrangler's own table shape, so `wrangler d1 migrations list` reads the same ledger.
    const [ddl] = await db.all<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = ?", [
      LEDGER_TABLE,
    ]);
    expect(ddl?.sql.replace(/\s+/g, " ")).toContain(
      "id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL",
    );

    const again = await migrate(db, files);
    expect(again.ran).toEqual([]);
    expect(again.applied).toEqual(names(files));
    expect(await db.all("SELECT count(*) AS n FROM notes")).toEqual([{ n: 2 }]);
  });

  it("refuses to run when an applied file changed, and applies nothing", async () => {
    const db = await database("EDITED");
    const core = file("0001_core.sql", "CREATE TABLE core (id INTEGER PRIMARY KEY);");
    await migrate(db, [core, NOTES]);
    const edited = file(NOTES.name, `${NOTES.sql}\n-- tidied up later`);
    const error = await migrationErrorOf(migrate(db, [core, edited, NOTES_INDEX]));
    expect(error.code).toBe("changed_after_apply");
    expect(error.message).toContain(NOTES.name);
    expect(names(await ledger(db))).toEqual([core.name, NOTES.name]);
    expect(await db.all("SELECT name FROM sqlite_master WHERE name = 'notes_body'")).toEqual([]);
  });

  it("rolls a failing file back entirely, runs no later file, and surfaces the error", async () => {
    const db = await database("FAILING");
    const first = file("0001_first.sql", "CREATE TABLE first (id INTEGER PRIMARY KEY);");
    const broken = file(
      "0002_broken.sql",
      "CREATE TABLE second (id INTEGER PRIMARY KEY);\nINSERT INTO second (id) VALUES (1);\nINSERT INTO no_such_table VALUES (1);",
    );
    const third = file("0003_third.sql", "CREATE TABLE third (id INTEGER PRIMARY KEY);");
    const error = await migrationErrorOf(migrate(db, [first, broken, third]));
    expect(error.code).toBe("apply_failed");
    expect(error.message).toContain(broken.name);
    expect(error.message).toContain("no_such_table");
    expect(await tables(db)).not.toEqual(expect.arrayContaining(["second"]));
    expect(await tables(db)).not.toEqual(expect.arrayContaining(["third"]));
    expect(names(await ledger(db))).toEqual([first.name]);

    // The failed file was never applied, so fixing it is allowed; the run then completes.
    const fixed = file(broken.name, "CREATE TABLE second (id INTEGER PRIMARY KEY);");
    expect((await migrate(db, [first, fixed, third])).ran).toEqual([fixed.name, third.name]);
    expect(await tables(db)).toEqual(expect.arrayContaining(["first", "second", "third"]));
  });

  it("refuses a ledger entry whose file is gone", async () => {
    const db = await database("MISSING");
    const kept = file("0001_kept.sql", "CREATE TABLE kept (id INTEGER);");
    await migrate(db, [kept, file("0002_gone.sql", "CREATE TABLE gone (id INTEGER);")]);
    expect((await migrationErrorOf(migrate(db, [kept]))).code).toBe("missing_file");
  });

  it("rejects a migration file that is not named NNNN_snake_case.sql", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-migrations-"));
    await writeFile(path.join(dir, "0001_ok.sql"), "SELECT 1;");
    await writeFile(path.join(dir, "2-Add Things.sql"), "SELECT 1;");
    expect((await migrationErrorOf(readMigrationFiles(dir))).code).toBe("bad_file_name");
  });
});
