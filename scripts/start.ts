/**
 * `npm start`: the local stack on http://127.0.0.1:${PORT:-8787}, state in PATHMETER_STATE_DIR,
 * proxying UPSTREAM_URL (or the built-in demo API). Prints the URLs and the local admin token
 * once the Worker answers its health check; SIGINT/SIGTERM/SIGHUP stop it cleanly (queued events
 * are stored first, then workerd and the demo upstream stop, exit code 0). However npm start ends,
 * even by SIGKILL, workerd does not outlive it (the watchdog in scripts/lib/workerd-shielded.sh).
 *
 * package.json runs it as `node --import tsx scripts/start.ts`, not through the tsx CLI: the CLI
 * relays signals to its child and SIGKILLs it when the child does not acknowledge one within
 * 30 ms — on a busy machine that killed the stack before it could store the queued events.
 */
import { createRequire } from "node:module";
import path from "node:path";
import { manifest } from "../worker/src/manifest";
import { errorMessage } from "../worker/src/shared/errors";
import { PortInUseError } from "./lib/local-state";
import { readStartConfig, readyBanner, type StartConfig, UsageError } from "./lib/start-config";
import { type LocalStack, startLocalStack } from "./local-stack";

const log = (line: string) => console.log(`[pathmeter] ${line}`);
/** Ctrl-C, SIGTERM and a closed terminal (SIGHUP) all store the queued events before stopping. */
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** Lets Ctrl-C and SIGTERM reach this process only: see scripts/lib/workerd-shielded.sh. */
function shieldWorkerdFromCtrlC(): void {
  if (process.platform === "win32" || process.env.MINIFLARE_WORKERD_PATH) return;
  const fromMiniflare = createRequire(require.resolve("miniflare"));
  const workerd = fromMiniflare("workerd") as { default: string };
  process.env.PATHMETER_WORKERD_BIN = workerd.default;
  process.env.MINIFLARE_WORKERD_PATH = path.join(__dirname, "lib", "workerd-shielded.sh");
}

/**
 * Miniflare's exit hook calls process.exit() on SIGINT/SIGTERM at once, which would drop the
 * events still queued in memory. Its listeners are removed so `shutdown` can drain first; its
 * "exit" hook stays and still stops workerd whatever happens.
 */
async function takeOverSignals(run: () => Promise<LocalStack>): Promise<LocalStack> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const stack = await run();
  for (const signal of SIGNALS)
    for (const listener of process.listeners(signal))
      if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
  return stack;
}

/**
 * The Worker parses each setting where it is used and lists those it cannot parse in health's
 * `problems`: the local stack refuses to start with them, naming each setting.
 */
async function assertHealthy(stack: LocalStack, config: StartConfig): Promise<void> {
  const prefix = (config.vars.RESERVED_PREFIX ?? manifest.vars.RESERVED_PREFIX).replace(/\/+$/, "");
  const res = await fetch(`${stack.url}${prefix}/api/ops/health`, {
    headers: { Authorization: `Bearer ${stack.adminToken}` },
  });
  const body = (await res.json().catch(() => ({}))) as { problems?: string[]; error?: { message?: string } };
  if (!res.ok)
    throw new UsageError(
      `the Worker failed its health check (HTTP ${res.status}: ${body.error?.message ?? "no message"}); its log above says why`,
    );
  if (body.problems && body.problems.length > 0)
    throw new UsageError(`settings that cannot be parsed: ${body.problems.join("; ")}`);
}

function stopOnSignals(stack: LocalStack): void {
  let stopping = false;
  const shutdown = (signal: string) => {
    // A second Ctrl-C does not cut the drain short: the queued events would be lost with it.
    if (stopping) {
      log(`${signal}: already stopping; still storing queued events (SIGKILL would lose them)…`);
      return;
    }
    stopping = true;
    log(`${signal}: storing queued events, then stopping…`);
    stack.stop().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`[pathmeter] stop failed: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, () => shutdown(signal));
}

async function main(): Promise<void> {
  const config = readStartConfig(process.env);
  shieldWorkerdFromCtrlC();
  const stack = await takeOverSignals(() => startLocalStack({ ...config, crons: true, log }));
  stopOnSignals(stack);
  try {
    await assertHealthy(stack, config);
  } catch (error) {
    // Said at once. workerd has been listening meanwhile and may have queued traffic (a setting
    // the gateway does not use leaves it recording), so the stop still stores what is queued.
    reportFailure(error);
    await stack.stop();
    process.exit(1);
  }
  console.log(readyBanner(stack, config));
}

/** Known mistakes get one plain line; anything else keeps its stack for a bug report. */
function reportFailure(error: unknown): void {
  if (error instanceof PortInUseError || error instanceof UsageError)
    console.error(`[pathmeter] ${error.message}`);
  else console.error(error);
}

main().catch((error: unknown) => {
  reportFailure(error);
  process.exit(1);
});
