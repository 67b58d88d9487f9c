/**
 * Bench-only Worker: pathmeter's REAL handlers (worker/src/index.ts) with instrumented bindings.
 * Every D1 result's `meta.rows_written` / `rows_read` and every message sent to the events queue
 * is added to the meter of the current phase (set by the rows bench through a control path), so
 * the bench can say how many rows and queue operations each phase costs per event. The SQL, the
 * handlers and the bindings underneath are the production ones; only the counting is added.
 */
import type { Env } from "../../../worker/src/env";
import worker from "../../../worker/src/index";
import { emptyMeter, METER_PATHS, type Meter } from "../meter-protocol";

const meters = new Map<string, Meter>();
let phase = "idle";
const meter = (): Meter => {
  let current = meters.get(phase);
  if (!current) {
    current = emptyMeter();
    meters.set(phase, current);
  }
  return current;
};

const addMeta = (meta: { rows_written?: number; rows_read?: number } | undefined) => {
  const m = meter();
  m.rowsWritten += meta?.rows_written ?? 0;
  m.rowsRead += meta?.rows_read ?? 0;
  m.statements += 1;
};

/** A prepared statement whose results are metered; `inner` is the real one (for batch()). */
class MeteredStatement {
  constructor(readonly inner: D1PreparedStatement) {}
  bind(...values: unknown[]) {
    return new MeteredStatement(this.inner.bind(...values));
  }
  async run() {
    const result = await this.inner.run();
    meter().d1Calls += 1;
    addMeta(result.meta);
    return result;
  }
  async all() {
    const result = await this.inner.all();
    meter().d1Calls += 1;
    addMeta(result.meta);
    return result;
  }
  /** Through all(), which reports meta (first() does not); the same SQL runs. */
  async first(column?: string) {
    const row = (await this.all()).results[0] as Record<string, unknown> | undefined;
    if (row === undefined) return null;
    return column === undefined ? row : (row[column] ?? null);
  }
  raw(options?: { columnNames?: boolean }) {
    meter().d1Calls += 1;
    meter().statements += 1;
    return options?.columnNames ? this.inner.raw({ columnNames: true }) : this.inner.raw();
  }
}

function meteredD1(db: D1Database): D1Database {
  const metered = {
    prepare: (sql: string) => new MeteredStatement(db.prepare(sql)),
    async batch(statements: MeteredStatement[]) {
      const results = await db.batch(statements.map((s) => s.inner));
      meter().d1Calls += 1;
      for (const result of results) addMeta(result.meta);
      return results;
    },
    exec: (sql: string) => db.exec(sql),
    dump: () => db.dump(),
    withSession: () => {
      throw new Error("sessions are not metered");
    },
  };
  return metered as unknown as D1Database;
}

const encoder = new TextEncoder();
const QUEUE_UNIT_BYTES = 64 * 1024;

function meteredQueue<T>(queue: Queue<T>): Queue<T> {
  const count = (body: T) => {
    const bytes = encoder.encode(JSON.stringify(body)).byteLength;
    const m = meter();
    m.queueMessages += 1;
    m.queueBytes += bytes;
    m.queueOps += 3 * Math.max(1, Math.ceil(bytes / QUEUE_UNIT_BYTES));
  };
  const metered = {
    async send(body: T, options?: QueueSendOptions) {
      meter().sendCalls += 1;
      count(body);
      return queue.send(body, options);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) {
      const list = [...messages];
      meter().sendCalls += 1;
      for (const message of list) count(message.body);
      return queue.sendBatch(list, options);
    },
    metrics: () => queue.metrics(),
  };
  return metered as unknown as Queue<T>;
}

/** One instrumented env per real env, so per-env caches (config, coalescer) keep working. */
const wrapped = new WeakMap<Env, Env>();
function meteredEnv(env: Env): Env {
  let instrumented = wrapped.get(env);
  if (!instrumented) {
    instrumented = { ...env, DB: meteredD1(env.DB), EVENTS_QUEUE: meteredQueue(env.EVENTS_QUEUE) };
    wrapped.set(env, instrumented);
  }
  return instrumented;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === METER_PATHS.phase) {
      phase = url.searchParams.get("name") ?? "idle";
      return Response.json({ phase });
    }
    if (url.pathname === METER_PATHS.read) return Response.json(Object.fromEntries(meters));
    meter().invocations += 1;
    return worker.fetch(request, meteredEnv(env), ctx);
  },
  async queue(batch: MessageBatch<unknown>, env: Env): Promise<void> {
    meter().invocations += 1;
    return worker.queue(batch, meteredEnv(env));
  },
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    meter().invocations += 1;
    return worker.scheduled(controller, meteredEnv(env), ctx);
  },
} satisfies ExportedHandler<Env>;
