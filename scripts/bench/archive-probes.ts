/**
 * Memory probe for the archive benchmark (Linux): the RSS of the workerd process this node
 * process started, from /proc. Locally that process also holds the D1 (SQLite) and R2 simulators.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";

/** The pid of the single workerd process descending from this node process. */
export async function workerdPid(): Promise<number> {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const match = /^(\d+) \((.*)\) \S (\d+)/.exec(
      await readFile(`/proc/${entry}/stat`, "utf8").catch(() => ""),
    );
    if (!match) continue;
    parents.set(Number(match[1]), Number(match[3]));
    names.set(Number(match[1]), match[2] ?? "");
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p))
      if (p === process.pid) return true;
    return false;
  };
  const found = [...names]
    .filter(([pid, name]) => name.startsWith("workerd") && descends(pid))
    .map(([pid]) => pid);
  if (found.length !== 1 || found[0] === undefined)
    throw new Error(`expected one workerd process, found ${found.length}`);
  return found[0];
}

const kib = async (pid: number, field: "VmRSS" | "VmHWM"): Promise<number> =>
  Number(
    new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ??
      Number.NaN,
  );

export interface PeakProbe {
  /** Stops sampling; returns the peak in bytes. */
  stop(): Promise<number>;
}

/** Samples the process RSS every 20 ms from now on (peak RSS reset first, VmHWM read at the end). */
export async function processRssProbe(pid: number): Promise<{ before: number } & PeakProbe> {
  const before = (await kib(pid, "VmRSS")) * 1024;
  // Writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS (Linux ≥ 4.0).
  await writeFile(`/proc/${pid}/clear_refs`, "5");
  let peak = before;
  const timer = setInterval(() => {
    kib(pid, "VmRSS").then(
      (v) => {
        peak = Math.max(peak, v * 1024);
      },
      () => {},
    );
  }, 20);
  return {
    before,
    async stop() {
      clearInterval(timer);
      return Math.max(peak, (await kib(pid, "VmHWM")) * 1024);
    },
  };
}
