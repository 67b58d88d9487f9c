/**
 * `D1Migrations`: the schema of a deployed D1 database as a Pulumi resource. It applies pending
 * migrations/NNNN_*.sql through the D1 HTTP API (infra/migrations-provider.ts); the Worker script
 * depends on it, so a new Worker never runs against an old schema. The other way round is not
 * guarded by order: the previous Worker runs against the new schema until the upload, so pending
 * destructive statements are warned about (infra/migration-warnings.ts).
 */
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../scripts/lib/build";
import { CLOUDFLARE_API_BASE_URL } from "../scripts/lib/d1-http";
import { type MigrationFile, readMigrationFiles } from "../scripts/lib/migrations";
import { manifest } from "../worker/src/manifest";
import { warnDestructivePending } from "./migration-warnings";
import { d1MigrationsProvider } from "./migrations-provider";

/** The repository's migration files, in apply order. */
export const readRepoMigrations = (): Promise<MigrationFile[]> =>
  readMigrationFiles(path.join(REPO_ROOT, manifest.d1.migrationsDir));

export interface D1MigrationsArgs {
  accountId: string;
  /** The D1Database's `uuid`. */
  databaseId: pulumi.Input<string>;
  /** Cloudflare API token with D1 edit rights; stored in the state as a secret. */
  apiToken: pulumi.Input<string>;
  /** The migration files to apply, in order. */
  files: readonly MigrationFile[];
  /** @default "https://api.cloudflare.com/client/v4" */
  apiBaseUrl?: string;
}

/** The applied state of migrations/ in one D1 database (see infra/migrations-provider.ts). */
export class D1Migrations extends pulumi.dynamic.Resource {
  /** Every file applied to the database, in order. */
  declare readonly applied: pulumi.Output<string[]>;
  /** The files the last `pulumi up` applied. */
  declare readonly ran: pulumi.Output<string[]>;

  constructor(name: string, args: D1MigrationsArgs, opts?: pulumi.CustomResourceOptions) {
    const apiBaseUrl = args.apiBaseUrl ?? CLOUDFLARE_API_BASE_URL;
    // An input, so the engine waits for the check (and its warnings) before it registers this.
    const destructivePending = warnDestructivePending({
      accountId: args.accountId,
      databaseId: pulumi.output(args.databaseId),
      apiToken: pulumi.output(args.apiToken),
      apiBaseUrl,
      files: args.files,
    });
    super(
      d1MigrationsProvider,
      name,
      {
        accountId: args.accountId,
        databaseId: args.databaseId,
        apiToken: pulumi.secret(args.apiToken),
        apiBaseUrl,
        destructivePending,
        migrations: Object.fromEntries(args.files.map((f) => [f.name, f.sha256])),
        sql: Object.fromEntries(args.files.map((f) => [f.name, f.sql])),
        applied: undefined,
        ran: undefined,
      },
      opts,
      "pathmeter",
      "D1Migrations",
    );
  }
}
