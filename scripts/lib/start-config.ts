/**
 * `npm start`'s settings, read once from the environment, and the banner it prints when ready.
 */
import { manifest, type VarName } from "../../worker/src/manifest";
import type { LocalStack } from "../local-stack";

/** A setting the user can fix: printed as one line, without a stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Worker vars `npm start` passes through from the environment (UPSTREAM_URL is handled apart). */
export const PASSED_THROUGH_VARS = [
  "RESERVED_PREFIX",
  "ROUTES",
  "MAX_PATHS_PER_DAY",
  "HOT_DAYS",
  "MAX_EVENT_AGE_DAYS",
  "SNAPSHOT_TOP_N",
  "HOURLY_SKETCH_DAYS",
] as const satisfies readonly VarName[];

export interface StartConfig {
  port: number;
  stateDir: string;
  /** Undefined: start the built-in demo upstream. */
  upstreamUrl: string | undefined;
  adminToken: string;
  vars: Partial<Record<VarName, string>>;
}

const DEFAULT_PORT = 8787;

function readPort(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new UsageError(`PORT must be 0..65535, got "${raw}"`);
  return port;
}

function readUpstream(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol))
    throw new UsageError(`UPSTREAM_URL must be an http(s) URL such as http://localhost:3000, got "${raw}"`);
  return raw;
}

export function readStartConfig(env: NodeJS.ProcessEnv): StartConfig {
  const vars: Partial<Record<VarName, string>> = {};
  for (const name of PASSED_THROUGH_VARS) {
    const value = env[name];
    if (value !== undefined && value !== "") vars[name] = value;
  }
  return {
    port: readPort(env.PORT),
    stateDir: env.PATHMETER_STATE_DIR || ".pathmeter/",
    upstreamUrl: readUpstream(env.UPSTREAM_URL),
    adminToken: env.ADMIN_TOKEN || "dev-token",
    vars,
  };
}

/** What `npm start` prints once the stack answers: URLs, the token and requests to try. */
export function readyBanner(stack: LocalStack, config: StartConfig): string {
  const prefix = (config.vars.RESERVED_PREFIX ?? manifest.vars.RESERVED_PREFIX).replace(/\/+$/, "");
  const api = `${stack.url}${prefix}`;
  const auth = `-H 'Authorization: Bearer ${stack.adminToken}'`;
  const event = `{"ts":'$(date +%s000)',"method":"GET","path":"/v1/items/7","status":200,"durationMs":12,"clientIp":"198.51.100.4"}`;
  return [
    "",
    "pathmeter is running",
    `  gateway      ${stack.url}   (every path outside ${prefix} is proxied and recorded)`,
    `  upstream     ${stack.upstreamUrl}${config.upstreamUrl ? "" : "   (built-in demo API)"}`,
    `  state        ${config.stateDir}`,
    `  admin token  ${stack.adminToken}${config.adminToken === "dev-token" ? "   (local default; set ADMIN_TOKEN to change it)" : ""}`,
    "",
    "Try:",
    `  curl -H 'CF-Connecting-IP: 203.0.113.7' ${stack.url}/users/42`,
    `  curl ${auth} -H 'Content-Type: application/json' -d '[${event}]' ${api}/ingest`,
    `  curl ${auth} ${api}/api/stats/summary`,
    `  curl ${auth} ${api}/api/ops/health`,
    "",
    "Events are stored in batches (within 5 s). Ctrl-C stops the stack; the data stays in the state directory.",
    "",
  ].join("\n");
}
