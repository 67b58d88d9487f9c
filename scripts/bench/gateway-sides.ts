/**
 * The sides the gateway bench compares, each a workerd process of its own serving the same
 * upstream, and what is measured of each (requests, rounds, CPU of its workerd processes).
 * See gateway-report.ts for what each side stands for.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { MiniflareOptions } from "miniflare";
import { type LocalStack, startLocalStack } from "../local-stack";
import { type BenchWorkerBundle, benchGateway, buildBenchWorker } from "./bench-worker";
import { cpuMs, withNewWorkerd } from "./workerd-cpu";

/** A workerd process whose CPU is counted for a side; `pid` is null where /proc cannot tell. */
interface Process {
  pid: number | null;
  /** CPU milliseconds it used from the warm-up to the end of the drain, once measured. */
  cpuMs: number | null;
}

export interface Side {
  label: string;
  url: string;
  requests: number;
  elapsedMs: number;
  /** Requests/s of each measured round, in round order. */
  roundRates: number[];
  /** The workerd serving the side's requests. */
  gateway: Process;
  /** A second workerd doing the side's queue work (broker and consumer), when it has one. */
  queueWork: Process | null;
  /** The stack that stores this side's events, when it stores them. */
  stack: LocalStack | null;
}

const newSide = (
  label: string,
  url: string,
  pids: { gateway: number | null; queueWork?: number | null },
  stack: LocalStack | null = null,
): Side => ({
  label,
  url,
  requests: 0,
  elapsedMs: 0,
  roundRates: [],
  gateway: { pid: pids.gateway, cpuMs: null },
  queueWork: pids.queueWork === undefined ? null : { pid: pids.queueWork, cpuMs: null },
  stack,
});

/** Runs `measure` and sets the CPU each side's processes used meanwhile. */
export async function withCpu(sides: readonly Side[], measure: () => Promise<void>): Promise<void> {
  const processes = sides.flatMap((side) =>
    side.queueWork ? [side.gateway, side.queueWork] : [side.gateway],
  );
  const before = processes.map((p) => cpuMs(p.pid));
  await measure();
  processes.forEach((p, i) => {
    const [start, end] = [before[i] ?? null, cpuMs(p.pid)];
    p.cpuMs = start === null || end === null ? null : end - start;
  });
}

export interface Sides {
  /** In rotation order: on (one workerd), on (queue elsewhere), off, queue stubbed. */
  sides: readonly [Side, Side, Side, Side];
  stop(): Promise<void>;
}

/** A local stack in a fresh state directory, with its workerd's pid. */
async function stackIn(stateDir: string, upstreamUrl: string, relay?: BenchWorkerBundle) {
  return withNewWorkerd(() =>
    startLocalStack({
      stateDir,
      port: 0,
      crons: false,
      upstreamUrl,
      // The relay stack: the production Worker whose fetch handler only relays queue sends.
      ...(relay
        ? {
            adjustMiniflare: (o: MiniflareOptions) => ({
              ...o,
              scriptPath: relay.file,
              modulesRoot: relay.dir,
            }),
          }
        : {}),
    }),
  );
}

/** Starts every side; `stop` stops them all and removes their bundles and state. */
export async function startSides(upstreamUrl: string): Promise<Sides> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "pathmeter-bench-gateway-"));
  const bundles = {
    off: await buildBenchWorker("gateway-off"),
    stubbed: await buildBenchWorker("gateway-queue-stubbed"),
    remote: await buildBenchWorker("gateway-remote-queue"),
    relay: await buildBenchWorker("queue-relay"),
  };
  const started = async (bundle: BenchWorkerBundle, extraText: Record<string, string> = {}) =>
    withNewWorkerd(async () => {
      const mf = benchGateway(bundle, upstreamUrl, extraText);
      return { mf, url: (await mf.ready).origin };
    });
  const local = await stackIn(path.join(stateDir, "local"), upstreamUrl);
  const relay = await stackIn(path.join(stateDir, "relay"), upstreamUrl, bundles.relay);
  const remote = await started(bundles.remote, { QUEUE_RELAY_URL: relay.value.url });
  const off = await started(bundles.off);
  const stubbed = await started(bundles.stubbed);
  return {
    sides: [
      newSide("on", local.value.url, { gateway: local.pid }, local.value),
      newSide(
        "on, queue elsewhere",
        remote.value.url,
        { gateway: remote.pid, queueWork: relay.pid },
        relay.value,
      ),
      newSide("off", off.value.url, { gateway: off.pid }),
      newSide("queue stubbed", stubbed.value.url, { gateway: stubbed.pid }),
    ],
    async stop() {
      for (const gateway of [remote, off, stubbed]) await gateway.value.mf.dispose();
      await local.value.stop();
      await relay.value.stop();
      for (const bundle of Object.values(bundles)) await bundle.remove();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
