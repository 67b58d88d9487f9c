/**
 * Bench results on disk: docs/bench/results.json (machine-readable, one entry per bench, kept
 * when a later run measures only some benches) and docs/bench/README.md (the same as tables).
 */
import { readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../lib/build";
import { type BenchResult, meetsTarget } from "./types";

export const RESULTS_JSON = path.join(REPO_ROOT, "docs", "bench", "results.json");
export const RESULTS_MD = path.join(REPO_ROOT, "docs", "bench", "README.md");

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

/** A bench result with the machine it ran on (results of earlier runs may come from another). */
export type StoredResult = BenchResult & { machine: Machine };

export interface ResultsFile {
  results: StoredResult[];
}

export function thisMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** The previous results, or none when there is no (readable) file yet. */
export async function readResults(): Promise<StoredResult[]> {
  try {
    return (JSON.parse(await readFile(RESULTS_JSON, "utf8")) as ResultsFile).results;
  } catch {
    return [];
  }
}

/** Replaces the results of the benches that ran, keeps the others, in registry order. */
export function mergeResults(
  previous: readonly StoredResult[],
  fresh: readonly StoredResult[],
  order: readonly string[],
): StoredResult[] {
  const byBench = new Map(previous.map((r) => [r.bench, r]));
  for (const result of fresh) byBench.set(result.bench, result);
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  return [...byBench.values()].sort((a, b) => rank(a.bench) - rank(b.bench));
}

/** A metric as the README shows it: ratios to 3 decimals, other values with their unit. */
export const formatValue = (value: number, unit: string): string =>
  unit === "ratio" ? value.toFixed(3) : `${value.toLocaleString("en-US")} ${unit}`;

const describeMachine = (m: Machine) =>
  `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, node ${m.node}`;

function markdown(file: ResultsFile): string {
  const lines = [
    "# Benchmarks",
    "",
    "Written by `npm run bench` (scripts/bench/); do not edit by hand. Each section is one run on the",
    "machine it names; ratios are measured side by side in that run, so they travel better between",
    "machines than absolute rates.",
  ];
  for (const r of file.results) {
    lines.push("", `## ${r.title}`, "", r.method, "");
    lines.push(
      `Run ${r.finishedAt} with \`${r.command ?? `npm run bench -- ${r.bench}`}\` on ${describeMachine(r.machine)}.`,
      "",
    );
    lines.push("| metric | value | target | met |", "| --- | ---: | --- | --- |");
    for (const metric of r.metrics) {
      const met = meetsTarget(metric);
      const op = metric.target?.op === ">=" ? "≥" : "≤";
      const target = metric.target ? `${op} ${formatValue(metric.target.value, metric.unit)}` : "";
      lines.push(
        `| ${metric.name} | ${formatValue(metric.value, metric.unit)} | ${target} | ${met === undefined ? "" : met ? "yes" : "**no**"} |`,
      );
    }
    const params = Object.entries(r.params).map(([k, v]) => `${k} ${v}`);
    lines.push("", `Parameters: ${params.join(", ")}.`);
    for (const note of r.notes ?? []) lines.push("", note);
  }
  return `${lines.join("\n")}\n`;
}

export async function writeResults(file: ResultsFile): Promise<void> {
  await writeFile(RESULTS_JSON, `${JSON.stringify(file, null, 2)}\n`);
  await writeFile(RESULTS_MD, markdown(file));
}
