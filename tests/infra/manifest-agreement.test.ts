/**
 * Invariant 7, checked against what the code really produces: the Pulumi program runs under mocks
 * (tests/infra/program-run.ts) and its recorded WorkersScript bindings, queue consumers and
 * WorkersCronTrigger schedules, and the Miniflare options built from the manifest, are compared
 * with each other and with literal expectations written out below — never with the manifest they
 * are generated from — so a mapping mistake in infra/bindings.ts, infra/worker.ts or
 * scripts/lib/miniflare-options.ts fails here. (tests/unit/manifest.test.ts covers Env.)
 */
import { beforeAll, describe, expect, it } from "vitest";
import { miniflareBindings } from "../../scripts/lib/miniflare-options";
import { TEST_SECRETS } from "../secrets";
import { only, type ProgramReport, plain, runProgram } from "./program-run";

const STACK = "dev";
const deployed = (logical: string) => `pathmeter-${STACK}-${logical}`;

const T = {
  queue: "cloudflare:index/queue:Queue",
  consumer: "cloudflare:index/queueConsumer:QueueConsumer",
  d1: "cloudflare:index/d1Database:D1Database",
  kv: "cloudflare:index/workersKvNamespace:WorkersKvNamespace",
  r2: "cloudflare:index/r2Bucket:R2Bucket",
  script: "cloudflare:index/workersScript:WorkersScript",
  cron: "cloudflare:index/workersCronTrigger:WorkersCronTrigger",
} as const;

type MiniflareOption =
  | "d1Databases"
  | "kvNamespaces"
  | "r2Buckets"
  | "queueProducers"
  | "durableObjects"
  | "bindings";

/** Every binding the Worker has: name, Workers upload type, Miniflare option. Public names. */
const EXPECTED_BINDINGS: readonly [string, string, MiniflareOption][] = [
  ["DB", "d1", "d1Databases"],
  ["SNAPSHOTS", "kv_namespace", "kvNamespaces"],
  ["ARCHIVE", "r2_bucket", "r2Buckets"],
  ["EVENTS_QUEUE", "queue", "queueProducers"],
  ["LIVE_HUB", "durable_object_namespace", "durableObjects"],
  ["RESERVED_PREFIX", "plain_text", "bindings"],
  ["UPSTREAM_URL", "plain_text", "bindings"],
  ["ROUTES", "plain_text", "bindings"],
  ["MAX_PATHS_PER_DAY", "plain_text", "bindings"],
  ["HOT_DAYS", "plain_text", "bindings"],
  ["MAX_EVENT_AGE_DAYS", "plain_text", "bindings"],
  ["SNAPSHOT_TOP_N", "plain_text", "bindings"],
  ["HOURLY_SKETCH_DAYS", "plain_text", "bindings"],
  ["DEAD_LETTER_QUEUE", "plain_text", "bindings"],
  ["ADMIN_TOKEN", "secret_text", "bindings"],
  ["CLIENT_IP_SALT", "secret_text", "bindings"],
];

/**
 * The schedules the cron trigger carries (one trigger per script: the API replaces the list): the
 * two triggers; each invocation runs the jobs due at its time (worker/src/jobs/dispatch.ts).
 */
const EXPECTED_SCHEDULES = ["*/5 * * * *", "7 * * * *"];

interface DeployedBinding {
  name: string;
  type: string;
  [field: string]: unknown;
}

interface ConsumerInputs {
  deadLetterQueue?: string;
  settings: { batchSize: number; maxWaitTimeMs: number; maxRetries: number; retryDelay: number };
}

const local = miniflareBindings({ secrets: TEST_SECRETS });
let report: ProgramReport | undefined;

beforeAll(async () => {
  report = await runProgram({ stack: STACK, typeCheck: false });
}, 180_000);

function program(): ProgramReport {
  if (!report?.ok) throw new Error(`the program did not run: ${report?.error}`);
  return report;
}

function deployedBindings(): DeployedBinding[] {
  return plain(only(program(), T.script).inputs.bindings) as DeployedBinding[];
}

/** The deployed binding of a name; throws when it is missing. */
function deployedBinding(name: string): DeployedBinding {
  const binding = deployedBindings().find((b) => b.name === name);
  if (!binding) throw new Error(`no deployed binding ${name}`);
  return binding;
}

describe("bindings", () => {
  it("deploys exactly the expected bindings, in order, each with its upload type", () => {
    expect(deployedBindings().map((b) => [b.name, b.type])).toEqual(
      EXPECTED_BINDINGS.map(([name, type]) => [name, type]),
    );
  });

  it("binds locally exactly the expected bindings, each in its kind's Miniflare option", () => {
    const options: MiniflareOption[] = [
      "d1Databases",
      "kvNamespaces",
      "r2Buckets",
      "queueProducers",
      "durableObjects",
      "bindings",
    ];
    for (const option of options)
      expect(Object.keys(local[option]).sort(), option).toEqual(
        EXPECTED_BINDINGS.filter(([, , o]) => o === option)
          .map(([name]) => name)
          .sort(),
      );
  });

  it("points each binding at the same logical resource locally as deployed (pathmeter-<stack>-<name>)", () => {
    const r = program();
    expect(local.d1Databases).toEqual({ DB: "db" });
    expect(local.kvNamespaces).toEqual({ SNAPSHOTS: "snapshots" });
    expect(local.r2Buckets).toEqual({ ARCHIVE: "archive" });
    expect(local.queueProducers).toEqual({ EVENTS_QUEUE: { queueName: "events" } });
    // The live hub: the class this same script exports, SQLite-backed in both worlds.
    expect(local.durableObjects).toEqual({ LIVE_HUB: { className: "LiveHub", useSQLite: true } });
    expect(deployedBinding("LIVE_HUB").className).toBe("LiveHub");
    expect(deployedBinding("LIVE_HUB").scriptName).toBeUndefined();
    expect(plain(only(r, T.script).inputs.migrations)).toEqual({
      newTag: "v1",
      steps: [{ newSqliteClasses: ["LiveHub"] }],
    });
    expect(only(r, T.d1).inputs.name).toBe(deployed("db"));
    expect(only(r, T.kv).inputs.title).toBe(deployed("snapshots"));
    expect(deployedBinding("ARCHIVE").bucketName).toBe(deployed("archive"));
    expect(deployedBinding("EVENTS_QUEUE").queueName).toBe(deployed("events"));
    expect(deployedBinding("DEAD_LETTER_QUEUE").text).toBe(deployed("events-dlq"));
    expect(local.bindings.DEAD_LETTER_QUEUE).toBe("events-dlq");
    // The ids of the created D1 database and KV namespace, as the Pulumi mock returns them.
    expect(deployedBinding("DB").id).toBe("d1000000-0000-4000-8000-000000000001");
    expect(deployedBinding("SNAPSHOTS").namespaceId).toBe("kv00000000000000000000000000000001");
  });

  it("gives secrets their values in both worlds", () => {
    expect(deployedBinding("ADMIN_TOKEN").text).toBe("test-admin-token");
    expect(deployedBinding("CLIENT_IP_SALT").text).toBe("test-client-ip-salt");
    expect(local.bindings.ADMIN_TOKEN).toBe("test-admin-token");
    expect(local.bindings.CLIENT_IP_SALT).toBe("test-client-ip-salt");
  });
});

describe("queue consumers", () => {
  it.each([
    ["events", "events-dlq"],
    ["events-dlq", undefined],
  ] as const)("%s: Pulumi (ms) and Miniflare (s) describe the same consumer", (queue, deadLetterQueue) => {
    const recorded = only(program(), T.consumer, deployed(`${queue}-consumer`))
      .inputs as unknown as ConsumerInputs;
    const miniflare = local.queueConsumers[queue];
    expect(recorded.settings.batchSize).toBe(miniflare.maxBatchSize);
    expect(recorded.settings.maxWaitTimeMs).toBe(miniflare.maxBatchTimeout * 1000);
    expect(recorded.settings.retryDelay).toBe(miniflare.retryDelay);
    expect(recorded.settings.maxRetries).toBe(miniflare.maxRetries);
    expect(recorded.deadLetterQueue).toBe(deadLetterQueue && deployed(deadLetterQueue));
    expect(miniflare.deadLetterQueue).toBe(deadLetterQueue);
  });
});

describe("crons", () => {
  it("deploy one trigger carrying exactly the expected schedules", () => {
    const schedules = only(program(), T.cron).inputs.schedules as { cron: string }[];
    expect(schedules.map((s) => s.cron)).toEqual(EXPECTED_SCHEDULES);
  });
});
