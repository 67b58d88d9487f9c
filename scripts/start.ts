/**
 * `npm start`: the local stack on http://127.0.0.1:${PORT:-8787}, state in PATHMETER_STATE_DIR,
 * proxying UPSTREAM_URL (or the built-in demo API). Prints the URLs and the local admin token
 * when ready; SIGINT/SIGTERM stop it cleanly (queued events are stored first).
 */
import { createRequire } from "node:module";
import path from "node:path";
import { PortInUseError } from "./lib/local-state";
import { type LocalStack, startLocalStack } from "./local-stack";

const DEFAULT_PORT = 8787;

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`PORT must be 0..65535, got "${raw}"`);
  return port;
}

class UsageError extends Error {
  override name = "UsageError";
}

const log = (line: string) => console.log(`[pathmeter] ${line}`);

function readyBanner(stack: LocalStack, stateDir: string, demo: boolean): string {
  const api = `${stack.url}/_pathmeter`;
  const auth = `-H 'Authorization: Bearer ${stack.adminToken}'`;
  return [
    "",
    `pathmeter is running`,
    `  gateway     ${stack.url}   (every path outside /_pathmeter is proxied and recorded)`,
    `  upstream    ${stack.upstreamUrl}${demo ? "   (built-in demo API)" : ""}`,
    `  state       ${stateDir}`,
    `  admin token ${stack.adminToken}   (local only; set ADMIN_TOKEN to change it)`,
    "",
    "Try:",
    `  curl -H 'CF-Connecting-IP: 203.0.113.7' ${stack.url}/users/42`,
    `  curl ${auth} -H 'Content-Type: application/json' \\`,
    `    -d '[{"ts":'$(date +%s000)',"method":"GET","path":"/v1/items/7","status":200,"durationMs":12,"clientIp":"198.51.100.4"}]' ${api}/ingest`,
    `  curl ${auth} ${api}/api/stats/summary`,
    `  curl ${auth} ${api}/api/ops/health`,
    "",
    "Events are stored in batches (up to 5 s). Ctrl-C stops the stack; data stays in the state directory.",
    "",
  ].join("\n");
}

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Miniflare's exit hook calls process.exit() on SIGINT/SIGTERM at once, which would drop the
 * events still queued in memory. Its listeners are removed so `shutdown` can drain first; its
 * "exit" hook stays and still stops workerd whatever happens.
 */
function takeOverSignals(run: () => Promise<LocalStack>): Promise<LocalStack> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  return run().then((stack) => {
    for (const signal of SIGNALS)
      for (const listener of process.listeners(signal))
        if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
    return stack;
  });
}

/** Lets Ctrl-C reach this process only: see scripts/lib/workerd-ignore-sigint.sh. */
function shieldWorkerdFromCtrlC(): void {
  if (process.platform === "win32" || process.env.MINIFLARE_WORKERD_PATH) return;
  const fromMiniflare = createRequire(require.resolve("miniflare"));
  const workerd = fromMiniflare("workerd") as { default: string };
  process.env.PATHMETER_WORKERD_BIN = workerd.default;
  process.env.MINIFLARE_WORKERD_PATH = path.join(__dirname, "lib", "workerd-ignore-sigint.sh");
}

async function main(): Promise<void> {
  shieldWorkerdFromCtrlC();
  const stateDir = process.env.PATHMETER_STATE_DIR || ".pathmeter/";
  const upstreamUrl = process.env.UPSTREAM_URL || undefined;
  const stack = await takeOverSignals(() =>
    startLocalStack({
      stateDir,
      port: readPort(process.env.PORT),
      upstreamUrl,
      adminToken: process.env.ADMIN_TOKEN || "dev-token",
      crons: true,
      log,
    }),
  );
  console.log(readyBanner(stack, stateDir, upstreamUrl === undefined));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: storing queued events, then stopping…`);
    stack.stop().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(`[pathmeter] stop failed: ${error instanceof Error ? error.message : error}`);
        process.exit(1);
      },
    );
  };
  for (const signal of SIGNALS) process.on(signal, () => shutdown(signal));
}

main().catch((error: unknown) => {
  // Known mistakes get one plain line; anything else keeps its stack for a bug report.
  if (error instanceof PortInUseError || error instanceof UsageError)
    console.error(`[pathmeter] ${error.message}`);
  else console.error(error);
  process.exit(1);
});
