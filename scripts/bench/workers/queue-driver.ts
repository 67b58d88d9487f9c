/**
 * Bench-only Worker that drives queue handlers from inside workerd, the way Miniflare's queue
 * broker delivers a batch: `service.queue(queueName, messages)` on a service binding. Driving
 * them from node instead would mostly measure the node↔workerd proxy (~10 ms a batch here).
 *
 * POST a JSON `{ queue, batches }` (each batch: packed message bodies); every batch goes to the
 * CONSUMER, RAW and INSERT services in turn, the order rotating from batch to batch so no side
 * always runs first, and the answer is each side's summed time.
 */
import type { DriveBatch, DriveRequest, SideTiming } from "../queue-driver-protocol";

interface QueueResult {
  outcome: string;
  ackAll: boolean;
  explicitAcks: string[];
  retryMessages: unknown[];
}

/** A service binding's queue entry point (workerd's `service_binding_extra_handlers`). */
interface QueueService {
  queue(
    queueName: string,
    messages: { id: string; timestamp: Date; attempts: number; body: unknown }[],
  ): Promise<QueueResult>;
}

interface DriverEnv {
  CONSUMER: QueueService;
  RAW: QueueService;
  INSERT: QueueService;
}

async function driveOne(
  service: QueueService,
  side: string,
  queue: string,
  index: number,
  batch: DriveBatch,
) {
  const messages = batch.bodies.map((body, j) => ({
    id: `${side}-${index}-${j}`,
    timestamp: new Date(),
    attempts: 1,
    body,
  }));
  const started = Date.now();
  const result = await service.queue(queue, messages);
  const elapsed = Date.now() - started;
  const acked = result.ackAll || result.explicitAcks.length === batch.bodies.length;
  if (result.outcome !== "ok" || !acked || result.retryMessages.length > 0)
    throw new Error(`${side}: batch ${index} not fully acked: ${JSON.stringify(result)}`);
  return elapsed;
}

export default {
  async fetch(request: Request, env: DriverEnv): Promise<Response> {
    const { queue, batches, warmup } = await request.json<DriveRequest>();
    const sides: [SideTiming, QueueService][] = [
      [{ name: "consumer", ms: 0, events: 0 }, env.CONSUMER],
      [{ name: "raw", ms: 0, events: 0 }, env.RAW],
      [{ name: "insert", ms: 0, events: 0 }, env.INSERT],
    ];
    for (const [index, batch] of batches.entries()) {
      const shift = index % sides.length;
      const order = [...sides.slice(shift), ...sides.slice(0, shift)];
      for (const [timing, service] of order) {
        const elapsed = await driveOne(service, timing.name, queue, index, batch);
        if (index < warmup) continue;
        timing.ms += elapsed;
        timing.events += batch.events;
      }
    }
    return Response.json(sides.map(([timing]) => timing));
  },
} satisfies ExportedHandler<DriverEnv>;
