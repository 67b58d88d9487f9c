/**
 * Stack configuration, read and validated once before any resource is created. Every problem is
 * reported at once, each with the exact `pulumi config set` command that fixes it. Keys and
 * defaults are declared in Pulumi.yaml; infra/settings.ts holds the same defaults (from the
 * manifest) and tests/infra/config.test.ts proves the two agree.
 */
import * as pulumi from "@pulumi/pulumi";
import { manifest, type VarName } from "../worker/src/manifest";
import { MAX_WINDOW_DAYS } from "../worker/src/shared/day-slots";
import { isReservedPrefix } from "../worker/src/shared/reserved-prefix";
import { ConfigReader } from "./config-reader";
import {
  type ConsumerSettings,
  DEFAULTS,
  type DomainSettings,
  EVENTS_CONSUMER_KEYS,
  INTEGER_VAR_KEYS,
  VAR_KEYS,
} from "./settings";

/** A stack's validated settings; secrets stay Pulumi secrets. */
export interface StackSettings {
  stack: string;
  accountId: string;
  /** From `pulumi config set --secret adminToken`; undefined: generated in the stack (infra/secrets.ts). */
  adminToken?: pulumi.Output<string>;
  /** From `pulumi config set --secret clientIpSalt`; undefined: generated in the stack. */
  clientIpSalt?: pulumi.Output<string>;
  /** From `cloudflare:apiToken` (secret) or the CLOUDFLARE_API_TOKEN environment variable. */
  apiToken: pulumi.Output<string>;
  /** Every manifest var but DEAD_LETTER_QUEUE, which is the deployed DLQ's name. */
  vars: Record<Exclude<VarName, "DEAD_LETTER_QUEUE">, string>;
  archiveRetentionDays: number;
  queueRetentionSeconds: number;
  eventsConsumer: ConsumerSettings;
  domain: DomainSettings;
  protectData: boolean;
}

/** Seconds the dead-letter consumer keeps retrying a dead letter D1 cannot take (manifest). */
const DLQ = manifest.queues.deadLetters.consumer;
export const DEAD_LETTER_BUDGET_SECONDS =
  (DLQ.maxRetries + 1) * (DLQ.retryDelaySeconds + DLQ.maxWaitTimeMs / 1000);

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

function readVars(r: ConfigReader): StackSettings["vars"] {
  const vars = {} as StackSettings["vars"];
  for (const [key, name] of Object.entries(VAR_KEYS)) vars[name] = r.text(key, DEFAULTS.vars[name]);
  const upstream = vars.UPSTREAM_URL;
  if (upstream && !/^https?:\/\/[^/]/.test(upstream))
    r.fail("upstreamUrl", `must be an absolute http(s) URL, got "${upstream}"`, "https://api.example.com");
  try {
    const routes: unknown = JSON.parse(vars.ROUTES);
    if (!Array.isArray(routes) || !routes.every((t) => typeof t === "string" && t.startsWith("/")))
      throw new Error();
  } catch {
    r.fail("routes", "must be a list of templates starting with /", "--path 'routes[0]' /users/:id");
  }
  if (!isReservedPrefix(vars.RESERVED_PREFIX))
    r.fail("reservedPrefix", `must look like /_pathmeter, got "${vars.RESERVED_PREFIX}"`, "/_pathmeter");
  for (const key of INTEGER_VAR_KEYS) {
    const name = VAR_KEYS[key];
    vars[name] = String(r.integer(key, Number(DEFAULTS.vars[name]), 1));
  }
  return vars;
}

/** Queues limits: batches of at most 100, at most 250 concurrent consumers, a 12 h retry delay. */
const CONSUMER_RANGES: Record<keyof ConsumerSettings, [number, number]> = {
  maxBatchSize: [1, 100],
  maxWaitTimeMs: [0, 60_000],
  maxRetries: [0, 100],
  retryDelaySeconds: [0, 43_200],
  maxConcurrency: [1, 250],
};

function readEventsConsumer(r: ConfigReader): ConsumerSettings {
  const settings: ConsumerSettings = { ...DEFAULTS.eventsConsumer };
  for (const [key, name] of Object.entries(EVENTS_CONSUMER_KEYS)) {
    const [min, max] = CONSUMER_RANGES[name];
    settings[name] = r.integer(key, DEFAULTS.eventsConsumer[name], min, max);
  }
  return settings;
}

function readDomain(r: ConfigReader): DomainSettings {
  const customDomain = r.text("customDomain", "");
  const route = r.text("route", "");
  const zoneId = r.text("zoneId", "");
  if (customDomain && route) r.fail("route", "cannot be set together with customDomain", '""');
  if ((customDomain || route) && !zoneId)
    r.fail("zoneId", "is required with a custom domain or route", "<zone id>");
  if (customDomain) {
    if (!HOSTNAME.test(customDomain))
      r.fail("customDomain", `must be a hostname, got "${customDomain}"`, "api.example.com");
    return { kind: "customDomain", hostname: customDomain, zoneId };
  }
  if (route) {
    // The reserved prefix lives at the root of the host, so the route must cover the whole host.
    if (!/^[a-z0-9.-]+\/\*$/i.test(route))
      r.fail("route", `must look like api.example.com/*, got "${route}"`, "api.example.com/*");
    return { kind: "route", pattern: route, zoneId };
  }
  const subdomain = r.textOrEnv("workersDevSubdomain", "CLOUDFLARE_WORKERS_SUBDOMAIN");
  if (!LABEL.test(subdomain))
    r.fail(
      "workersDevSubdomain",
      subdomain
        ? `must be a DNS label, got "${subdomain}"`
        : "is not set (your account's <name>.workers.dev; or export CLOUDFLARE_WORKERS_SUBDOMAIN)",
      "<name>",
    );
  return { kind: "workersDev", subdomain };
}

function readApiToken(r: ConfigReader): pulumi.Output<string> {
  const fromConfig = new pulumi.Config("cloudflare").getSecret("apiToken");
  if (fromConfig) return fromConfig;
  const fromEnv = process.env.CLOUDFLARE_API_TOKEN;
  if (fromEnv) return pulumi.secret(fromEnv);
  r.problems.push(
    `the Cloudflare API token is not set: run \`${r.command("cloudflare:apiToken", "<token>", true)}\` or export CLOUDFLARE_API_TOKEN`,
  );
  return pulumi.secret("");
}

/** Reads the whole stack configuration or throws one error listing every problem and its fix. */
export function readStackSettings(stack: string = pulumi.getStack()): StackSettings {
  const r = new ConfigReader(stack);
  const accountId = r.textOrEnv("accountId", "CLOUDFLARE_ACCOUNT_ID");
  if (!/^[0-9a-f]{32}$/.test(accountId))
    r.fail(
      "accountId",
      accountId
        ? `must be 32 hex digits, got "${accountId}"`
        : "is not set (or export CLOUDFLARE_ACCOUNT_ID)",
      "<cloudflare account id>",
    );
  const settings: StackSettings = {
    stack,
    accountId,
    adminToken: r.optionalSecret("adminToken"),
    clientIpSalt: r.optionalSecret("clientIpSalt"),
    apiToken: readApiToken(r),
    vars: readVars(r),
    archiveRetentionDays: r.integer("archiveRetentionDays", DEFAULTS.archiveRetentionDays, 1),
    // Cloudflare Queues keep unconsumed messages 60 s to 14 days.
    queueRetentionSeconds: r.integer("queueRetentionSeconds", DEFAULTS.queueRetentionSeconds, 60, 1_209_600),
    eventsConsumer: readEventsConsumer(r),
    domain: readDomain(r),
    protectData: r.boolean("protectData", DEFAULTS.protectData),
  };
  if (settings.archiveRetentionDays <= Number(settings.vars.HOT_DAYS))
    r.fail(
      "archiveRetentionDays",
      "must be longer than hotDays, or archives expire before they are used",
      "365",
    );
  const window = Number(settings.vars.MAX_EVENT_AGE_DAYS);
  if (window > MAX_WINDOW_DAYS || Number(settings.vars.HOT_DAYS) > window)
    r.fail(
      "maxEventAgeDays",
      `must be at least hotDays and at most ${MAX_WINDOW_DAYS} (detail rows stay in a ring of day tables until their day leaves the window; docs/lifecycle.md)`,
      String(Math.min(MAX_WINDOW_DAYS, Math.max(7, Number(settings.vars.HOT_DAYS)))),
    );
  if (settings.queueRetentionSeconds < DEAD_LETTER_BUDGET_SECONDS)
    r.fail(
      "queueRetentionSeconds",
      `must be at least ${DEAD_LETTER_BUDGET_SECONDS} (the dead-letter consumer's retry budget), or dead letters could expire before they are stored`,
      "86400",
    );
  if (r.problems.length > 0)
    throw new pulumi.RunError(
      `pathmeter: stack "${stack}" is not configured correctly:\n${r.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  return settings;
}
