/** Fixtures of the migrations tests: a migration file from SQL, and the provider's inputs for files. */
import type { D1MigrationsInputs } from "../../infra/migrations-provider";
import { type MigrationFile, sha256 } from "../../scripts/lib/migrations";
import type { LocalD1Api } from "./d1-http-server";

/** A migration file with its sha256. */
export const migrationFile = (name: string, sql: string): MigrationFile => ({
  name,
  sql,
  sha256: sha256(sql),
});

/** The D1Migrations inputs that apply `files` to `databaseId` of the local D1 API. */
export const migrationInputs = (
  api: LocalD1Api,
  databaseId: string,
  files: readonly MigrationFile[],
): D1MigrationsInputs => ({
  accountId: api.accountId,
  databaseId,
  apiToken: api.apiToken,
  apiBaseUrl: api.baseUrl,
  migrations: Object.fromEntries(files.map((f) => [f.name, f.sha256])),
  sql: Object.fromEntries(files.map((f) => [f.name, f.sql])),
});
