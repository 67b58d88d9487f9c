/**
 * How `npm start` ends (issue 12, found bug 2): whatever ends it — SIGKILL of its process group,
 * a closed terminal (SIGHUP), SIGTERM — workerd does not outlive it and the port is free again;
 * SIGTERM still stores the queued events first; a setting that cannot be parsed stops the start
 * with a message naming it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { recordReliability } from "../reliability-record";
import { tempStateDir } from "./helpers";
import {
  descendantsNamed,
  freePort,
  isRunning,
  portFreedWithin,
  readyUrl,
  type StartedNpm,
  spawnNpmStart,
  waitUntilEnded,
} from "./start-process";

const TOKEN = "start-stop-token";

interface Running {
  started: StartedNpm;
  url: string;
  port: number;
  workerd: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function startStack(stateDir: string, extra: Record<string, string> = {}): Promise<Running> {
  const started = spawnNpmStart({ PORT: "0", PATHMETER_STATE_DIR: stateDir, ADMIN_TOKEN: TOKEN, ...extra });
  const pid = started.child.pid;
  if (pid === undefined) throw new Error("npm start did not spawn");
  cleanups.push(async () => {
    if (started.child.exitCode === null && started.child.signalCode === null) process.kill(-pid, "SIGKILL");
  });
  const url = await readyUrl(started);
  const [workerd, ...more] = await descendantsNamed(pid, "workerd");
  if (workerd === undefined) throw new Error(`no workerd under npm start:\n${started.output()}`);
  expect(more).toEqual([]);
  // Whatever a test left running, nothing of it survives the test.
  cleanups.push(async () => {
    if (await isRunning(workerd)) process.kill(workerd, "SIGKILL");
  });
  return { started, url, port: Number(new URL(url).port), workerd };
}

async function newState(): Promise<string> {
  const state = await tempStateDir();
  cleanups.push(state.remove);
  return state.dir;
}

describe("npm start never leaves workerd behind", () => {
  it("SIGKILL to its process group: workerd ends and the port is free", async () => {
    const stack = await startStack(await newState());
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
    process.kill(-(stack.started.child.pid ?? 0), "SIGKILL");
    expect(await stack.started.exited).toBe("SIGKILL");
    expect(await waitUntilEnded(stack.workerd, 15_000)).toBe(true);
    expect(await portFreedWithin(stack.port, 10_000)).toBe(true);
  });

  it("SIGHUP (terminal closed): npm start stops, workerd ends and the port is free", async () => {
    const stack = await startStack(await newState());
    process.kill(-(stack.started.child.pid ?? 0), "SIGHUP");
    expect(await waitUntilEnded(stack.workerd, 60_000)).toBe(true);
    expect(await portFreedWithin(stack.port, 10_000)).toBe(true);
  });

  it("SIGTERM: the queue drains first (events survive a restart), then workerd ends", async ({ task }) => {
    const stateDir = await newState();
    const first = await startStack(stateDir);
    const now = Date.now();
    const events = [1, 2, 3].map((i) => ({
      ts: now - i * 1000,
      method: "GET",
      path: `/drain/${i}`,
      status: 200,
      durationMs: i,
      clientIp: "198.51.100.9",
    }));
    const res = await fetch(`${first.url}/_pathmeter/ingest`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify(events),
    });
    expect(res.status).toBe(202);
    // Straight away: the consumer waits up to 5 s for a batch, so the events are still queued.
    process.kill(-(first.started.child.pid ?? 0), "SIGTERM");
    // npm itself re-raises the signal it forwarded; start.ts's own end is in its output.
    await first.started.exited;
    expect(first.started.output()).toMatch(/queue drained after \d+ ms\n.*\[pathmeter\] stopped/s);
    expect(await waitUntilEnded(first.workerd, 15_000)).toBe(true);

    const second = await startStack(stateDir);
    const health = await fetch(`${second.url}/_pathmeter/api/ops/health`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const { eventsStored } = (await health.json()) as { eventsStored: number };
    recordReliability(task, {
      scenario: "npm start stopped by SIGTERM right after an ingest, then restarted",
      events: events.length,
      faults: "SIGTERM to the process group while the events are still queued",
      lost: Math.max(0, events.length - eventsStored),
      doubleCounted: Math.max(0, eventsStored - events.length),
      fiveXx: 0,
    });
    expect(eventsStored).toBe(events.length);
  });

  it("a setting that cannot be parsed: exit 1 with a message naming it, and the port is free", async () => {
    const port = await freePort();
    const started = spawnNpmStart({
      PORT: String(port),
      PATHMETER_STATE_DIR: await newState(),
      MAX_PATHS_PER_DAY: "lots",
    });
    cleanups.push(async () => {
      if (started.child.exitCode === null) process.kill(-(started.child.pid ?? 0), "SIGKILL");
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('MAX_PATHS_PER_DAY must be a positive integer, got "lots"');
    // Said before the stop stores what workerd may have queued meanwhile, not after it.
    const output = started.output();
    expect(output).toMatch(/queue (drained|still busy)/);
    expect(output.indexOf("MAX_PATHS_PER_DAY must be")).toBeLessThan(
      output.search(/queue (drained|still busy)/),
    );
    expect(await portFreedWithin(port, 10_000)).toBe(true);
  });
});
