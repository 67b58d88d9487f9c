/**
 * The one build of the Worker: esbuild → a single ESM module. The local stack, the end-to-end
 * tests and Pulumi's WorkersScript all use this function, so what is tested is what is uploaded.
 */
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { type BuildOptions, build } from "esbuild";
import { manifest } from "../../worker/src/manifest";
import { dashboardAssetsPlugin } from "./dashboard-assets";
import { englishOnlyZodLocales } from "./zod-locales";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const WORKER_ENTRY = path.join(REPO_ROOT, "worker", "src", "index.ts");
export const DEFAULT_OUT_DIR = path.join(REPO_ROOT, "dist", "worker");

export interface WorkerBundle {
  /** Absolute path of the written module. */
  file: string;
  /** Name of the main module inside the upload (manifest.mainModule). */
  mainModule: string;
  /** The module's bytes exactly as written. */
  contents: Uint8Array;
  /** Lower-case hex sha256 of `contents`. */
  sha256: string;
}

/**
 * esbuild settings of every Worker bundle: ESM for workerd, resolved with the `workerd`/`worker`/
 * `browser` conditions, minified, no legal comments, so the same sources give the same bytes;
 * the dashboard's assets are built into it (scripts/lib/dashboard-assets.ts).
 */
export const workerBuildOptions = (entryPoint: string): BuildOptions => ({
  entryPoints: [entryPoint],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  external: ["cloudflare:*", "node:*"],
  minify: true,
  legalComments: "none",
  charset: "utf8",
  jsx: "automatic",
  jsxImportSource: "hono/jsx",
  tsconfig: path.join(REPO_ROOT, "worker", "tsconfig.json"),
  absWorkingDir: REPO_ROOT,
  logLevel: "silent",
  // The dashboard's script and styles, built into the bundle as strings (no CDN, works offline).
  // zod's other languages' messages are left out (scripts/lib/zod-locales.ts says why).
  plugins: [dashboardAssetsPlugin(), englishOnlyZodLocales()],
});

/** Bundles worker/src/index.ts; the same sources always give byte-identical output. */
export async function buildWorker(outDir: string = DEFAULT_OUT_DIR): Promise<WorkerBundle> {
  const result = await build({ ...workerBuildOptions(WORKER_ENTRY), write: false });
  const output = result.outputFiles[0];
  if (!output) throw new Error("esbuild produced no output for the Worker");
  const file = path.join(outDir, manifest.mainModule);
  await mkdir(outDir, { recursive: true });
  await writeFile(file, output.contents);
  return {
    file,
    mainModule: manifest.mainModule,
    contents: output.contents,
    sha256: createHash("sha256").update(output.contents).digest("hex"),
  };
}
