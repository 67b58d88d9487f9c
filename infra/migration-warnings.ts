/**
 * `pulumi preview` / `pulumi up` warn about destructive statements (DROP, RENAME, a column type
 * change) in migrations that are still pending on the stack's database: they run while the
 * previous Worker is live (migrations go first, then the upload), so they must be the "contract"
 * step of an expand → deploy → contract change (docs/deploy.md). Read-only: the ledger is read over
 * the D1 HTTP API, only when some file has such a statement and the database already exists.
 */
import * as pulumi from "@pulumi/pulumi";
import { d1HttpExecutor } from "../scripts/lib/d1-http";
import { destructiveFiles } from "../scripts/lib/migration-safety";
import type { MigrationFile } from "../scripts/lib/migrations";
import { errorMessage } from "../worker/src/shared/errors";
import { readLedger } from "./migrations-provider";

export interface DestructiveCheckArgs {
  accountId: string;
  /** The D1Database's `uuid` (unknown in the preview of a first deployment: nothing to check). */
  databaseId: pulumi.Output<string>;
  apiToken: pulumi.Output<string>;
  apiBaseUrl: string;
  files: readonly MigrationFile[];
}

/** The warning text for one pending file and its destructive statements. */
export const destructiveWarning = (file: string, statements: readonly string[]): string =>
  `migration ${file} is pending and not additive (${statements.join("; ")}). It runs before the new ` +
  "Worker is uploaded, so the running Worker meets it first: ship it only as the contract step " +
  "after a release that no longer uses what it removes (docs/deploy.md, expand → deploy → contract).";

/** The pending files with destructive statements, once each is warned about in the Pulumi log. */
export function warnDestructivePending(args: DestructiveCheckArgs): pulumi.Output<string[]> {
  const found = destructiveFiles(args.files);
  if (Object.keys(found).length === 0) return pulumi.output([]);
  return pulumi.all([args.databaseId, args.apiToken]).apply(async ([databaseId, apiToken]) => {
    let pending = Object.keys(found);
    try {
      const db = d1HttpExecutor({
        accountId: args.accountId,
        databaseId,
        apiToken,
        baseUrl: args.apiBaseUrl,
      });
      const applied = new Set((await readLedger(db)).map((row) => row.name));
      pending = pending.filter((name) => !applied.has(name));
    } catch (error) {
      await pulumi.log.warn(
        `could not read the migrations ledger (${errorMessage(error)}); listing every destructive file`,
      );
    }
    for (const name of pending) await pulumi.log.warn(destructiveWarning(name, found[name] ?? []));
    return pending;
  });
}
