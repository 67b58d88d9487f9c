// The Worker's Env names workerd's binding types (D1Database, Queue, …); this node-side test
// needs them to compare Env with the manifest at the type level.
/// <reference types="@cloudflare/workers-types" />
/**
 * Invariant 7: one source of truth for bindings. The manifest, the Worker's `Env` type and the
 * Miniflare options of the local stack and the tests agree — names, kinds and units.
 * (The Pulumi side of the agreement lives in tests/infra.)
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { miniflareBindings } from "../../scripts/lib/miniflare-options";
import type { Env } from "../../worker/src/env";
import {
  type BindingKind,
  bindingEntries,
  jobForCron,
  type Manifest,
  manifest,
} from "../../worker/src/manifest";
import type { LiveHubApi } from "../../worker/src/shared/live-protocol";
import type { EventsQueueBody } from "../../worker/src/shared/pack";
import { TEST_SECRETS } from "../secrets";

type Kind = BindingKind;
type Table = Manifest["bindings"];
/** The binding names of one kind, read off the table with a key remapping independent of env.ts. */
type NamesOf<K extends Kind> = keyof { [N in keyof Table as Table[N]["kind"] extends K ? N : never]: true };

/** The manifest's bindings by kind, walked at runtime. */
function manifestBindings(): Map<string, Kind> {
  return new Map(bindingEntries().map(([name, spec]) => [name, spec.kind]));
}

const options = miniflareBindings({ secrets: TEST_SECRETS, vars: { UPSTREAM_URL: "http://upstream.test" } });

describe("manifest ⇄ Env type", () => {
  it("Env has exactly the table's binding names, each with the runtime type of its kind", () => {
    expectTypeOf<keyof Env>().toEqualTypeOf<keyof Table>();
    expectTypeOf<Env[NamesOf<"d1">]>().toEqualTypeOf<D1Database>();
    expectTypeOf<Env[NamesOf<"kv">]>().toEqualTypeOf<KVNamespace>();
    expectTypeOf<Env[NamesOf<"r2">]>().toEqualTypeOf<R2Bucket>();
    expectTypeOf<Env[NamesOf<"queue">]>().toEqualTypeOf<Queue<EventsQueueBody>>();
    expectTypeOf<Env[NamesOf<"durableObject">]>().toEqualTypeOf<
      DurableObjectNamespace<LiveHubApi & Rpc.DurableObjectBranded>
    >();
    expectTypeOf<Pick<Env, NamesOf<"var" | "secret">>>().toEqualTypeOf<
      Readonly<Record<NamesOf<"var" | "secret">, string>>
    >();
    // The views the code names bindings by are bindings of the right kind.
    expectTypeOf<Manifest["d1"]["binding"]>().toEqualTypeOf<NamesOf<"d1">>();
    expectTypeOf<Manifest["kv"]["binding"]>().toEqualTypeOf<NamesOf<"kv">>();
    expectTypeOf<Manifest["r2"]["binding"]>().toEqualTypeOf<NamesOf<"r2">>();
    expectTypeOf<Manifest["queues"]["events"]["binding"]>().toEqualTypeOf<NamesOf<"queue">>();
    expectTypeOf<keyof Manifest["vars"]>().toEqualTypeOf<NamesOf<"var">>();
    expectTypeOf<Manifest["secrets"][number]>().toEqualTypeOf<NamesOf<"secret">>();
  });

  it("derives the views the code names bindings by from the table", () => {
    // The public names themselves are a literal in tests/infra/manifest-agreement.test.ts.
    const entries = bindingEntries();
    expect(Object.entries(manifest.vars)).toEqual(
      entries.flatMap(([name, spec]) => (spec.kind === "var" ? [[name, spec.value]] : [])),
    );
    expect(manifest.secrets).toEqual(
      entries.filter(([, spec]) => spec.kind === "secret").map(([name]) => name),
    );
    expect(manifest.bindings[manifest.d1.binding]).toMatchObject({ kind: "d1", database: manifest.d1.name });
    expect(manifest.bindings[manifest.kv.binding]).toMatchObject({ kind: "kv", namespace: manifest.kv.name });
    expect(manifest.bindings[manifest.r2.binding]).toMatchObject({ kind: "r2", bucket: manifest.r2.name });
    expect(manifest.bindings[manifest.queues.events.binding]).toEqual({ kind: "queue", queue: "events" });
  });
});

describe("manifest ⇄ Miniflare options", () => {
  it("binds every manifest binding once, with the right kind and resource name", () => {
    const bound = new Map<string, Kind>();
    const add = (names: Record<string, unknown>, kindOf: (name: string) => Kind) => {
      for (const name of Object.keys(names)) {
        expect(bound.has(name), `${name} is bound twice`).toBe(false);
        bound.set(name, kindOf(name));
      }
    };
    add(options.d1Databases, () => "d1");
    add(options.kvNamespaces, () => "kv");
    add(options.r2Buckets, () => "r2");
    add(options.queueProducers, () => "queue");
    add(options.durableObjects, () => "durableObject");
    // Plain-text bindings: a var when the manifest lists it as one, otherwise a secret.
    add(options.bindings, (name) => (name in manifest.vars ? "var" : "secret"));
    expect(new Map([...bound].sort())).toEqual(new Map([...manifestBindings()].sort()));
    expect(options.d1Databases).toEqual({ [manifest.d1.binding]: manifest.d1.name });
    expect(options.kvNamespaces).toEqual({ [manifest.kv.binding]: manifest.kv.name });
    expect(options.r2Buckets).toEqual({ [manifest.r2.binding]: manifest.r2.name });
    expect(options.queueProducers).toEqual({
      [manifest.queues.events.binding]: { queueName: manifest.queues.events.name },
    });
    expect(options.compatibilityDate).toBe(manifest.compatibilityDate);
  });

  it("gives vars their manifest defaults unless overridden, and secrets their values", () => {
    expect(options.bindings).toEqual({
      ...manifest.vars,
      UPSTREAM_URL: "http://upstream.test",
      ...TEST_SECRETS,
    });
    expect(Object.keys(TEST_SECRETS).sort()).toEqual([...manifest.secrets].sort());
  });

  it("configures both consumers with Miniflare's units: batch timeout and retry delay in seconds", () => {
    const { events, deadLetters } = manifest.queues;
    expect(Object.keys(options.queueConsumers).sort()).toEqual([events.name, deadLetters.name].sort());
    expect(options.queueConsumers[events.name]).toEqual({
      maxBatchSize: events.consumer.maxBatchSize,
      maxBatchTimeout: events.consumer.maxWaitTimeMs / 1000,
      maxRetries: events.consumer.maxRetries,
      retryDelay: events.consumer.retryDelaySeconds,
      deadLetterQueue: deadLetters.name,
    });
    expect(options.queueConsumers[deadLetters.name]).toEqual({
      maxBatchSize: deadLetters.consumer.maxBatchSize,
      maxBatchTimeout: deadLetters.consumer.maxWaitTimeMs / 1000,
      maxRetries: deadLetters.consumer.maxRetries,
      retryDelay: deadLetters.consumer.retryDelaySeconds,
    });
  });

  it.each(Object.keys(manifest.queues) as (keyof Manifest["queues"])[])(
    "keeps the %s consumer within the Queues limits (a unit mistake would not be)",
    (queue) => {
      const { consumer } = manifest.queues[queue];
      const miniflare = options.queueConsumers[manifest.queues[queue].name];
      expect(consumer.maxBatchSize).toBeLessThanOrEqual(100);
      expect(miniflare?.maxBatchTimeout).toBeGreaterThan(0);
      expect(miniflare?.maxBatchTimeout).toBeLessThanOrEqual(60); // seconds
      expect(miniflare?.retryDelay).toBeLessThanOrEqual(43_200); // seconds: 12 hours
      expect(consumer.maxRetries).toBeLessThanOrEqual(100);
      expect(consumer.maxConcurrency).toBeLessThanOrEqual(250);
    },
  );
});

describe("manifest, self-consistent", () => {
  it("creates every Durable Object class in a migration, each tag once", () => {
    const created = manifest.durableObjectMigrations.flatMap((m) => m.newSqliteClasses);
    for (const [, spec] of bindingEntries())
      if (spec.kind === "durableObject") expect(created).toContain(spec.className);
    const tags = manifest.durableObjectMigrations.map((m) => m.tag);
    expect(new Set(tags).size).toBe(tags.length);
  });

  it("names the dead-letter queue the same way for routing (var) and delivery (queue)", () => {
    expect(manifest.vars.DEAD_LETTER_QUEUE).toBe(manifest.queues.deadLetters.name);
    expect(manifest.queues.deadLetters.name).not.toBe(manifest.queues.events.name);
  });

  it("maps every cron schedule back to its one job", () => {
    const schedules = Object.values(manifest.crons);
    expect(new Set(schedules).size).toBe(schedules.length);
    for (const [job, schedule] of Object.entries(manifest.crons)) {
      expect(schedule.split(" ")).toHaveLength(5);
      expect(jobForCron(schedule)).toBe(job);
    }
    expect(jobForCron("1 2 3 4 5")).toBeUndefined();
  });
});
