/**
 * `npm start` as a user runs it, for tests of how it starts and stops: a child process leading its
 * own process group (as a terminal's job does), its output captured, its processes listed.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";

const REPO_ROOT = path.join(__dirname, "..", "..");

export interface StartedNpm {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output: () => string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Spawns `npm start` with these environment variables, in a process group of its own. */
export function spawnNpmStart(env: Record<string, string>): StartedNpm {
  const child = spawn("npm", ["start", "--silent"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? signal ?? "unknown"));
  });
  return { child, output: () => output, exited };
}

/** Waits for the ready banner and returns the gateway's URL; fails with the output if it exits first. */
export async function readyUrl(started: StartedNpm, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void started.exited.then(() => {
    ended = true;
  });
  while (Date.now() < deadline) {
    const match = /gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(started.output());
    if (match?.[1]) return match[1];
    if (ended) break;
    await sleep(100);
  }
  throw new Error(`npm start did not become ready; its output:\n${started.output()}`);
}

interface ProcessRow {
  pid: number;
  ppid: number;
  /** ps STAT: "Z…" is a zombie, i.e. already ended. */
  state: string;
  command: string;
}

async function processTable(): Promise<ProcessRow[]> {
  const { stdout } = await promisify(execFile)("ps", ["-A", "-o", "pid=,ppid=,stat=,comm="]);
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 4)
    .map(([pid, ppid, state, ...command]) => ({
      pid: Number(pid),
      ppid: Number(ppid),
      state: state ?? "",
      command: command.join(" "),
    }));
}

/** Pids of the live processes named `name` that descend from `root`. */
export async function descendantsNamed(root: number, name: string): Promise<number[]> {
  const rows = await processTable();
  const below = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const row of rows)
      if (below.has(row.ppid) && !below.has(row.pid)) {
        below.add(row.pid);
        grew = true;
      }
  }
  return rows
    .filter((r) => below.has(r.pid) && r.command === name && !r.state.startsWith("Z"))
    .map((r) => r.pid);
}

/** True while `pid` is a process that has not ended (a zombie has ended). */
export async function isRunning(pid: number): Promise<boolean> {
  const row = (await processTable()).find((r) => r.pid === pid);
  return row !== undefined && !row.state.startsWith("Z");
}

/** Polls until `pid` has ended; false if it still runs at the deadline. */
export async function waitUntilEnded(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isRunning(pid))) return true;
    await sleep(200);
  }
  return !(await isRunning(pid));
}

/**
 * Polls until a new server can listen on 127.0.0.1:`port`; false if it cannot by the deadline.
 * A polled wait, not one try: workerd's main thread can already show as a zombie (so
 * waitUntilEnded says it ended) while its other threads, which hold the socket, are still exiting.
 */
export async function portFreedWithin(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portIsFree(port)) return true;
    await sleep(200);
  }
  return portIsFree(port);
}

/** True when a new server can listen on 127.0.0.1:`port`. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port no one listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
