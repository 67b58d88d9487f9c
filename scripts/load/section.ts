/**
 * The "Load" section of docs/reliability.md, rendered from the last load run's record
 * (docs/bench/load-run.json): what ran, the measured numbers, the exact counts per route and
 * the memory verdict. `npm run load` and `npm run reliability:report` both write it.
 */
import type { CannonReport } from "./cannon-protocol";
import { GROWTH_FLOOR_MIB, GROWTH_SHARE, type MemoryVerdict, WINDOW_S } from "./memory";
import type { LoadRecord } from "./report";
import { answeredIn } from "./run";
import { ATTRIBUTABLE_FACTOR, ATTRIBUTABLE_MARGIN_KIB } from "./verdict";

const n = (value: number) => value.toLocaleString("en-US");
const rate = (r: CannonReport) => Math.round((answeredIn(r) / r.elapsedMs) * 1000);
const bold = (value: number) => (value === 0 ? "0" : `**${n(value)}**`);
const seconds = (r: CannonReport) => `${(r.elapsedMs / 1000).toFixed(1)} s`;
const latency = ({ latencyMs: l }: CannonReport) => `${l.p50} / ${l.p90} / ${l.p99} / ${l.max}`;

function loadTable(r: LoadRecord): string[] {
  const { on, off } = r;
  const slices = on.saturated.sliceRates.slice(1);
  const many = `${r.options.connections} connections`;
  return [
    "| measure | recording on (local stack) | recording off (bench-only gateway) |",
    "|---|---:|---:|",
    `| one connection: answers | ${n(answeredIn(on.single))} in ${seconds(on.single)} | ${n(answeredIn(off.single))} in ${seconds(off.single)} |`,
    `| one connection: latency p50 / p90 / p99 / max (ms) | ${latency(on.single)} | ${latency(off.single)} |`,
    `| ${many}: answers | ${n(answeredIn(on.saturated))} in ${seconds(on.saturated)} | ${n(answeredIn(off.saturated))} in ${seconds(off.saturated)} |`,
    `| ${many}: sustained requests/s | ${n(rate(on.saturated))} | ${n(rate(off.saturated))} |`,
    `| ${many}: requests/s of each ~5 s slice after the first, min – max | ${n(Math.min(...slices))} – ${n(Math.max(...slices))} | |`,
    `| ${many}: latency p50 / p90 / p99 / max (ms) | ${latency(on.saturated)} | ${latency(off.saturated)} |`,
  ];
}

function afterTable(r: LoadRecord): string[] {
  const { drain, verdict } = r;
  return [
    "| after the load | value |",
    "|---|---:|",
    `| queue drain: load stopped → every recorded request stored | ${drain.drainMs === null ? "**never (timed out)**" : `${n(drain.drainMs)} ms`} |`,
    `| requests sent with recording on (all phases) | ${n(r.recordedRequests)} |`,
    `| events stored (health \`eventsStored\`) | ${n(drain.stored)} |`,
    `| lost / double-counted | ${bold(verdict.lost)} / ${bold(verdict.doubleCounted)} |`,
    `| routes whose stats differ from what was sent | ${bold(verdict.routeMismatches)} |`,
    `| 5xx answers / connection errors and timeouts (both sides) | ${bold(verdict.fiveXx)} / ${bold(verdict.transportErrors)} |`,
    `| rejected events + dead letters | ${bold(verdict.rejectedOrDead)} |`,
  ];
}

function routeTable(r: LoadRecord): string[] {
  const rows = r.routes.map((c) => {
    const same = c.sent === c.stored && c.sent4xx === c.stored4xx && c.sent5xx === c.stored5xx;
    return `| ${c.method} | \`${c.template}\` | ${n(c.sent)} | ${n(c.stored)} | ${n(c.sent4xx)} / ${n(c.stored4xx)} | ${n(c.sent5xx)} / ${n(c.stored5xx)} | ${same ? "equal" : "**differs**"} |`;
  });
  return [
    "| method | path template | sent | stored (stats API) | 4xx sent / stored | 5xx sent / stored | |",
    "|---|---|---:|---:|---:|---:|---|",
    ...rows,
  ];
}

const rss = (m: MemoryVerdict) =>
  `${m.idleMiB} → ${m.warmMiB} → ${m.endMiB} MiB (peak ${m.peakMiB}); ${m.growthMiB} MiB, ${m.kibPerRequest} KiB/request`;

function memoryLines(r: LoadRecord): string[] {
  const { memory, offMemory, verdict } = r;
  const absolute = memory.grew ? "**it grew after warm-up**" : "no growth after warm-up";
  const fromRecording = verdict.memoryGrowthFromRecording
    ? "**more than the check allows: pathmeter's recording adds growth of its own**"
    : "within the check, so the growth is the local runtime's own under load (workerd with Miniflare's queue, D1 and other simulators), not something pathmeter's recording adds";
  return [
    "| workerd RSS | recording on (local stack) | recording off (bench-only gateway) |",
    "|---|---:|---:|",
    `| idle → first ${WINDOW_S} s → last ${WINDOW_S} s of the closed loop (peak); growth | ${rss(memory)} | ${rss(offMemory)} |`,
    "",
    `Memory, recording on: ${absolute} — ${memory.growthMiB} MiB between the medians of the closed loop's first`,
    `and last ${WINDOW_S} s (one sample a second), threshold ${memory.thresholdMiB} MiB (the larger of ${GROWTH_SHARE * 100}% of the warm RSS`,
    `and ${GROWTH_FLOOR_MIB} MiB). Per request: ${memory.kibPerRequest} KiB with recording against ${offMemory.kibPerRequest} KiB without —`,
    `${fromRecording} (the check: with ≤ ${ATTRIBUTABLE_FACTOR} × without + ${ATTRIBUTABLE_MARGIN_KIB} KiB).`,
    "A Worker that only returns a constant response grows the same way in this workerd (tried by hand while",
    "building this run: 127 → 674 MiB over 317,000 requests, about 2 KiB a request, still rising slowly at the",
    "end), so the absolute verdict describes the local runtime; Cloudflare runs the Worker in its own isolates.",
  ];
}

/** The whole section; a placeholder when the load run has not been run here yet. */
export function renderLoadSection(r: LoadRecord | null): string {
  if (!r)
    return ["## Load", "", "Not measured yet: run `npm run load` (it writes this section).", ""].join("\n");
  const o = r.options;
  return [
    "## Load",
    "",
    `Written by \`npm run load\` (scripts/load/; commit \`${r.commit}\`, ${r.finishedAt}; ` +
      `${r.verdict.passed ? "**passed**" : "**FAILED**"}). ${r.machine.cpuModel}, ${r.machine.cores} cores, node ${r.machine.node}.`,
    "autocannon in a second node process on loopback, closed loop (each connection sends its next request",
    "when the answer arrives), against the local stack as `npm start` runs it (production bundle in workerd",
    `with its queue, consumer and crons; demo API upstream without simulated delays): ${o.warmupS} s warm-up at`,
    `${o.connections} connections, ${o.singleDurationS} s over one connection (each request's latency, queued behind`,
    `no other), then ${o.durationS} s at ${o.connections} connections (the sustained rate; workerd's RSS sampled each`,
    "second). Then the same phases against the bench-only gateway without recording",
    `(scripts/bench/workers/gateway-off.ts), ${o.offDurationS} s at ${o.connections} connections. 1-minute load average`,
    `of the machine at the start: ${r.loadAverage1m} (other work shares its cores: absolute rates vary run to run).`,
    "The load runs in slices of a fixed number of requests that autocannon completes, so when it stops",
    "no request is in flight: every request sent was answered, and must be exactly one stored event.",
    "Every recording-on request of every phase is in the drain and the exact counts. Latency is each",
    "answer's response time at the client, load generator included. The short variant",
    "(`tests/e2e/load.test.ts`, in `npm test`) checks the same exact counts and no 5xx on every run.",
    "",
    ...loadTable(r),
    "",
    ...afterTable(r),
    "",
    ...memoryLines(r),
    "",
    "Exact counts per route, from the stats API (`/api/stats/paths`) after the drain:",
    "",
    ...routeTable(r),
    "",
  ].join("\n");
}
