/**
 * Runs the Pulumi program in a child process through @pulumi/pulumi's own loader, from the folder
 * of Pulumi.yaml's `main` as the CLI does (tests/infra/pulumi-run.cjs), under mocks, with a stack's real Pulumi.<stack>.yaml config, and
 * returns what was registered. A fresh process per run is a fresh module registry per stack.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../../scripts/lib/build";
import { TEST_SECRETS } from "../secrets";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  parent: string;
  protect: boolean;
  retainOnDelete: boolean;
  /** URNs this resource depends on (explicit dependsOn and inputs' resources). */
  dependencies: string[];
  /** `<provider urn>::<id>` of the explicit provider, or "" for the default one. */
  provider: string | null;
  custom: boolean;
  /** Inputs as the mock engine deserialized them (a value holding a secret is wrapped whole). */
  inputs: Record<string, unknown>;
  /** Inputs as sent on the wire: secret wrappers exactly where the secrets are nested. */
  wire: Record<string, unknown>;
}

export interface ProgramReport {
  ok: boolean;
  error?: string;
  resources: RecordedResource[];
  /** The stack outputs as registered with the engine (wire form). */
  stackOutputs?: Record<string, unknown>;
  /** Each dynamic resource type's serialized provider, as stored in the state (`__provider`). */
  providerSources?: Record<string, string>;
}

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const TEST_ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
export const TEST_CLOUDFLARE_TOKEN = "test-cloudflare-api-token";
export const TEST_SUBDOMAIN = "acme";

/** A config value as the Pulumi CLI hands it to the program: strings, structured values as JSON. */
const asConfigString = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "object" ? JSON.stringify(value) : String(value);

/** Pulumi.<file>.yaml's config block, as the CLI would pass it. */
export async function stackFileConfig(file: string): Promise<Record<string, string>> {
  const doc = parse(await readFile(path.join(REPO_ROOT, `Pulumi.${file}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  return Object.fromEntries(Object.entries(doc.config ?? {}).map(([k, v]) => [k, asConfigString(v)]));
}

export interface RunOptions {
  /** Stack name (also names every resource). */
  stack: string;
  /** Which Pulumi.<file>.yaml to load. @default stack */
  configFile?: string;
  /** Extra or replaced config keys (`pathmeter:key`); null removes a key. */
  config?: Record<string, string | null>;
  /** Environment overrides for the child; null removes a variable. */
  env?: Record<string, string | null>;
  /** Type-check like `pulumi up` does (ts-node's default), or only transpile. @default true */
  typeCheck?: boolean;
  /** The program file, relative to the repository root. @default Pulumi.yaml's `main` */
  main?: string;
  /**
   * Run as CI does: the committed stack file only, plus the environment CI provides
   * (CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID, CLOUDFLARE_WORKERS_SUBDOMAIN); no `pulumi config set`.
   * @default false (the per-user config of `userConfig()` is added)
   */
  asCi?: boolean;
}

/** The environment CI gives `pulumi preview` / `pulumi up`, besides the backend's credentials. */
export const ciEnvironment = (): Record<string, string> => ({
  CLOUDFLARE_API_TOKEN: TEST_CLOUDFLARE_TOKEN,
  CLOUDFLARE_ACCOUNT_ID: TEST_ACCOUNT_ID,
  CLOUDFLARE_WORKERS_SUBDOMAIN: TEST_SUBDOMAIN,
});

/** Pulumi.yaml's `main`: the program the CLI runs, from its folder. */
export async function projectMain(): Promise<string> {
  const project = parse(await readFile(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as { main: string };
  return project.main;
}

const SECRET_KEYS = ["pathmeter:adminToken", "pathmeter:clientIpSalt", "cloudflare:apiToken"];

/** The per-user settings a deployer adds with `pulumi config set` (not in the stack files). */
export const userConfig = (): Record<string, string> => ({
  "pathmeter:accountId": TEST_ACCOUNT_ID,
  "pathmeter:workersDevSubdomain": TEST_SUBDOMAIN,
  "pathmeter:adminToken": TEST_SECRETS.ADMIN_TOKEN,
  "pathmeter:clientIpSalt": TEST_SECRETS.CLIENT_IP_SALT,
  "cloudflare:apiToken": TEST_CLOUDFLARE_TOKEN,
});

export async function runProgram(options: RunOptions): Promise<ProgramReport> {
  const merged: Record<string, string | null> = {
    ...(await stackFileConfig(options.configFile ?? options.stack)),
    ...(options.asCi ? {} : userConfig()),
    ...options.config,
  };
  const config = Object.fromEntries(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== null),
  );
  const dir = await mkdtemp(path.join(tmpdir(), "pathmeter-pulumi-run-"));
  try {
    const requestFile = path.join(dir, "request.json");
    const reportFile = path.join(dir, "report.json");
    const env: Record<string, string | null> = {
      // Hermetic: only what a test passes reaches the program (CI sets these three).
      CLOUDFLARE_API_TOKEN: null,
      CLOUDFLARE_ACCOUNT_ID: null,
      CLOUDFLARE_WORKERS_SUBDOMAIN: null,
      PULUMI_NODEJS_TRANSPILE_ONLY: options.typeCheck === false ? "true" : null,
      ...(options.asCi ? ciEnvironment() : {}),
      ...options.env,
    };
    const secretKeys = SECRET_KEYS.filter((k) => k in config);
    const main = options.main ?? (await projectMain());
    await writeFile(requestFile, JSON.stringify({ stack: options.stack, main, config, secretKeys, env }));
    const childEnv = { ...process.env };
    delete childEnv.NODE_OPTIONS;
    // The exit code is not the verdict (Pulumi sets 1 after a failed program): the report is.
    const stderr = await new Promise<string>((resolve) =>
      execFile(
        process.execPath,
        [path.join(REPO_ROOT, "tests", "infra", "pulumi-run.cjs"), requestFile, reportFile],
        { cwd: REPO_ROOT, env: childEnv, maxBuffer: 16 * 1024 * 1024 },
        (_error, _stdout, err) => resolve(err),
      ),
    );
    const report = await readFile(reportFile, "utf8").catch(() => {
      throw new Error(`the program runner wrote no report:\n${stderr}`);
    });
    return JSON.parse(report) as ProgramReport;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The one resource of a type (and name, when given); throws when there is not exactly one. */
export function only(report: ProgramReport, type: string, name?: string): RecordedResource {
  const found = report.resources.filter((r) => r.type === type && (name === undefined || r.name === name));
  if (found.length !== 1) throw new Error(`expected one ${type} ${name ?? ""}, found ${found.length}`);
  return found[0] as RecordedResource;
}

/** True when a wire value is a Pulumi secret wrapper. */
export const isSecretWire = (value: unknown): boolean =>
  typeof value === "object" && value !== null && SECRET_SIG in value;

/** Unwraps a secret wrapper (deserialized form) or returns the value. */
export const plain = (value: unknown): unknown =>
  isSecretWire(value) ? (value as { value: unknown }).value : value;
