/**
 * Builds the bench-only Worker entries in scripts/bench/workers/ with the same esbuild settings
 * as the production bundle (ESM, workerd conditions), so the two sides of a comparison differ
 * only in what their code does, and starts a bench-only gateway on its own port.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { Log, LogLevel, Miniflare } from "miniflare";
import { REPO_ROOT, workerBuildOptions } from "../lib/build";
import { miniflareBindings } from "../lib/miniflare-options";

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

/**
 * A bench-only gateway Worker on its own port, with the local stack's bindings and `extraText`
 * plain-text bindings that only bench Workers read (e.g. the queue relay's URL).
 */
export function benchGateway(
  bundle: BenchWorkerBundle,
  upstreamUrl: string,
  extraText: Record<string, string> = {},
): Miniflare {
  // No consumer and no live hub: the bench Workers only proxy (and record, or not).
  const {
    queueConsumers: _none,
    durableObjects: _noHub,
    ...bindings
  } = miniflareBindings({
    secrets: { ADMIN_TOKEN: "bench-token", CLIENT_IP_SALT: "bench-salt" },
    vars: { UPSTREAM_URL: upstreamUrl },
  });
  return new Miniflare({
    ...bindings,
    bindings: { ...bindings.bindings, ...extraText },
    modules: true,
    scriptPath: bundle.file,
    modulesRoot: bundle.dir,
    host: "127.0.0.1",
    port: 0,
    cf: { httpProtocol: "HTTP/1.1" },
    log: new Log(LogLevel.WARN),
  });
}
