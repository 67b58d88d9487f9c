/**
 * CPU time of the workerd processes a benchmark starts, read from /proc (Linux). A side's CPU per
 * request is steadier than its requests/s on a shared machine: other processes' load changes
 * how long a round takes much more than how much work each request is. Elsewhere (no /proc)
 * every figure is null and the benchmark reports throughput only.
 */
import { readdirSync, readFileSync } from "node:fs";

/** Linux's USER_HZ: /proc reports CPU time in 1/100 s on every mainstream configuration. */
const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the parenthesised command name. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const commEnd = stat.lastIndexOf(")");
    return [stat.slice(stat.indexOf("(") + 1, commEnd), ...stat.slice(commEnd + 2).split(" ")];
  } catch {
    return null;
  }
}

/** Pids of the running workerd processes that descend from this process. */
export function workerdPids(): Set<number> {
  const pids = new Set<number>();
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return pids;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (statFields(pid)?.[0] === "workerd" && descendsFromUs(pid)) pids.add(pid);
  }
  return pids;
}

function descendsFromUs(pid: number): boolean {
  for (let current = pid, hops = 0; current > 1 && hops < 32; hops++) {
    if (current === process.pid) return true;
    // Field 4 of stat (index 2 here, after the command name and the state) is the parent pid.
    current = Number(statFields(current)?.[2] ?? 0);
  }
  return false;
}

/** Runs `start` and returns what it returned with the pid of the one workerd it started, if any. */
export async function withNewWorkerd<T>(start: () => Promise<T>): Promise<{ value: T; pid: number | null }> {
  const before = workerdPids();
  const value = await start();
  const started = [...workerdPids()].filter((pid) => !before.has(pid));
  return { value, pid: started.length === 1 ? (started[0] ?? null) : null };
}

/** User + system CPU milliseconds of `pid` so far (every thread), or null when unknown. */
export function cpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat: indexes 12 and 13 here.
  if (!fields) return null;
  return ((Number(fields[12]) + Number(fields[13])) * 1000) / TICKS_PER_SECOND;
}
