/**
 * What the gateway bench reports: ratios of the sides' per-round rates, CPU per request of their
 * workerd processes, the method text and the notes, all derived from the measured sides.
 */
import type { Side } from "./gateway-sides";
import type { BenchMetric, BenchResult } from "./types";

/** The issue's target for requests/s with recording on over off. */
export const TARGET_RATIO = 0.9;

/** Workerd CPU microseconds per request the side served (warm-up included); null when unknown. */
const perRequestUs = (cpu: number | null, side: Side, warmup: number): number | null =>
  cpu === null ? null : Math.round((cpu * 1000) / (warmup + side.requests));

const rate = (side: Side) => (side.requests / side.elapsedMs) * 1000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Quantile over rounds of a's rate / b's rate in the same round (unrounded: the report rounds
 * for display and checks targets on the exact value): sides measured minutes apart are
 * never compared, and a burst of load from elsewhere on the machine spoils one round, not the result.
 */
export function ratio(a: Side, b: Side, quantile = 0.5): number {
  const perRound = a.roundRates.map((r, i) => r / (b.roundRates[i] ?? Number.NaN)).sort((x, y) => x - y);
  // Linear interpolation between the closest ranks.
  const at = (perRound.length - 1) * quantile;
  const low = perRound[Math.floor(at)] ?? 0;
  const high = perRound[Math.ceil(at)] ?? low;
  return low + (high - low) * (at - Math.floor(at));
}

/** The four sides, named by what they stand for. */
export interface MeasuredSides {
  /** The local stack as `npm start` runs it: gateway, queue broker, consumer and D1 in one workerd. */
  oneWorkerd: Side;
  /** The production fetch handler whose queue sends go to a queue and consumer in another workerd. */
  queueElsewhere: Side;
  off: Side;
  stubbed: Side;
}

const cpu = (name: string, value: number): BenchMetric => ({ name, value, unit: "µs" });

/** CPU per request of each side's workerd, and the capacity ratios they give (off's CPU / on's). */
function cpuMetrics(s: MeasuredSides, warmup: number): BenchMetric[] {
  const us = (side: Side, which: "gateway" | "queueWork" = "gateway") =>
    perRequestUs(side[which]?.cpuMs ?? null, side, warmup);
  const [oneUs, elsewhereUs, queueWorkUs, offUs, stubbedUs] = [
    us(s.oneWorkerd),
    us(s.queueElsewhere),
    us(s.queueElsewhere, "queueWork"),
    us(s.off),
    us(s.stubbed),
  ];
  if (oneUs == null || elsewhereUs == null || queueWorkUs == null || offUs == null || stubbedUs == null)
    return [];
  const capacity = (name: string, onUs: number): BenchMetric => ({
    name,
    value: round3(offUs / onUs),
    unit: "ratio",
  });
  return [
    cpu("workerd CPU per request, recording on, one workerd (gateway, broker, consumer, D1)", oneUs),
    cpu("workerd CPU per request, recording on, gateway's workerd (queue elsewhere)", elsewhereUs),
    cpu("workerd CPU per request, the other workerd's queue broker, consumer and D1", queueWorkUs),
    cpu("workerd CPU per request, recording off", offUs),
    cpu("workerd CPU per request, queue send stubbed", stubbedUs),
    capacity("CPU per request off / on, gateway's workerd (capacity ratio, queue elsewhere)", elsewhereUs),
    capacity("CPU per request off / on, one workerd", oneUs),
    capacity("CPU per request off / queue stubbed", stubbedUs),
  ];
}

function rateMetrics(s: MeasuredSides): BenchMetric[] {
  const reqs = (name: string, side: Side): BenchMetric => ({
    name,
    value: Math.round(rate(side)),
    unit: "req/s",
  });
  const quartiles = (label: string, on: Side): BenchMetric[] => [
    { name: `on / off, ${label}, 25th percentile of rounds`, value: ratio(on, s.off, 0.25), unit: "ratio" },
    { name: `on / off, ${label}, 75th percentile of rounds`, value: ratio(on, s.off, 0.75), unit: "ratio" },
  ];
  return [
    reqs("requests/s, recording on, queue and consumer in their own workerd", s.queueElsewhere),
    reqs("requests/s, recording on, one workerd (local stack as npm start runs it)", s.oneWorkerd),
    reqs("requests/s, recording off", s.off),
    {
      name: "on / off (queue and consumer in their own workerd, as in production)",
      value: ratio(s.queueElsewhere, s.off),
      unit: "ratio",
      target: { op: ">=", value: TARGET_RATIO },
    },
    ...quartiles("queue elsewhere", s.queueElsewhere),
    {
      name: "on / off, one workerd (broker and consumer on the gateway's thread)",
      value: ratio(s.oneWorkerd, s.off),
      unit: "ratio",
    },
    ...quartiles("one workerd", s.oneWorkerd),
    reqs("requests/s, recording on, queue send stubbed", s.stubbed),
    {
      name: "queue stubbed / off (the Worker's own recording cost)",
      value: ratio(s.stubbed, s.off),
      unit: "ratio",
    },
  ];
}

/** Said whatever the figures: on a shared machine a single run's ratio is not the whole story. */
const NOISE_NOTE =
  "On the shared 2-core machine these runs are made on (several sessions at once), repeated runs " +
  "of this bench differ by up to about ±0.1 in on / off; CPU per request moves less, so compare " +
  "runs by it too (a check with the very same Worker in two workerd processes, side by side in " +
  "24 rounds, gave 0.93–0.96 of each other: a single run resolves about ±0.05). The Worker's recording work (client hash, event id, template, validation, packing) " +
  "runs when a batch is flushed, not on the request path, and only the request that runs a batch's " +
  "flush keeps its context open for it (worker/src/gateway/path-stats.ts, coalesce.ts).";

function verdict(name: string, value: number): string {
  // Judged unrounded: a true 0.8995 is below the target even though it prints as 0.900.
  return `${name}: ${round3(value)} (${value >= TARGET_RATIO ? "at or above" : "below"} the ${TARGET_RATIO} target)`;
}

/** The capacity ratios by CPU per request, in one sentence; empty when /proc could not tell. */
function capacityNote(cpuFigures: readonly BenchMetric[]): string {
  const ratios = cpuFigures.filter((m) => m.unit === "ratio");
  if (ratios.length === 0) return "";
  return ` By workerd CPU per request: ${ratios.map((m) => `${m.name.replace(/^CPU per request /, "")} ${m.value}`).join("; ")}.`;
}

/** What this run's numbers say, both ways of placing the queue named. */
function notes(s: MeasuredSides, cpuFigures: readonly BenchMetric[]): string[] {
  const elsewhere = ratio(s.queueElsewhere, s.off);
  const one = ratio(s.oneWorkerd, s.off);
  return [
    `${verdict("On / off with the queue and its consumer in their own workerd, as in production", elsewhere)}. ` +
      `${verdict("On / off with everything in one workerd, as npm start runs it", one)}: there the ` +
      "local queue broker (which parses every send) and the consumer's D1 writes share the gateway's " +
      "one thread, work a production gateway never does. Queue stubbed / off is " +
      `${round3(ratio(s.stubbed, s.off))}: the Worker's own recording work without any send.${capacityNote(cpuFigures)}`,
    NOISE_NOTE,
  ];
}

const METHOD =
  "Closed-loop GETs over keep-alive connections on loopback to the same upstream (demo API, no " +
  "simulated delay; load generator and upstream share one node process). Four sides, each its own " +
  "workerd: (1) on, queue elsewhere (the target): the production fetch handler (pathStats + proxy) " +
  "whose EVENTS_QUEUE POSTs each packed send as JSON to a second workerd running the production " +
  "Worker with its queue, consumer and D1 (scripts/bench/workers/gateway-remote-queue.ts, " +
  "queue-relay.ts). In production a send is a call to the Queues service and the broker and the " +
  "consumer run elsewhere, never on the gateway's thread; this side still serialises and sends every " +
  "batch over HTTP, and the second workerd shares this machine's cores. (2) on, one workerd: the " +
  "local stack exactly as `npm start` runs it, where Miniflare's queue broker and the consumer run " +
  "in the gateway's workerd, on its one thread, reported beside it. (3) off: the production app " +
  "built without pathStats (same reserved-prefix dispatch, config and hono proxy). (4) queue " +
  "stubbed: the production fetch handler with EVENTS_QUEUE swapped for a no-op queue. Each request " +
  "is proxied and its facts added to the isolate's open batch; hashing, ids, templates and the packed " +
  "queue send happen at the batch's flush. Rounds rotate the order; rates are over all rounds, ratios " +
  "are the median of the per-round ratios (with their quartiles: this machine is shared, and other " +
  "work changes a round's pace). CPU per request: user + system CPU of each workerd (all threads) " +
  "from its warm-up until every recorded event is stored, over the requests its side served; as " +
  "workerd serves a Worker on one thread, off's CPU / on's CPU is the capacity ratio.";

/** The bench's result from its measured sides. */
export function gatewayResult(
  s: MeasuredSides,
  recorded: number,
  params: Record<string, number>,
): Omit<BenchResult, "bench" | "finishedAt"> {
  const cpuFigures = cpuMetrics(s, params.warmupRequestsPerSide ?? 0);
  return {
    title: "Gateway requests/s, recording on vs off",
    method: METHOD,
    metrics: [
      ...rateMetrics(s),
      { name: "events stored for the recorded requests (both on sides)", value: recorded, unit: "events" },
      ...cpuFigures,
    ],
    notes: notes(s, cpuFigures),
    params,
  };
}
