/**
 * `npm run load [-- --duration 35 --connections 16 --warmup 8 --single-duration 5
 *   --off-duration 25 --no-write]`:
 * the bounded load run of scripts/load/run.ts. Writes docs/bench/load-run.json, the "load" entry
 * of docs/bench/results.json and the "Load" section of docs/reliability.md (unless --no-write);
 * exits 1 when the run found lost or double-counted events, a 5xx, or memory growth that
 * pathmeter's recording adds to the runtime's own (verdict.ts).
 */
import { parseArgs } from "node:util";
import { loadRecordOf, saveLoadRecord, writeBenchEntry, writeLoadSection } from "./report";
import { runLoadTest } from "./run";
import { renderLoadSection } from "./section";

const LIMITS = {
  duration: [15, 300],
  connections: [1, 256],
  warmup: [1, 60],
  "single-duration": [2, 60],
  "off-duration": [15, 120],
} as const;

function flag(
  values: Record<string, string | boolean | undefined>,
  name: keyof typeof LIMITS,
  fallback: number,
) {
  const raw = values[name];
  const value = typeof raw === "string" ? Number(raw) : fallback;
  const [min, max] = LIMITS[name];
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} must be an integer ${min}..${max} (got ${String(raw)})`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      warmup: { type: "string" },
      "single-duration": { type: "string" },
      "off-duration": { type: "string" },
      "no-write": { type: "boolean" },
    },
  });
  const durationS = flag(values, "duration", 35);
  const options = {
    durationS,
    connections: flag(values, "connections", 16),
    warmupS: flag(values, "warmup", 8),
    singleDurationS: flag(values, "single-duration", 5),
    offDurationS: flag(values, "off-duration", 25),
    log: (line: string) => console.log(`[load] ${line}`),
  };
  const record = loadRecordOf(await runLoadTest(options));
  const section = renderLoadSection(record);
  console.log(`\n${section}`);
  if (!values["no-write"]) {
    await saveLoadRecord(record);
    await writeBenchEntry(record);
    await writeLoadSection(section);
    console.log(
      "wrote docs/bench/load-run.json, docs/bench/results.json and the Load section of docs/reliability.md",
    );
  }
  if (!record.verdict.passed) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
