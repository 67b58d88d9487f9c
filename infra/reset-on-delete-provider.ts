/**
 * The dynamic provider behind `ResetOnDelete`: it does nothing until the resource is deleted, then
 * sends one Cloudflare API request that resets a setting the bridged provider leaves live. Both the
 * cron trigger and the R2 lifecycle resource of @pulumi/cloudflare 6.x have an empty Delete
 * ("will remove the resource from the state but will not change it in the API"), so without this a
 * removed schedule keeps firing and a removed retention rule keeps deleting archives.
 *
 * Serialized into the state by Pulumi and run in another process: self-contained, global `fetch`
 * only. A 404 means the script or bucket is gone already, which is the goal.
 */
import type * as pulumi from "@pulumi/pulumi";

export interface ResetOnDeleteInputs {
  /** What is reset, for people reading the state: "cron schedules of pathmeter-dev-gateway". */
  description: string;
  /** Full API URL, e.g. https://api.cloudflare.com/client/v4/accounts/{id}/workers/scripts/{name}/schedules. */
  url: string;
  /** JSON body of the PUT that restores the default, e.g. `[]` for "no schedules". */
  body: string;
  apiToken: string;
}

async function resetNow(inputs: ResetOnDeleteInputs): Promise<void> {
  const response = await fetch(inputs.url, {
    method: "PUT",
    headers: { authorization: `Bearer ${inputs.apiToken}`, "content-type": "application/json" },
    body: inputs.body,
  });
  if (response.ok || response.status === 404) return;
  const text = await response.text();
  throw new Error(
    `resetting the ${inputs.description} failed: HTTP ${response.status} ${text.slice(0, 500)}`,
  );
}

/** The provider object Pulumi serializes into the state; see the module header. */
export const resetOnDeleteProvider = {
  async create(inputs: ResetOnDeleteInputs): Promise<pulumi.dynamic.CreateResult<ResetOnDeleteInputs>> {
    return { id: inputs.url, outs: inputs };
  },
  async diff(
    _id: string,
    olds: ResetOnDeleteInputs,
    news: ResetOnDeleteInputs,
  ): Promise<pulumi.dynamic.DiffResult> {
    const changed = (["description", "url", "body", "apiToken"] as const).filter((k) => olds[k] !== news[k]);
    // A new target is a new resource: the old one is deleted (and so reset) after the new one exists.
    return { changes: changed.length > 0, replaces: olds.url === news.url ? [] : ["url"] };
  },
  async update(
    _id: string,
    _olds: ResetOnDeleteInputs,
    news: ResetOnDeleteInputs,
  ): Promise<pulumi.dynamic.UpdateResult<ResetOnDeleteInputs>> {
    return { outs: news };
  },
  async delete(_id: string, props: ResetOnDeleteInputs): Promise<void> {
    await resetNow(props);
  },
} satisfies pulumi.dynamic.ResourceProvider<ResetOnDeleteInputs, ResetOnDeleteInputs>;
