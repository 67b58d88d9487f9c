/**
 * Builds the bench-only Worker entries in scripts/bench/workers/ with the same esbuild settings
 * as the production bundle (ESM, workerd conditions), so the two sides of a comparison differ
 * only in what their code does.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { REPO_ROOT, workerBuildOptions } from "../lib/build";

export interface BenchWorkerBundle {
  dir: string;
  file: string;
  remove(): Promise<void>;
}

/** Bundles `scripts/bench/workers/<name>.ts` into a fresh temporary directory. */
export async function buildBenchWorker(name: string): Promise<BenchWorkerBundle> {
  const dir = await mkdtemp(path.join(tmpdir(), `pathmeter-bench-${name}-`));
  const file = path.join(dir, "index.js");
  await build({
    ...workerBuildOptions(path.join(REPO_ROOT, "scripts", "bench", "workers", `${name}.ts`)),
    outfile: file,
  });
  return { dir, file, remove: () => rm(dir, { recursive: true, force: true }) };
}
