/**
 * Stack configuration: Pulumi.yaml declares every setting the program reads (type, description,
 * default equal to the program's manifest-derived default), the stack files hold every non-secret
 * setting and nothing per-user or secret, and bad config fails before any resource with the exact
 * `pulumi config set` command.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { readStackSettings } from "../../infra/config";
import { DEFAULTS, EVENTS_CONSUMER_KEYS, VAR_KEYS } from "../../infra/settings";
import { REPO_ROOT } from "../../scripts/lib/build";
import { manifest } from "../../worker/src/manifest";
import { runProgram, stackFileConfig, TEST_CLOUDFLARE_TOKEN, userConfig } from "./program-run";

interface Declaration {
  type: "string" | "integer" | "boolean" | "array";
  description?: string;
  default?: unknown;
  secret?: boolean;
  items?: { type: string };
}
const project = async () =>
  parse(await readFile(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string };
    main: string;
    config: Record<string, Declaration>;
  };
const rawStackFile = async (stack: string) =>
  (
    parse(await readFile(path.join(REPO_ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
      config: Record<string, unknown>;
    }
  ).config;

/** Empty in the stack files: CI's environment (or `pulumi config set`) provides them. */
const PER_USER = ["accountId", "workersDevSubdomain"];
/** Read by the program, deliberately undeclared (generated when unset; see Pulumi.yaml). */
const SECRETS = ["adminToken", "clientIpSalt"];

/** The program's own default of each declared key, from the manifest and infra/settings.ts. */
function programDefault(key: string): unknown {
  if (key in VAR_KEYS) {
    const raw = DEFAULTS.vars[VAR_KEYS[key as keyof typeof VAR_KEYS]];
    return key === "routes" ? JSON.parse(raw) : /^\d+$/.test(raw) ? Number(raw) : raw;
  }
  if (key in EVENTS_CONSUMER_KEYS)
    return manifest.queues.events.consumer[EVENTS_CONSUMER_KEYS[key as keyof typeof EVENTS_CONSUMER_KEYS]];
  const others: Record<string, unknown> = {
    archiveRetentionDays: DEFAULTS.archiveRetentionDays,
    queueRetentionSeconds: DEFAULTS.queueRetentionSeconds,
    protectData: DEFAULTS.protectData,
    customDomain: "",
    route: "",
    zoneId: "",
    workersDevSubdomain: "",
    accountId: "",
  };
  return others[key];
}

function configure(values: Record<string, string>) {
  const secretKeys = Object.keys(values).filter((k) => /adminToken|clientIpSalt|apiToken/.test(k));
  pulumi.runtime.setAllConfig(values, secretKeys);
}
const devConfig = async () => ({ ...(await stackFileConfig("dev")), ...userConfig() });
const failureOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error("expected the config to be refused");
};

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("Pulumi.yaml", () => {
  it("names the project, runtime and program", async () => {
    expect(await project()).toMatchObject({
      name: "pathmeter",
      runtime: { name: "nodejs" },
      main: "infra/index.ts",
    });
  });

  it("declares exactly the settings the program reads, each with a type and a description", async () => {
    const read = new Set<string>();
    const record = (key: string) => read.add(key);
    const get = pulumi.Config.prototype.get;
    const getSecret = pulumi.Config.prototype.getSecret;
    vi.spyOn(pulumi.Config.prototype, "get").mockImplementation(function (this: pulumi.Config, key, opts) {
      if (this.name === "pathmeter") record(key);
      return get.call(this, key, opts);
    });
    vi.spyOn(pulumi.Config.prototype, "getSecret").mockImplementation(function (
      this: pulumi.Config,
      key,
      opts,
    ) {
      if (this.name === "pathmeter") record(key);
      return getSecret.call(this, key, opts);
    });
    configure(await devConfig());
    readStackSettings("dev");
    const declared = (await project()).config;
    expect(Object.keys(declared).sort()).toEqual([...read].filter((k) => !SECRETS.includes(k)).sort());
    for (const key of SECRETS) expect(read, key).toContain(key);
    for (const [key, d] of Object.entries(declared)) {
      expect(["string", "integer", "boolean", "array"], key).toContain(d.type);
      expect(d.description, key).toMatch(/\w{3,}/);
    }
  });

  it("requires nothing a fresh clone lacks: every declared key has a default equal to the program's", async () => {
    const declared = (await project()).config;
    // A `secret: true` key is required by the CLI ("missing configuration value"), and one with a
    // default is refused since CLI 3.202 (pulumi/pulumi#21865): the secrets stay undeclared.
    for (const key of SECRETS) expect(declared, key).not.toHaveProperty(key);
    for (const [key, d] of Object.entries(declared)) {
      expect(d, key).not.toHaveProperty("secret");
      expect(d.default, key).toEqual(programDefault(key));
    }
  });
});

describe("Pulumi.dev.yaml and Pulumi.prod.yaml", () => {
  it.each(["dev", "prod"])(
    "%s holds every non-secret, non-per-user setting with its declared type",
    async (stack) => {
      const declared = (await project()).config;
      const file = await rawStackFile(stack);
      const expected = Object.keys(declared).filter((k) => ![...SECRETS, ...PER_USER].includes(k));
      expect(Object.keys(file).sort()).toEqual(expected.map((k) => `pathmeter:${k}`).sort());
      for (const [key, value] of Object.entries(file)) {
        const type = declared[key.replace("pathmeter:", "")]?.type;
        const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
        expect(actual, key).toBe(type);
      }
    },
  );

  it("keeps dev within the Free plan's 1-day queue retention, and the default too", async () => {
    const dev = await rawStackFile("dev");
    expect(dev["pathmeter:queueRetentionSeconds"]).toBeLessThanOrEqual(86_400);
    expect((await project()).config.queueRetentionSeconds?.default).toBeLessThanOrEqual(86_400);
  });

  it("makes prod the durable one: protected data, longer retention, more consumer concurrency", async () => {
    const [dev, prod] = await Promise.all([rawStackFile("dev"), rawStackFile("prod")]);
    expect(dev["pathmeter:protectData"]).toBe(false);
    expect(prod["pathmeter:protectData"]).toBe(true);
    expect(Number(prod["pathmeter:archiveRetentionDays"])).toBeGreaterThan(
      Number(dev["pathmeter:archiveRetentionDays"]),
    );
    expect(Number(prod["pathmeter:eventsMaxConcurrency"])).toBeGreaterThan(
      Number(dev["pathmeter:eventsMaxConcurrency"]),
    );
  });
});

describe("validation", () => {
  it("reads the dev stack: vars, consumer overrides, workers.dev, the API token as a secret", async () => {
    configure(await devConfig());
    const settings = readStackSettings("dev");
    expect(settings.vars).toEqual({ ...DEFAULTS.vars, DEAD_LETTER_QUEUE: undefined, UPSTREAM_URL: "" });
    expect(settings.eventsConsumer).toEqual({ ...manifest.queues.events.consumer, maxConcurrency: 2 });
    expect(settings.domain).toEqual({ kind: "workersDev", subdomain: "acme" });
    expect(await pulumi.isSecret(settings.apiToken)).toBe(true);
    expect(settings.adminToken && (await pulumi.isSecret(settings.adminToken))).toBe(true);
  });

  it("takes the account id and workers.dev subdomain from CI's environment, config winning", async () => {
    const { "pathmeter:accountId": _a, "pathmeter:workersDevSubdomain": _s, ...config } = await devConfig();
    configure({ ...config, "pathmeter:accountId": "" });
    vi.stubEnv("CLOUDFLARE_ACCOUNT_ID", "ffffffffffffffffffffffffffffffff");
    vi.stubEnv("CLOUDFLARE_WORKERS_SUBDOMAIN", "from-env");
    const fromEnv = readStackSettings("dev");
    expect(fromEnv.accountId).toBe("ffffffffffffffffffffffffffffffff");
    expect(fromEnv.domain).toEqual({ kind: "workersDev", subdomain: "from-env" });
    configure(await devConfig());
    const fromConfig = readStackSettings("dev");
    expect(fromConfig.accountId).toBe(userConfig()["pathmeter:accountId"]);
    expect(fromConfig.domain).toEqual({ kind: "workersDev", subdomain: "acme" });
  });

  it("leaves unset secrets to the stack to generate", async () => {
    const { "pathmeter:adminToken": _t, "pathmeter:clientIpSalt": _s, ...config } = await devConfig();
    configure(config);
    const settings = readStackSettings("dev");
    expect([settings.adminToken, settings.clientIpSalt]).toEqual([undefined, undefined]);
  });

  it("takes the token from CLOUDFLARE_API_TOKEN when cloudflare:apiToken is not set", async () => {
    const { "cloudflare:apiToken": _, ...config } = await devConfig();
    configure(config);
    vi.stubEnv("CLOUDFLARE_API_TOKEN", "from-env");
    const token = readStackSettings("dev").apiToken;
    expect(await pulumi.isSecret(token)).toBe(true);
    expect(await new Promise((resolve) => token.apply(resolve))).toBe("from-env");
  });

  it("lists every missing setting with the exact command that sets it", () => {
    configure({});
    for (const name of ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "CLOUDFLARE_WORKERS_SUBDOMAIN"])
      vi.stubEnv(name, "");
    const message = failureOf(() => readStackSettings("dev"));
    for (const command of [
      "or export CLOUDFLARE_ACCOUNT_ID): run `pulumi config set accountId <cloudflare account id> --stack dev",
      "pulumi config set --secret cloudflare:apiToken <token> --stack dev` or export CLOUDFLARE_API_TOKEN",
      "export CLOUDFLARE_WORKERS_SUBDOMAIN): run `pulumi config set workersDevSubdomain <name> --stack dev",
    ])
      expect(message).toContain(command);
    expect(message).not.toMatch(/adminToken|clientIpSalt/);
  });

  it.each([
    [
      "pathmeter:hotDays",
      "zero",
      "hotDays must be an integer from 1",
      "pulumi config set hotDays 3 --stack dev",
    ],
    ["pathmeter:eventsMaxBatchSize", "500", "from 1 to 100", "pulumi config set eventsMaxBatchSize 100"],
    ["pathmeter:upstreamUrl", "ftp:/x", "absolute http(s) URL", "pulumi config set upstreamUrl https://"],
    [
      "pathmeter:routes",
      '["users"]',
      "templates starting with /",
      "pulumi config set --path 'routes[0]' /users/:id",
    ],
    [
      "pathmeter:reservedPrefix",
      "nope",
      "must look like /_pathmeter",
      "pulumi config set reservedPrefix /_pathmeter",
    ],
    ["pathmeter:customDomain", "api.example.com", "zoneId is required", "pulumi config set zoneId <zone id>"],
    ["pathmeter:route", "example.com/api/*", "must look like api.example.com/*", "pulumi config set route"],
    [
      "pathmeter:archiveRetentionDays",
      "2",
      "longer than hotDays",
      "pulumi config set archiveRetentionDays 365",
    ],
    [
      "pathmeter:maxEventAgeDays",
      "11",
      "at most 10 (detail rows stay in a ring of day tables",
      "pulumi config set maxEventAgeDays 7",
    ],
    ["pathmeter:maxEventAgeDays", "2", "must be at least hotDays", "pulumi config set maxEventAgeDays 7"],
    ["pathmeter:protectData", "yes", "must be true or false", "pulumi config set protectData false"],
    [
      "pathmeter:queueRetentionSeconds",
      "10",
      "from 60 to 1209600",
      "pulumi config set queueRetentionSeconds",
    ],
    [
      "pathmeter:queueRetentionSeconds",
      "3600",
      "dead letters could expire before they are stored",
      "pulumi config set queueRetentionSeconds 86400",
    ],
  ])("refuses %s = %s", async (key, value, why, command) => {
    configure({ ...(await devConfig()), [key]: value, "pathmeter:zoneId": "" });
    const message = failureOf(() => readStackSettings("dev"));
    expect(message).toContain(why);
    expect(message).toContain(command);
  });

  it("fails the program before it creates any resource", async () => {
    const report = await runProgram({
      stack: "ci-unconfigured",
      configFile: "dev",
      typeCheck: false,
      config: { "pathmeter:accountId": null, "cloudflare:apiToken": null },
    });
    expect(report.ok).toBe(false);
    expect(report.error).toContain(
      "pulumi config set accountId <cloudflare account id> --stack ci-unconfigured",
    );
    expect(report.error).toContain("pulumi config set --secret cloudflare:apiToken <token>");
    expect(report.error).not.toContain(TEST_CLOUDFLARE_TOKEN);
    expect(report.resources.map((r) => r.type)).toEqual(["pulumi:pulumi:Stack"]);
  }, 60_000);
});
