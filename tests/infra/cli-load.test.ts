/**
 * The program loads the CLI's way: from the folder of Pulumi.yaml's `main` (infra/), whose
 * tsconfig.json is what @pulumi/pulumi's cmd/run hands ts-node. A type error in infra/ fails that
 * load (ts-node type-checks, as `pulumi up` does), and so does an error only infra/tsconfig.json's
 * settings catch (noUncheckedIndexedAccess), which proves that file is the one read.
 */
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/build";
import { projectMain, runProgram } from "./program-run";

/** A throwaway program next to infra/index.ts that re-exports it after `body`. */
async function withProbe(body: string, run: (main: string) => Promise<void>): Promise<void> {
  const name = `probe-${process.pid}-${Math.random().toString(36).slice(2)}.ts`;
  const file = path.join(REPO_ROOT, "infra", name);
  await writeFile(file, `import { main } from "./main";\n${body}\nexport = main;\n`);
  try {
    await run(`infra/${name}`);
  } finally {
    await rm(file, { force: true });
  }
}

describe("the CLI's way", () => {
  it("runs infra/index.ts from infra/, where tsconfig.json extends the root settings", async () => {
    const main = await projectMain();
    expect(main).toBe("infra/index.ts");
    const tsconfig = path.join(REPO_ROOT, path.dirname(main), "tsconfig.json");
    expect(existsSync(tsconfig)).toBe(true);
    expect(await readFile(tsconfig, "utf8")).toMatch(/"extends": "\.\.\/tsconfig\.json"/);
  });

  it("fails the load on a type error in infra/", async () => {
    await withProbe('const port: number = "8787";\nvoid port;', async (main) => {
      const report = await runProgram({ stack: "dev", asCi: true, main });
      expect(report.ok).toBe(false);
      expect(report.error).toMatch(/TS2322/);
      expect(report.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
    });
  }, 120_000);

  it("reads infra/tsconfig.json: an unchecked index access fails only under its settings", async () => {
    const body = "const hours: number[] = [];\nconst first: number = hours[0];\nvoid first;";
    await withProbe(body, async (main) => {
      const report = await runProgram({ stack: "dev", asCi: true, main });
      expect(report.error).toMatch(/TS2322/);
      expect(report.error).toMatch(/undefined/);
    });
  }, 120_000);
});
