/**
 * The dashboard's browser assets, built at bundle time into the Worker (no CDN: the page works
 * offline). esbuild bundles dashboard/src/main.ts (with uPlot) and dashboard/src/styles.css; the
 * results become the virtual module `virtual:pathmeter-dashboard-assets` that
 * worker/src/dashboard/assets.ts imports. The production build (scripts/lib/build.ts, an esbuild
 * plugin) and the workerd test pool (vitest.config.mts, a Vite plugin) both load it from here, so
 * the tests, the local stack and Pulumi serve the same bytes.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = path.resolve(__dirname, "..", "..");
const SOURCE_DIR = path.join(ROOT, "dashboard", "src");

/** The id the Worker imports; resolved by the plugins below, never by node_modules. */
export const DASHBOARD_ASSETS_MODULE = "virtual:pathmeter-dashboard-assets";

export interface DashboardAsset {
  /** File name with a content hash, e.g. app.3f9c2a1b.js: safe to cache forever. */
  name: string;
  contentType: string;
  body: string;
}

async function bundleOne(entry: string, loader: "ts" | "css"): Promise<string> {
  const result = await build({
    entryPoints: [path.join(SOURCE_DIR, entry)],
    bundle: true,
    write: false,
    minify: true,
    legalComments: "none",
    charset: "utf8",
    format: loader === "ts" ? "iife" : undefined,
    platform: "browser",
    target: ["es2022", "chrome110", "firefox110", "safari16"],
    tsconfig: path.join(ROOT, "dashboard", "tsconfig.json"),
    absWorkingDir: ROOT,
    logLevel: "silent",
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for dashboard/src/${entry}`);
  return output.text;
}

const hashed = (base: string, ext: string, body: string, contentType: string): DashboardAsset => ({
  name: `${base}.${createHash("sha256").update(body).digest("hex").slice(0, 12)}.${ext}`,
  contentType,
  body,
});

/** The page's script and style sheet, minified, with hashed names. */
export async function buildDashboardAssets(): Promise<{ script: DashboardAsset; style: DashboardAsset }> {
  const [script, style] = await Promise.all([bundleOne("main.ts", "ts"), bundleOne("styles.css", "css")]);
  return {
    script: hashed("app", "js", script, "text/javascript; charset=utf-8"),
    style: hashed("app", "css", style, "text/css; charset=utf-8"),
  };
}

/** Source of the virtual module: the assets as string constants. */
export async function dashboardAssetsModuleSource(): Promise<string> {
  const assets = await buildDashboardAssets();
  return `export const script = ${JSON.stringify(assets.script)};\nexport const style = ${JSON.stringify(assets.style)};\n`;
}

/** esbuild plugin resolving the virtual module (the Worker build). */
export const dashboardAssetsPlugin = (): Plugin => ({
  name: "pathmeter-dashboard-assets",
  setup(pluginBuild) {
    const filter = new RegExp(`^${DASHBOARD_ASSETS_MODULE}$`);
    pluginBuild.onResolve({ filter }, () => ({ path: DASHBOARD_ASSETS_MODULE, namespace: "pathmeter" }));
    pluginBuild.onLoad({ filter, namespace: "pathmeter" }, async () => ({
      contents: await dashboardAssetsModuleSource(),
      loader: "js",
      watchDirs: [SOURCE_DIR],
    }));
  },
});

/** Vite plugin resolving the virtual module (the workerd test pool runs sources through Vite). */
export const dashboardAssetsVitePlugin = () => {
  const resolved = `\0${DASHBOARD_ASSETS_MODULE}`;
  return {
    name: "pathmeter-dashboard-assets",
    resolveId: (id: string) => (id === DASHBOARD_ASSETS_MODULE ? resolved : undefined),
    load: async (id: string) => (id === resolved ? dashboardAssetsModuleSource() : undefined),
  };
};
