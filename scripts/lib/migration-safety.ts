/**
 * What a migration may do while the previous Worker still runs. `pulumi up` applies migrations
 * before it uploads the new Worker, so for a while the old code runs against the new schema: only
 * additive changes (new tables, columns, indexes) are safe then. Dropping or renaming something, or
 * changing a column's type (in SQLite: rebuild the table, i.e. DROP + RENAME), breaks the old code
 * and belongs in a later "contract" release (docs/deploy.md: expand → deploy → contract).
 */
import { splitSqlStatements } from "./migrations";

/** DROP of a table/index/view/trigger, ALTER TABLE … DROP/RENAME, and ALTER COLUMN (a type change). */
const DESTRUCTIVE = [
  /^DROP\s+(TABLE|INDEX|VIEW|TRIGGER)\b/i,
  /^ALTER\s+TABLE\s+\S+\s+(DROP|RENAME)\b/i,
  /^ALTER\s+TABLE\s+\S+\s+ALTER\s+COLUMN\b/i,
];

/** The statements of `sql` that remove or rename something, each on one line. */
export function destructiveStatements(sql: string): string[] {
  return splitSqlStatements(sql)
    .map((s) => s.replace(/\s+/g, " ").trim())
    .filter((s) => DESTRUCTIVE.some((re) => re.test(s)));
}

/** File name → its destructive statements, for the files that have any. */
export function destructiveFiles(files: readonly { name: string; sql: string }[]): Record<string, string[]> {
  return Object.fromEntries(
    files.map((f) => [f.name, destructiveStatements(f.sql)] as const).filter(([, found]) => found.length > 0),
  );
}
