/**
 * The dynamic provider behind `D1Migrations`: applies migrations/NNNN_*.sql to a deployed D1
 * database over the D1 HTTP query API, with the same runner core as the local stack
 * (`planMigrations` / `migrate`, wrangler's `d1_migrations` ledger).
 *
 * Pulumi serializes this object into the state with its closure and runs it in a separate process,
 * so it must stay self-contained: it captures only plain functions (the runner core and the HTTP
 * executor) and reads everything else from its inputs — never `pulumi`, config or the file system.
 *
 * - check: the inputs are consistent (each file's sha256 matches its SQL).
 * - diff (also during `pulumi preview`): reads the live ledger, read-only, and plans against it:
 *   pending files mean an update, and an applied file whose content changed fails the preview.
 *   A token that may not read D1 (401/403) falls back to comparing the files in the inputs.
 * - create / update: applies every pending file in file-name order, each in one transaction with
 *   its ledger rows (one D1 batch request: all or nothing, so a retry after any failure — even a
 *   lost response after the commit — neither re-runs a file nor finds it half applied).
 * - delete: nothing. Removing this resource never touches the schema or the data.
 */
import type * as pulumi from "@pulumi/pulumi";
import { d1HttpExecutor } from "../scripts/lib/d1-http";
import {
  HASH_TABLE,
  LEDGER_TABLE,
  type MigrationFile,
  migrate,
  planMigrations,
  type SqlExecutor,
  sha256,
} from "../scripts/lib/migrations";

export interface D1MigrationsInputs {
  accountId: string;
  databaseId: string;
  apiToken: string;
  apiBaseUrl: string;
  /** File name → sha256 of its content, in apply order: a new file shows up here in a preview. */
  migrations: Record<string, string>;
  /** File name → SQL text. */
  sql: Record<string, string>;
  /** Pending files with a destructive statement, as warned about (infra/migration-warnings.ts). */
  destructivePending?: string[];
}

export interface D1MigrationsOutputs {
  accountId: string;
  databaseId: string;
  apiBaseUrl: string;
  migrations: Record<string, string>;
  /** Every file applied to the database, in order. */
  applied: string[];
  /** The files the last create/update applied. */
  ran: string[];
}

/** Pulumi's stand-in for a value that is not known yet (during a preview). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const executorFor = (inputs: D1MigrationsInputs): SqlExecutor =>
  d1HttpExecutor({
    accountId: inputs.accountId,
    databaseId: inputs.databaseId,
    apiToken: inputs.apiToken,
    baseUrl: inputs.apiBaseUrl,
  });

/**
 * The files in apply order: sorted by name here, explicitly. The inputs are a JSON object whose key
 * order the state happens to keep; the order must not depend on that.
 */
const filesOf = (inputs: D1MigrationsInputs): MigrationFile[] =>
  Object.keys(inputs.migrations)
    .sort()
    .map((name) => ({ name, sha256: inputs.migrations[name] ?? "", sql: inputs.sql[name] ?? "" }));

/** The applied rows of the ledger without creating it (a preview must not write). */
export async function readLedger(db: SqlExecutor): Promise<{ name: string; sha256: string | null }[]> {
  const tables = await db.all<{ name: string }>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
    [LEDGER_TABLE, HASH_TABLE],
  );
  const present = new Set(tables.map((t) => t.name));
  if (!present.has(LEDGER_TABLE)) return [];
  if (!present.has(HASH_TABLE)) return db.all(`SELECT name, NULL AS sha256 FROM ${LEDGER_TABLE} ORDER BY id`);
  return db.all(
    `SELECT m.name AS name, h.sha256 AS sha256 FROM ${LEDGER_TABLE} m
     LEFT JOIN ${HASH_TABLE} h ON h.name = m.name ORDER BY m.id`,
  );
}

async function apply(inputs: D1MigrationsInputs): Promise<D1MigrationsOutputs> {
  const result = await migrate(executorFor(inputs), filesOf(inputs));
  return {
    accountId: inputs.accountId,
    databaseId: inputs.databaseId,
    apiBaseUrl: inputs.apiBaseUrl,
    migrations: inputs.migrations,
    applied: [...result.applied, ...result.ran],
    ran: result.ran,
  };
}

const sorted = (m: Record<string, string> | undefined) =>
  JSON.stringify(Object.entries(m ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const sameFiles = (a: Record<string, string> | undefined, b: Record<string, string>): boolean =>
  sorted(a) === sorted(b);

/** True for the D1 HTTP API's "not allowed" answers (401, 403). */
const isForbidden = (error: unknown): boolean =>
  typeof error === "object" &&
  error !== null &&
  "status" in error &&
  (error.status === 401 || error.status === 403);

/** The provider object Pulumi serializes into the state; see the module header for each method. */
export const d1MigrationsProvider = {
  async check(
    _olds: D1MigrationsInputs,
    news: D1MigrationsInputs,
  ): Promise<pulumi.dynamic.CheckResult<D1MigrationsInputs>> {
    const failures = Object.entries(news.migrations)
      .filter(([name, hash]) => news.sql[name] === undefined || sha256(news.sql[name] ?? "") !== hash)
      .map(([name]) => ({ property: "migrations", reason: `${name}: sha256 does not match its SQL` }));
    const names = Object.keys(news.migrations).sort();
    for (const [i, name] of names.entries())
      if (!/^\d{4}_[a-z0-9_]+\.sql$/.test(name) || name.slice(0, 4) === names[i - 1]?.slice(0, 4))
        failures.push({ property: "migrations", reason: `${name}: not a uniquely numbered NNNN_name.sql` });
    return { inputs: news, failures };
  },

  async diff(
    _id: string,
    olds: D1MigrationsOutputs,
    news: D1MigrationsInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    if (olds.accountId !== news.accountId || olds.databaseId !== news.databaseId)
      return { changes: true, replaces: ["accountId", "databaseId"], deleteBeforeReplace: false };
    if ([news.databaseId, news.apiToken, news.apiBaseUrl].includes(UNKNOWN)) return { changes: true };
    const filesChanged = !sameFiles(olds.migrations, news.migrations);
    let ledger: Awaited<ReturnType<typeof readLedger>>;
    try {
      ledger = await readLedger(executorFor(news));
    } catch (error) {
      // A token that may not query D1 (a read-only preview token, if D1 refuses it): fall back to
      // the inputs, so a new file still shows as a change; `pulumi up` reads the ledger for real.
      if (isForbidden(error)) return { changes: filesChanged };
      throw error;
    }
    // Throws MigrationError (changed_after_apply, missing_file): the preview fails with its message.
    const plan = planMigrations(filesOf(news), ledger);
    return { changes: plan.pending.length > 0 || filesChanged };
  },

  async create(inputs: D1MigrationsInputs): Promise<pulumi.dynamic.CreateResult<D1MigrationsOutputs>> {
    return { id: `${inputs.accountId}/${inputs.databaseId}/migrations`, outs: await apply(inputs) };
  },

  async update(
    _id: string,
    _olds: D1MigrationsOutputs,
    news: D1MigrationsInputs,
  ): Promise<pulumi.dynamic.UpdateResult<D1MigrationsOutputs>> {
    return { outs: await apply(news) };
  },

  async delete(): Promise<void> {},
} satisfies pulumi.dynamic.ResourceProvider<D1MigrationsInputs, D1MigrationsOutputs>;
