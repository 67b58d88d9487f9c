/**
 * The rows bench's numbers turned into its report: rows written per event by phase, queue
 * operations per event and per gateway request, and the price per million events at list prices
 * (docs/cost.md explains each line).
 */
import type { Meter } from "./meter-protocol";
import type { BenchMetric, BenchResult } from "./types";

/** List prices (Cloudflare, 2026; /work/shared/design/ARCHITECTURE.md), USD per million. */
export const PRICES = {
  workersRequests: 0.3,
  queueOps: 0.4,
  d1RowsWritten: 1.0,
  d1RowsRead: 0.001,
  kvWrites: 5.0,
  analyticsEngineDataPoints: 0.25,
} as const;
export const PRICE_SHEET_DATE = "2026 list prices (ARCHITECTURE.md, read 2026-11-29)";

/** Snapshot runs a day (cron every 5 minutes), each writing its D1 rows and 3 KV keys. */
const SNAPSHOT_RUNS_PER_DAY = 288;
const KV_WRITES_PER_SNAPSHOT = 3;

export interface PhaseRow {
  name: string;
  meter: Meter | undefined;
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Rows written per event in a phase; the snapshot runs per day, not per event. */
const rowsPerEvent = (phase: PhaseRow, events: number) =>
  ((phase.meter?.rowsWritten ?? 0) * (phase.name === "snapshot" ? SNAPSHOT_RUNS_PER_DAY : 1)) / events;

/** What the rows bench measured, as it goes into {@link priceRows}. */
export interface RowsInput {
  phases: PhaseRow[];
  gateway: Meter | undefined;
  events: number;
  requests: number;
  gatewayRequests: number;
}

/** Per-event figures derived from the meters, and their price per million events. */
function perEventFigures({ phases, events, gateway, gatewayRequests }: RowsInput) {
  const perPhase = phases.map((p) => ({ name: p.name, rows: rowsPerEvent(p, events) }));
  const rowsTotal = perPhase.reduce((n, p) => n + p.rows, 0);
  const ingest = phases.find((p) => p.name === "ingest")?.meter;
  const queueOpsPerEvent = (ingest?.queueOps ?? 0) / events;
  const eventsPerMessage = events / Math.max(1, ingest?.queueMessages ?? 0);
  const gatewayOps = (gateway?.queueOps ?? 0) / gatewayRequests;
  const invocationsPerEvent = (ingest?.invocations ?? 0) / events;
  const kvPerEvent = (SNAPSHOT_RUNS_PER_DAY * KV_WRITES_PER_SNAPSHOT) / events;
  const price = {
    d1: rowsTotal * PRICES.d1RowsWritten,
    queues: queueOpsPerEvent * PRICES.queueOps,
    workers: invocationsPerEvent * PRICES.workersRequests,
    kv: kvPerEvent * PRICES.kvWrites,
  };
  const total = price.d1 + price.queues + price.workers + price.kv;
  return { perPhase, rowsTotal, ingest, queueOpsPerEvent, eventsPerMessage, gatewayOps, price, total };
}

type Figures = ReturnType<typeof perEventFigures>;

/** Rows written per event (by phase and in total) and queue operations, with their targets. */
function volumeMetrics(f: Figures): BenchMetric[] {
  return [
    ...f.perPhase.map((p) => ({
      name: `D1 rows written per event: ${p.name}`,
      value: round(p.rows),
      unit: "rows",
    })),
    {
      name: "D1 rows written per event, whole life",
      value: round(f.rowsTotal),
      unit: "rows",
      target: { op: "<=", value: 3 },
    },
    {
      name: "queue operations per ingest-API event",
      value: round(f.queueOpsPerEvent, 4),
      unit: "ops",
      target: { op: "<=", value: 0.05 },
    },
    {
      name: "events per queue message (ingest)",
      value: round(f.eventsPerMessage, 1),
      unit: "events",
      target: { op: ">=", value: 60 },
    },
    {
      name: "queue operations per gateway request (16 concurrent clients)",
      value: round(f.gatewayOps, 3),
      unit: "ops",
      target: { op: "<=", value: 0.3 },
    },
  ];
}

/** The price per million ingest-API events, line by line. */
function priceMetrics({ price, total }: Figures): BenchMetric[] {
  return [
    { name: "price per million ingest-API events: D1", value: round(price.d1, 2), unit: "USD" },
    { name: "price per million ingest-API events: Queues", value: round(price.queues, 3), unit: "USD" },
    {
      name: "price per million ingest-API events: Workers invocations",
      value: round(price.workers, 4),
      unit: "USD",
    },
    {
      name: "price per million ingest-API events: KV (snapshots, at this volume)",
      value: round(price.kv, 3),
      unit: "USD",
    },
    { name: "price per million ingest-API events, total", value: round(total, 2), unit: "USD" },
    {
      name: "Analytics Engine per million data points (reference)",
      value: PRICES.analyticsEngineDataPoints,
      unit: "USD",
    },
  ];
}

/** The rows bench's result: rows and queue operations per event, and what they cost. */
export function priceRows(input: RowsInput): Omit<BenchResult, "bench" | "finishedAt"> {
  const { events } = input;
  const figures = perEventFigures(input);
  const { ingest } = figures;
  return {
    title: "Rows written and queue operations per event, whole life",
    method:
      "A day of ingest-API events (50 paths × 2 methods, 5,000 clients) POSTed to the real Worker in requests of 500, " +
      "queued and consumed through Miniflare's broker, then rollup, snapshot, archive, cleanup (once the day left the " +
      "acceptance window) and sketch tiering run as their crons would; then gateway GETs from 16 concurrent clients. " +
      "The Worker is the production code with metered bindings (scripts/bench/workers/metered.ts): every D1 result's " +
      "meta.rows_written is summed per phase, every message sent is counted as 3 queue operations per 64 KB. " +
      `Snapshot rows are per run × ${SNAPSHOT_RUNS_PER_DAY} runs a day. Prices: ${PRICE_SHEET_DATE}.`,
    metrics: [...volumeMetrics(figures), ...priceMetrics(figures)],
    notes: rowsNotes(figures.rowsTotal, figures.perPhase),
    params: {
      events: formatCount(events),
      requests: input.requests,
      eventsPerRequest: Math.round(events / Math.max(1, input.requests)),
      gatewayRequests: input.gatewayRequests,
      statementsIngest: ingest?.statements ?? 0,
      d1CallsIngest: ingest?.d1Calls ?? 0,
      queueMessagesIngest: ingest?.queueMessages ?? 0,
    },
  };
}

const formatCount = (n: number) => n.toLocaleString("en-US");

function rowsNotes(total: number, perPhase: { name: string; rows: number }[]): string[] {
  if (total <= 3) return [];
  const biggest = [...perPhase].sort((a, b) => b.rows - a.rows)[0];
  return [
    `Above the 3 rows/event target: ${round(total, 2)}. The largest phase is ${biggest?.name} ` +
      `(${round(biggest?.rows ?? 0, 2)} rows/event); docs/cost.md breaks it down by table and says what would remove the rest.`,
  ];
}
