/**
 * Migration runner for `migrations/NNNN_name.sql`, compatible with wrangler's ledger.
 *
 * Applied files are recorded in wrangler's `d1_migrations` table (so `wrangler d1 migrations
 * list` agrees) and their sha256 in `pathmeter_migration_hashes`, which wrangler leaves alone.
 * Each pending file runs as one transaction together with its ledger rows; a file that was
 * applied and has since changed stops the run before anything is applied.
 *
 * The core talks to a `SqlExecutor`, so the same code drives a local D1 binding (npm start,
 * tests) and the D1 HTTP API (the Pulumi migrations resource).
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { errorMessage } from "../../worker/src/shared/errors";

export interface MigrationFile {
  /** File name, e.g. `0001_core_pipeline.sql`: the ledger key, as in wrangler. */
  name: string;
  sql: string;
  sha256: string;
}

export interface Statement {
  sql: string;
  params?: unknown[];
}

export interface SqlExecutor {
  /** Runs one query and returns its rows. */
  all<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs statements in order as one transaction: all or nothing. */
  transaction(statements: Statement[]): Promise<void>;
}

export type MigrationErrorCode = "bad_file_name" | "changed_after_apply" | "missing_file" | "apply_failed";

export class MigrationError extends Error {
  override name = "MigrationError";
  constructor(
    readonly code: MigrationErrorCode,
    message: string,
  ) {
    super(message);
    // Explicit because the D1 migrations Pulumi provider ships this class through Pulumi's closure
    // serializer, which rewrites super(message) as Error.call(this, message): that sets nothing.
    this.message = message;
  }
}

export interface MigrationPlan {
  applied: string[];
  pending: MigrationFile[];
}

export interface MigrationResult extends MigrationPlan {
  /** Names applied by this run, in order. */
  ran: string[];
}

const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
export const LEDGER_TABLE = "d1_migrations";
export const HASH_TABLE = "pathmeter_migration_hashes";

export const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

/**
 * Reads `dir/NNNN_name.sql` in apply order: sorted by file name (the number first), never by the
 * order the file system lists them. Any other `.sql` name, or two files with one number (two
 * branches each adding the "next" file), is an error, not silently skipped or reordered.
 */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort();
  const bad = names.find((n) => !FILE_NAME.test(n));
  if (bad) throw new MigrationError("bad_file_name", `${bad}: migration files are named NNNN_snake_case.sql`);
  const twin = names.find((n, i) => i > 0 && n.slice(0, 4) === names[i - 1]?.slice(0, 4));
  if (twin)
    throw new MigrationError(
      "bad_file_name",
      `${twin}: another file has the number ${twin.slice(0, 4)}; renumber one`,
    );
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), "utf8");
      return { name, sql, sha256: sha256(sql) };
    }),
  );
}

/**
 * Whether a trigger's text (comments already blanked) has closed, with END, every BEGIN and
 * CASE it opened: a `;` after a CASE … END inside the body does not end the trigger.
 */
const blocksClosed = (text: string): boolean => {
  const code = text.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]/g, " ");
  const opened = code.match(/\b(?:BEGIN|CASE)\b/gi)?.length ?? 0;
  const closed = code.match(/\bEND\b/gi)?.length ?? 0;
  return opened > 0 && closed >= opened;
};

/**
 * Splits a SQL file into statements on `;`, respecting quotes, comments and the BEGIN … END body
 * of a CREATE TRIGGER. Comment-only fragments are dropped.
 */
export function splitSqlStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = "";
  let i = 0;
  let inTrigger = false;
  const flush = () => {
    const text = current.trim();
    if (text) statements.push(text);
    current = "";
    inTrigger = false;
  };
  while (i < sql.length) {
    const ch = sql[i] as string;
    const next = sql[i + 1];
    if (ch === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      current += "\n";
      continue;
    }
    if (ch === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += " ";
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (close !== "]" && sql[j + 1] === close) j += 2;
          else break;
        } else j += 1;
      }
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (!inTrigger && /^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current + ch)) inTrigger = true;
    if (ch === ";") {
      if (!inTrigger || blocksClosed(current)) {
        flush();
        i += 1;
        continue;
      }
    }
    current += ch;
    i += 1;
  }
  flush();
  return statements;
}

const LEDGER_DDL: Statement[] = [
  {
    sql: `CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT UNIQUE,
      applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)`,
  },
  { sql: `CREATE TABLE IF NOT EXISTS ${HASH_TABLE} (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL)` },
];

/** Pure: which files are pending, or why the run must stop. */
export function planMigrations(
  files: readonly MigrationFile[],
  applied: readonly { name: string; sha256: string | null }[],
): MigrationPlan {
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of applied) {
    const file = byName.get(row.name);
    if (!file)
      throw new MigrationError(
        "missing_file",
        `${row.name} is applied to the database but missing from migrations/`,
      );
    if (row.sha256 !== null && row.sha256 !== file.sha256)
      throw new MigrationError(
        "changed_after_apply",
        `${row.name} was changed after it was applied; migrations are forward-only: restore it and add a new file`,
      );
  }
  const done = new Set(applied.map((r) => r.name));
  return { applied: applied.map((r) => r.name), pending: files.filter((f) => !done.has(f.name)) };
}

/** Reads the ledger (creating it when absent) and plans against `files`. */
export async function readPlan(db: SqlExecutor, files: readonly MigrationFile[]): Promise<MigrationPlan> {
  await db.transaction(LEDGER_DDL);
  const applied = await db.all<{ name: string; sha256: string | null }>(
    `SELECT m.name AS name, h.sha256 AS sha256 FROM ${LEDGER_TABLE} m
     LEFT JOIN ${HASH_TABLE} h ON h.name = m.name ORDER BY m.id`,
  );
  return planMigrations(files, applied);
}

/** Applies every pending file in order, each in its own transaction with its ledger rows. */
export async function migrate(db: SqlExecutor, files: readonly MigrationFile[]): Promise<MigrationResult> {
  const plan = await readPlan(db, files);
  const ran: string[] = [];
  for (const file of plan.pending) {
    const statements: Statement[] = [
      ...splitSqlStatements(file.sql).map((sql) => ({ sql })),
      { sql: `INSERT INTO ${LEDGER_TABLE} (name) VALUES (?)`, params: [file.name] },
      {
        sql: `INSERT OR REPLACE INTO ${HASH_TABLE} (name, sha256) VALUES (?, ?)`,
        params: [file.name, file.sha256],
      },
    ];
    try {
      await db.transaction(statements);
    } catch (error) {
      const reason = errorMessage(error);
      throw new MigrationError("apply_failed", `${file.name} failed and was rolled back: ${reason}`);
    }
    ran.push(file.name);
  }
  return { ...plan, ran };
}

/** Adapts a D1 binding (local Miniflare or workerd) to the executor interface. */
export function d1Executor(db: {
  prepare(sql: string): { bind(...values: unknown[]): unknown };
  batch(statements: unknown[]): Promise<unknown>;
}): SqlExecutor {
  const prepare = (s: Statement) => db.prepare(s.sql).bind(...(s.params ?? []));
  return {
    async all<Row>(sql: string, params: unknown[] = []) {
      const statement = prepare({ sql, params }) as { all(): Promise<{ results: Row[] }> };
      return (await statement.all()).results;
    },
    async transaction(statements) {
      await db.batch(statements.map(prepare));
    },
  };
}
