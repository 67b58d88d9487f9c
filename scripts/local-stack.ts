/**
 * The local stack: the production Worker bundle in workerd (Miniflare) with persisted D1/KV/R2,
 * the events queue and its dead-letter queue (consumer settings from the manifest), migrations
 * applied at start and the manifest's cron schedules firing on the local clock. `npm start`, the
 * end-to-end tests and the benchmarks all start it through `startLocalStack`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Log, LogLevel, Miniflare, MiniflareCoreError, type MiniflareOptions } from "miniflare";
import { manifest, type VarName } from "../worker/src/manifest";
import { errorMessage } from "../worker/src/shared/errors";
import { startDemoUpstream } from "./demo-upstream";
import { buildWorker, REPO_ROOT } from "./lib/build";
import { startCronScheduler } from "./lib/cron";
import { assertPortFree, PortInUseError, persistedSalt, statePaths } from "./lib/local-state";
import { d1Executor, migrate, readMigrationFiles } from "./lib/migrations";
import { miniflareBindings } from "./lib/miniflare-options";
import { CONSUMER_PROGRESS_SQL, waitForQuietQueue } from "./lib/queue-drain";

export interface LocalStackOptions {
  /** Persisted D1/KV/R2 and the client-IP salt (PATHMETER_STATE_DIR, default ".pathmeter/"). */
  stateDir: string;
  /** 0 = any free port (tests); npm start uses PORT ?? 8787. @default 0 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** The API to proxy; when absent, the built-in demo upstream is started. */
  upstreamUrl?: string;
  /** Bearer token for the reserved prefix. @default "dev-token" */
  adminToken?: string;
  /** @default a random salt generated once and stored in stateDir, so hashes survive restarts */
  clientIpSalt?: string;
  /** Overrides of manifest vars (e.g. HOT_DAYS). */
  vars?: Partial<Record<VarName, string>>;
  /** Fire the manifest's cron schedules on the local clock (UTC). @default true */
  crons?: boolean;
  /**
   * Adjusts the Miniflare options just before workerd starts. A test hook: the fault scenarios
   * swap a binding for a wrapper that fails (tests/e2e/faults-queue.ts). npm start never sets it.
   */
  adjustMiniflare?: (options: MiniflareOptions) => MiniflareOptions;
  log?: (line: string) => void;
}

export interface LocalStack {
  /** Gateway origin, e.g. http://127.0.0.1:8787 */
  url: string;
  adminToken: string;
  upstreamUrl: string;
  /** For tests and benchmarks: getD1Database("DB"), getWorker() ... */
  mf: Miniflare;
  /** Runs the scheduled handler as Cloudflare would for `cron` at `scheduledTime` (default now). */
  runCron(cron: string, scheduledTime?: Date): Promise<void>;
  /** Stops the crons, waits for queued events to be stored, then stops workerd and the demo upstream. */
  stop(): Promise<void>;
}

/** Extra time on top of the consumer's batch wait before a quiet queue counts as drained. */
const DRAIN_MARGIN_MS = 1_500;
const DRAIN_TIMEOUT_MS = 60_000;

/** The API the gateway proxies to. */
interface Upstream {
  url: string;
  /** Closes the demo upstream, if one was started. */
  close(): Promise<void>;
}

/** The configured upstream, or the built-in demo upstream when none is configured. */
async function startUpstream(options: LocalStackOptions, host: string): Promise<Upstream> {
  if (options.upstreamUrl) return { url: options.upstreamUrl, close: async () => {} };
  const demo = await startDemoUpstream({ host });
  return { url: demo.url, close: () => demo.close() };
}

interface WorkerdSettings {
  host: string;
  port: number;
  paths: ReturnType<typeof statePaths>;
  bundleDir: string;
  secrets: { ADMIN_TOKEN: string; CLIENT_IP_SALT: string };
  vars: Partial<Record<VarName, string>>;
  adjust?: LocalStackOptions["adjustMiniflare"];
}

/** Builds the bundle and starts it in workerd with the manifest's bindings and persisted state. */
async function startWorkerd(settings: WorkerdSettings): Promise<Miniflare> {
  const { host, port, paths, bundleDir } = settings;
  let mf: Miniflare | undefined;
  try {
    const bundle = await buildWorker(bundleDir);
    const bindings = miniflareBindings({ secrets: settings.secrets, vars: settings.vars });
    const options: MiniflareOptions = {
      ...bindings,
      modules: true,
      scriptPath: bundle.file,
      modulesRoot: bundleDir,
      host,
      port,
      d1Persist: paths.d1,
      kvPersist: paths.kv,
      r2Persist: paths.r2,
      unsafeTriggerHandlers: true,
      // No colo/country locally (and no fetch of Cloudflare's cf.json, which needs the internet).
      cf: { httpProtocol: "HTTP/1.1" },
      log: new Log(LogLevel.WARN),
    };
    mf = new Miniflare(settings.adjust ? settings.adjust(options) : options);
    await mf.ready;
    return mf;
  } catch (error) {
    await mf?.dispose().catch(() => {});
    // Taken between the probe in startLocalStack and workerd binding it.
    if (error instanceof MiniflareCoreError && error.code === "ERR_ADDRESS_IN_USE")
      throw new PortInUseError(host, port);
    throw error;
  }
}

/** Applies the pending D1 migrations; stops workerd when they fail. */
async function applyMigrations(mf: Miniflare, log: (line: string) => void): Promise<void> {
  try {
    const db = await mf.getD1Database(manifest.d1.binding);
    const result = await migrate(
      d1Executor(db),
      await readMigrationFiles(path.join(REPO_ROOT, manifest.d1.migrationsDir)),
    );
    log(`migrations: ${result.ran.length} applied, ${result.applied.length} already applied`);
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}

/** Runs the scheduled handler as Cloudflare would; throws unless it ended ok. */
const cronRunner =
  (mf: Miniflare) =>
  async (cron: string, scheduledTime: Date = new Date()): Promise<void> => {
    const result = await (await mf.getWorker()).scheduled({ cron, scheduledTime });
    if (result.outcome !== "ok")
      throw new Error(`scheduled handler for "${cron}" ended with ${result.outcome}`);
  };

/**
 * Fires the manifest's cron triggers on the local clock, as Cloudflare does; the Worker's scheduled
 * handler runs the jobs due at each time (worker/src/jobs/dispatch.ts).
 */
function startLocalCrons(runCron: LocalStack["runCron"], log: (line: string) => void) {
  return startCronScheduler({
    schedules: manifest.cronTriggers,
    fire: async (cron, time) => {
      await runCron(cron, time);
      log(`cron ${cron} ran for ${time.toISOString()}`);
    },
    onError: (cron, error) => log(`cron ${cron} failed: ${errorMessage(error)}`),
  });
}

/** Waits until the consumer has stored what is queued (or workerd is gone), logging the outcome. */
async function drainQueue(mf: Miniflare, log: (line: string) => void): Promise<void> {
  try {
    const db = await mf.getD1Database(manifest.d1.binding);
    const drain = await waitForQuietQueue({
      progress: async () => (await db.prepare(CONSUMER_PROGRESS_SQL).first<{ n: number }>())?.n ?? 0,
      quietMs: manifest.queues.events.consumer.maxWaitTimeMs + DRAIN_MARGIN_MS,
      timeoutMs: DRAIN_TIMEOUT_MS,
    });
    log(`queue ${drain.drained ? "drained" : "still busy, stopping anyway"} after ${drain.waitedMs} ms`);
  } catch (error) {
    // workerd is already gone (e.g. killed from outside): nothing left to drain or to wait for.
    log(`workerd stopped before the queue could drain: ${errorMessage(error)}`);
  }
}

/** Starts the local stack; see LocalStackOptions for the defaults. */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 0;
  const adminToken = options.adminToken ?? "dev-token";
  const paths = statePaths(options.stateDir);
  await assertPortFree(host, port);
  const clientIpSalt = options.clientIpSalt ?? (await persistedSalt(paths.salt));

  const upstream = await startUpstream(options, host);
  // A private copy of the bundle: the bytes buildWorker() produces, safe from concurrent builds.
  const bundleDir = await mkdtemp(path.join(tmpdir(), "pathmeter-bundle-"));
  const cleanup = async () => {
    await upstream.close();
    await rm(bundleDir, { recursive: true, force: true });
  };
  let mf: Miniflare;
  try {
    mf = await startWorkerd({
      host,
      port,
      paths,
      bundleDir,
      secrets: { ADMIN_TOKEN: adminToken, CLIENT_IP_SALT: clientIpSalt },
      vars: {
        ...options.vars,
        UPSTREAM_URL: upstream.url,
        DEAD_LETTER_QUEUE: manifest.queues.deadLetters.name,
      },
      adjust: options.adjustMiniflare,
    });
    await applyMigrations(mf, log);
  } catch (error) {
    await cleanup();
    throw error;
  }
  const url = (await mf.ready).origin;
  const runCron = cronRunner(mf);
  const crons = (options.crons ?? true) ? startLocalCrons(runCron, log) : null;

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      crons?.stop();
      await drainQueue(mf, log);
      await mf.dispose();
      await cleanup();
    })();
    return stopped;
  };
  return { url, adminToken, upstreamUrl: upstream.url, mf, runCron, stop };
}
