/**
 * The Worker's two secrets: a value set with `pulumi config set --secret` wins; otherwise the stack
 * generates one (@pulumi/random) and keeps it, encrypted, in its state, so a fresh clone in CI needs
 * no secret of its own. `pulumi stack output adminToken --show-secrets` prints the admin token.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { resourceName } from "./names";

export interface StackSecretsArgs {
  stack: string;
  /** `pathmeter:adminToken` when set. */
  adminToken?: pulumi.Output<string>;
  /** `pathmeter:clientIpSalt` when set. */
  clientIpSalt?: pulumi.Output<string>;
}

/** 64 letters and digits: ~380 bits, URL- and header-safe (no special characters to quote). */
const GENERATED = { length: 64, special: false } as const;

/** The admin token and the client-IP salt, each configured or generated; both are secrets. */
export class StackSecrets extends pulumi.ComponentResource {
  readonly adminToken: pulumi.Output<string>;
  readonly clientIpSalt: pulumi.Output<string>;

  constructor(name: string, args: StackSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pathmeter:infra:StackSecrets", name, {}, opts);
    const generated = (logical: string) =>
      pulumi.secret(
        new random.RandomPassword(resourceName(args.stack, logical), GENERATED, { parent: this }).result,
      );
    this.adminToken = pulumi.secret(args.adminToken ?? generated("admin-token"));
    this.clientIpSalt = pulumi.secret(args.clientIpSalt ?? generated("client-ip-salt"));
    this.registerOutputs({});
  }
}
