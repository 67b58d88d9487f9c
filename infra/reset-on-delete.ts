/**
 * `ResetOnDelete`: a companion of a Cloudflare resource whose provider Delete is a no-op (cron
 * trigger, R2 lifecycle). It depends on that resource, so Pulumi deletes it first whenever the
 * resource goes (removed from the program, `pulumi destroy`), and its delete sends the reset
 * request (infra/reset-on-delete-provider.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_API_BASE_URL } from "../scripts/lib/d1-http";
import { resetOnDeleteProvider } from "./reset-on-delete-provider";

export interface ResetOnDeleteArgs {
  description: string;
  /** API path below /client/v4, e.g. `/accounts/{id}/workers/scripts/{name}/schedules`. */
  path: pulumi.Input<string>;
  /** The PUT body that restores the default. */
  body: unknown;
  apiToken: pulumi.Input<string>;
  /** The resource whose removal triggers the reset. */
  guards: pulumi.Resource;
  /** @default "https://api.cloudflare.com/client/v4" */
  apiBaseUrl?: string;
}

/** Sends `PUT path body` when deleted; see the module header. */
export class ResetOnDelete extends pulumi.dynamic.Resource {
  constructor(name: string, args: ResetOnDeleteArgs, opts?: pulumi.CustomResourceOptions) {
    const base = args.apiBaseUrl ?? CLOUDFLARE_API_BASE_URL;
    super(
      resetOnDeleteProvider,
      name,
      {
        description: args.description,
        url: pulumi.interpolate`${base}${args.path}`,
        body: JSON.stringify(args.body),
        apiToken: pulumi.secret(args.apiToken),
      },
      { ...opts, dependsOn: [args.guards] },
      "pathmeter",
      "ResetOnDelete",
    );
  }
}
