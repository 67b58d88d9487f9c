/**
 * Reads `pathmeter:` config values and collects every problem with the exact `pulumi config set`
 * command that fixes it, so one run reports all of them (infra/config.ts decides what is valid).
 */
import * as pulumi from "@pulumi/pulumi";

export class ConfigReader {
  /** One line per problem, each ending with the command that fixes it. */
  readonly problems: string[] = [];
  private readonly config = new pulumi.Config("pathmeter");
  constructor(readonly stack: string) {}

  /**
   * The exact `pulumi config set` command for `key`. `example` is the value, or starts with flags
   * for a list entry: "--path 'routes[0]' /users/:id".
   */
  command(key: string, example: string, secret = false): string {
    const target = example.startsWith("--path") ? example : `${key} ${example}`;
    return `pulumi config set${secret ? " --secret" : ""} ${target} --stack ${this.stack}`;
  }
  /** Records that `key` is wrong and how to set it. */
  fail(key: string, why: string, example: string, secret = false): void {
    this.problems.push(`${key} ${why}: run \`${this.command(key, example, secret)}\``);
  }
  /** A string setting, or `fallback` when unset. */
  text(key: string, fallback: string): string {
    return this.config.get(key) ?? fallback;
  }
  /**
   * A string setting, else the environment variable `envVar` (what CI provides), else "".
   * An empty value counts as unset (Pulumi.yaml declares these with `default: ""`).
   */
  textOrEnv(key: string, envVar: string): string {
    return this.config.get(key) || process.env[envVar] || "";
  }
  /** A secret setting, or undefined when unset (the stack then generates one). */
  optionalSecret(key: string): pulumi.Output<string> | undefined {
    return this.config.getSecret(key);
  }
  /** An integer setting within [min, max], or `fallback` when unset. */
  integer(key: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.config.get(key);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < min || n > max)
      this.fail(key, `must be an integer from ${min} to ${max}, got "${raw}"`, String(fallback));
    return n;
  }
  /** A boolean setting, or `fallback` when unset. */
  boolean(key: string, fallback: boolean): boolean {
    const raw = this.config.get(key);
    if (raw === undefined) return fallback;
    if (raw !== "true" && raw !== "false")
      this.fail(key, `must be true or false, got "${raw}"`, String(fallback));
    return raw === "true";
  }
}
