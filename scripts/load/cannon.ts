/**
 * Runs the load generator (cannon-child.ts: autocannon) in a second node process on loopback
 * and resolves with its report. The child is killed if the parent gives up on it.
 */
import { fork } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../lib/build";
import type { CannonMessage, CannonOrder, CannonReport } from "./cannon-protocol";

/** Beyond the ordered duration: start-up of the child and the last slice running long. */
const GRACE_MS = 60_000;

/** Forks the autocannon child, gives it `order`, and waits for its report. */
export function runCannon(order: CannonOrder): Promise<CannonReport> {
  const child = fork(path.join(__dirname, "cannon-child.ts"), [], {
    cwd: REPO_ROOT,
    // tsx runs the TypeScript child whoever starts the parent (tsx, vitest).
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const limitMs = (order.durationS ?? 0) * 2_000 + GRACE_MS;
  return new Promise<CannonReport>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the load generator did not finish within ${limitMs} ms`));
    }, limitMs);
    child.once("message", (message: CannonMessage) => {
      clearTimeout(timer);
      if (message.ok) resolve(message.report);
      else reject(new Error(`the load generator failed: ${message.error}`));
    });
    // "close" comes after the IPC channel has closed, so a report sent before exiting has arrived.
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the load generator exited (${code ?? signal}) without a report`));
    });
    child.once("error", reject);
    child.send(order);
  });
}
