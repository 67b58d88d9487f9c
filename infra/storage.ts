/**
 * The data stores: D1 (events, aggregates), KV (snapshots) and R2 (archives) with the archive
 * retention lifecycle. These hold the data, so a stack can protect them from deletion.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { manifest } from "../worker/src/manifest";
import { ARCHIVE_PREFIX, resourceName } from "./names";

const DAY_SECONDS = 86_400;
/** R2 gives new buckets this rule; a lifecycle PUT replaces every rule, so we restate it. */
export const DEFAULT_MULTIPART_ABORT_RULE = {
  id: "Default Multipart Abort Rule",
  enabled: true,
  conditions: { prefix: "" },
  abortMultipartUploadsTransition: { condition: { type: "Age", maxAge: 7 * DAY_SECONDS } },
} satisfies cloudflare.types.input.R2BucketLifecycleRule;

export interface DataStoresArgs {
  stack: string;
  accountId: pulumi.Input<string>;
  /** Days after which archived objects (`archive/...`) are deleted by R2. */
  archiveRetentionDays: number;
  /**
   * Refuse to delete the D1 database, the KV namespace and the bucket (`pulumi destroy` fails
   * until `pulumi state unprotect`).
   * @default false
   */
  protect?: boolean;
}

/** D1, KV and R2 of a stack, plus the archive lifecycle rule. */
export class DataStores extends pulumi.ComponentResource {
  readonly database: cloudflare.D1Database;
  readonly snapshots: cloudflare.WorkersKvNamespace;
  readonly archive: cloudflare.R2Bucket;
  readonly archiveLifecycle: cloudflare.R2BucketLifecycle;

  constructor(name: string, args: DataStoresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pathmeter:infra:DataStores", name, {}, opts);
    const data: pulumi.CustomResourceOptions = { parent: this, protect: args.protect ?? false };
    const d1Name = resourceName(args.stack, manifest.d1.name);
    this.database = new cloudflare.D1Database(
      d1Name,
      // The API always returns read_replication; unset here, a refresh would plan `null`, which the
      // API rejects with 400 (terraform-provider-cloudflare#6309). The worker uses no D1 sessions.
      { accountId: args.accountId, name: d1Name, readReplication: { mode: "disabled" } },
      data,
    );
    const kvTitle = resourceName(args.stack, manifest.kv.name);
    this.snapshots = new cloudflare.WorkersKvNamespace(
      kvTitle,
      { accountId: args.accountId, title: kvTitle },
      data,
    );
    const bucketName = resourceName(args.stack, manifest.r2.name);
    this.archive = new cloudflare.R2Bucket(bucketName, { accountId: args.accountId, name: bucketName }, data);
    this.archiveLifecycle = new cloudflare.R2BucketLifecycle(
      resourceName(args.stack, "archive-lifecycle"),
      {
        accountId: args.accountId,
        bucketName: this.archive.name,
        rules: [
          DEFAULT_MULTIPART_ABORT_RULE,
          {
            id: "pathmeter archive retention",
            enabled: true,
            conditions: { prefix: ARCHIVE_PREFIX },
            // maxAge is in seconds.
            deleteObjectsTransition: {
              condition: { type: "Age", maxAge: args.archiveRetentionDays * DAY_SECONDS },
            },
          },
        ],
      },
      { parent: this },
    );
    this.registerOutputs({
      d1DatabaseId: this.database.uuid,
      kvNamespaceId: this.snapshots.id,
      archiveBucket: this.archive.name,
    });
  }
}
