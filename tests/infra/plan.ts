/**
 * A readable, deterministic plan of a program run: every resource (type, name, parent, protect,
 * provider, dependencies) and its inputs as sent to the engine, secrets shown as [secret]. It is
 * snapshotted per stack (tests/infra/__snapshots__/<stack>.plan.txt) so a PR diff shows what an
 * infra change does. The bundle hash is left out (it changes with every Worker edit and has its own
 * test); everything else is shown.
 */
import { isSecretWire, type ProgramReport, type RecordedResource } from "./program-run";

const OMITTED: Record<string, string> = {
  contentSha256: "<sha256 of the uploaded bundle: see bundle test>",
};
/** Shown as file names only: the SQL and its hashes are in migrations/ (an applied file never changes). */
const KEYS_ONLY = new Set(["sql", "migrations"]);

const shortName = (urn: string): string => urn.split("::").at(-1) ?? urn;

const scalar = (value: unknown): string => (isSecretWire(value) ? "[secret]" : JSON.stringify(value));

/** `a.b=1 c=[secret]` for an object flattened on one line. */
function inline(value: unknown, prefix = ""): string[] {
  if (isSecretWire(value) || typeof value !== "object" || value === null)
    return [`${prefix}=${scalar(value)}`];
  if (Array.isArray(value)) return value.flatMap((v, i) => inline(v, `${prefix}[${i}]`));
  return Object.keys(value)
    .sort()
    .flatMap((k) => inline((value as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
}

const labelOf = (item: unknown): string | undefined => {
  if (typeof item !== "object" || item === null || isSecretWire(item)) return undefined;
  const record = item as Record<string, unknown>;
  const label = record.name ?? record.id ?? record.cron;
  return typeof label === "string" ? label : undefined;
};

function lines(key: string, value: unknown): string[] {
  if (key in OMITTED) return [`${key}: ${OMITTED[key]}`];
  if (KEYS_ONLY.has(key) && typeof value === "object" && value !== null)
    return [`${key}: ${Object.keys(value).sort().join(", ")}`];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => labelOf(v) !== undefined))
    return value.map((v) => `${key}[${labelOf(v)}]: ${inline(v).join(" ")}`);
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v !== "object"))
    return [`${key}: ${value.map(scalar).join(", ")}`];
  if (typeof value === "object" && value !== null && !isSecretWire(value) && !Array.isArray(value))
    return Object.keys(value)
      .sort()
      .flatMap((k) => lines(`${key}.${k}`, (value as Record<string, unknown>)[k]));
  return [`${key}: ${scalar(value)}`];
}

function describe(resource: RecordedResource): string[] {
  const head = [`${resource.type} ${resource.name}`];
  const meta: string[] = [];
  if (resource.parent) meta.push(`parent ${shortName(resource.parent)}`);
  if (resource.provider)
    meta.push(`provider ${shortName(resource.provider.split("::").slice(0, -1).join("::"))}`);
  if (resource.protect) meta.push("protect");
  if (resource.retainOnDelete) meta.push("retainOnDelete");
  if (meta.length) head.push(`  (${meta.join(", ")})`);
  const deps = resource.dependencies.map(shortName).sort();
  if (deps.length) head.push(`  dependsOn: ${deps.join(", ")}`);
  const body = Object.keys(resource.wire)
    .sort()
    .flatMap((k) => lines(k, resource.wire[k]));
  return [...head, ...body.map((l) => `  ${l}`)];
}

/** The plan text of a run, resources ordered by URN (parent first, then children). */
export function renderPlan(report: ProgramReport, stack: string): string {
  const resources = [...report.resources].sort((a, b) => a.urn.localeCompare(b.urn));
  const blocks = resources.map((r) => describe(r).join("\n"));
  return `# pathmeter stack "${stack}": resources and key inputs under Pulumi mocks.\n# Regenerate with: npx vitest run --project infra -u\n\n${blocks.join("\n\n")}\n`;
}
