/**
 * Which fields of a @pulumi/cloudflare resource the bridged provider treats as computed, read from
 * the package's own type declarations (the generated .d.ts mirror the Terraform schema):
 * a state property typed `pulumi.Output<T>` is always set by the provider (required or
 * Optional+Computed: an unset input keeps the API's value), one typed `pulumi.Output<T | undefined>`
 * or a nested `name?:` is Optional without Computed: an unset input is planned as null, whatever the
 * API holds (the terraform-provider-cloudflare#6309 class of drift).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const PACKAGE = path.dirname(require.resolve("@pulumi/cloudflare/package.json"));

/** One field: whether the provider keeps the API's value when the input is unset, and its fields. */
export interface FieldSchema {
  computed: boolean;
  /** Fields of a nested object (or of each element of a list of objects). */
  fields?: Schema;
}
export type Schema = Record<string, FieldSchema>;

const outputTypes = readFileSync(path.join(PACKAGE, "types", "output.d.ts"), "utf8");

/** The body of `export interface <name> {…}` in types/output.d.ts. */
function interfaceBody(name: string): string {
  const start = outputTypes.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`no output type ${name}`);
  return outputTypes.slice(start, outputTypes.indexOf("\n}", start));
}

const nestedName = (type: string): string | undefined => /outputs\.(\w+)/.exec(type)?.[1];

/** Fields of a nested output type: `name?: T` is optional, `name: T` computed or required. */
function nestedSchema(name: string, seen: Set<string>): Schema {
  const schema: Schema = {};
  for (const m of interfaceBody(name).matchAll(/^ {4}(\w+)(\??): (.+);$/gm)) {
    const [, field = "", optional, type = ""] = m;
    const nested = nestedName(type);
    schema[field] = {
      computed: optional !== "?",
      fields: nested && !seen.has(nested) ? nestedSchema(nested, new Set([...seen, nested])) : undefined,
    };
  }
  return schema;
}

/** The schema of a resource type token, e.g. `cloudflare:index/d1Database:D1Database`. */
export function resourceSchema(token: string): Schema {
  const className = token.split(":").at(-1) ?? "";
  const module = token.split("/")[1]?.split(":")[0]?.toLowerCase() ?? "";
  const file = readdirSync(PACKAGE).find((f) => f.toLowerCase() === `${module}.d.ts`);
  if (!file) throw new Error(`no declarations for ${token}`);
  const source = readFileSync(path.join(PACKAGE, file), "utf8");
  const start = source.indexOf(`export declare class ${className} `);
  const body = source.slice(start, source.indexOf("\n}", start));
  const schema: Schema = {};
  for (const m of body.matchAll(/^ {4}readonly (\w+): pulumi\.Output<(.+)>;$/gm)) {
    const [, field = "", type = ""] = m;
    const nested = nestedName(type);
    schema[field] = {
      computed: !/\| undefined$/.test(type),
      fields: nested ? nestedSchema(nested, new Set([nested])) : undefined,
    };
  }
  return schema;
}
