/**
 * The reset guards of a stack: removing the cron trigger clears the Worker's schedules, removing
 * the lifecycle resource puts back R2's default rule only (see infra/reset-on-delete.ts for why
 * @pulumi/cloudflare alone leaves them live).
 */

import type { StackSettings } from "./config";
import { resourceName, scriptName } from "./names";
import { ResetOnDelete } from "./reset-on-delete";
import { type DataStores, DEFAULT_MULTIPART_ABORT_RULE } from "./storage";
import type { GatewayWorker } from "./worker";

/** One `ResetOnDelete` for the cron trigger and one for the archive lifecycle rules. */
export function guardDeletes(settings: StackSettings, worker: GatewayWorker, stores: DataStores): void {
  const { stack, accountId, apiToken } = settings;
  const account = `/accounts/${accountId}`;
  new ResetOnDelete(resourceName(stack, "crons-reset"), {
    description: `cron schedules of ${scriptName(stack)}`,
    path: worker.script.scriptName.apply((name) => `${account}/workers/scripts/${name}/schedules`),
    body: [],
    apiToken,
    guards: worker.cron,
  });
  new ResetOnDelete(resourceName(stack, "archive-lifecycle-reset"), {
    description: "archive lifecycle rules",
    path: stores.archive.name.apply((name) => `${account}/r2/buckets/${name}/lifecycle`),
    body: { rules: [DEFAULT_MULTIPART_ABORT_RULE] },
    apiToken,
    guards: stores.archiveLifecycle,
  });
}
