/**
 * `npm run bench [-- name ...]`: runs the registered benchmarks one after another (never in
 * parallel: they would measure each other) and writes docs/bench/results.json and README.md.
 */
import { benches } from "./registry";
import {
  formatValue,
  mergeResults,
  readResults,
  type StoredResult,
  thisMachine,
  writeResults,
} from "./report";
import { meetsTarget } from "./types";

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((name) => !benches.some((b) => b.name === name));
  if (unknown.length > 0)
    throw new Error(`unknown bench ${unknown.join(", ")}; known: ${benches.map((b) => b.name).join(", ")}`);
  const selected = wanted.length > 0 ? benches.filter((b) => wanted.includes(b.name)) : benches;
  const fresh: StoredResult[] = [];
  for (const bench of selected) {
    console.log(`\n== ${bench.name}`);
    const result = await bench.run((line) => console.log(`   ${line}`));
    fresh.push({
      ...result,
      bench: bench.name,
      finishedAt: new Date().toISOString(),
      machine: thisMachine(),
    });
    for (const metric of result.metrics) {
      const met = meetsTarget(metric);
      const verdict = met === undefined ? "" : met ? "  (target met)" : "  (TARGET MISSED)";
      console.log(
        `   ${metric.name}: ${formatValue(metric.value, metric.unit)}${metric.unit === "ratio" ? " ratio" : ""}${verdict}`,
      );
    }
  }
  const results = mergeResults(
    await readResults(),
    fresh,
    benches.map((b) => b.name),
  );
  await writeResults({ results });
  console.log("\nwrote docs/bench/results.json and docs/bench/README.md");
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
