/**
 * Shared set-up of the program tests (program.test.ts, program-script.test.ts): the resource types
 * they look for, and both stacks' programs run once per test file as CI runs them.
 */
import { beforeAll } from "vitest";
import { type ProgramReport, runProgram, stackFileConfig } from "./program-run";

/** The Pulumi type token of each resource the program registers. */
export const T = {
  provider: "pulumi:providers:cloudflare",
  queue: "cloudflare:index/queue:Queue",
  consumer: "cloudflare:index/queueConsumer:QueueConsumer",
  d1: "cloudflare:index/d1Database:D1Database",
  kv: "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
  r2: "cloudflare:index/r2Bucket:R2Bucket",
  lifecycle: "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle",
  script: "cloudflare:index/workersScript:WorkersScript",
  cron: "cloudflare:index/workersCronTrigger:WorkersCronTrigger",
  subdomain: "cloudflare:index/workersScriptSubdomain:WorkersScriptSubdomain",
  migrations: "pulumi-nodejs:dynamic/pathmeter:D1Migrations",
  reset: "pulumi-nodejs:dynamic/pathmeter:ResetOnDelete",
  password: "random:index/randomPassword:RandomPassword",
} as const;

/** What the mock's RandomPassword returns for a 64-character password (tests/infra/pulumi-run.cjs). */
export const GENERATED = `generated-${"x".repeat(64)}`;

export const STACKS = ["dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];

/** A stack's report and the helpers its tests use, once {@link runBothStacks}' hook has run. */
export interface StackUnderTest {
  report: () => ProgramReport;
  /** The physical name of a logical resource: pathmeter-<stack>-<logical>. */
  name: (logical: string) => string;
  /** A setting from the committed Pulumi.<stack>.yaml. */
  setting: (key: string) => Promise<string | undefined>;
}

/**
 * Registers a beforeAll that runs both stacks' programs as CI runs them (the committed
 * Pulumi.<stack>.yaml and CI's environment, nothing set per user); returns each stack's accessors.
 */
export function runBothStacks(): (stack: StackName) => StackUnderTest {
  const runs: Partial<Record<StackName, ProgramReport>> = {};
  beforeAll(async () => {
    const [dev, prod] = await Promise.all(STACKS.map((stack) => runProgram({ stack, asCi: true })));
    Object.assign(runs, { dev, prod });
  }, 180_000);
  return (stack) => ({
    report: () => {
      const r = runs[stack];
      if (!r) throw new Error("program did not run");
      return r;
    },
    name: (logical) => `pathmeter-${stack}-${logical}`,
    setting: async (key) => (await stackFileConfig(stack))[`pathmeter:${key}`],
  });
}
