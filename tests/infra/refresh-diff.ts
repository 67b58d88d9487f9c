/**
 * The diff a bridged Terraform provider plans after `pulumi refresh` (or `pulumi up --refresh`):
 * the program's inputs against the refreshed state, field by field, with the provider's rule for
 * unset inputs (provider-schema.ts): a computed field keeps the API's value, an optional one is
 * planned as null. An empty result means no update is planned.
 */
import type { Schema } from "./provider-schema";

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every path where the inputs would change the refreshed state, with why. */
export function refreshDiff(inputs: unknown, state: unknown, schema: Schema | undefined, at = ""): string[] {
  if (Array.isArray(inputs) && Array.isArray(state)) {
    if (inputs.length !== state.length) return [`${at}: ${inputs.length} items, the API has ${state.length}`];
    return inputs.flatMap((item, i) => refreshDiff(item, state[i], schema, `${at}[${i}]`));
  }
  if (isObject(inputs) && isObject(state)) {
    const keys = [...new Set([...Object.keys(inputs), ...Object.keys(state)])].sort();
    return keys.flatMap((key) => {
      const path = at ? `${at}.${key}` : key;
      const input = inputs[key];
      const live = state[key];
      if (input === undefined || input === null) {
        if (live === undefined || live === null || schema?.[key]?.computed) return [];
        return [`${path}: not set, so planned as null; the API has ${JSON.stringify(live)}`];
      }
      if (live === undefined) return [`${path}: set to ${JSON.stringify(input)}, the API returns nothing`];
      return refreshDiff(input, live, schema?.[key]?.fields, path);
    });
  }
  return JSON.stringify(inputs) === JSON.stringify(state)
    ? []
    : [`${at}: ${JSON.stringify(inputs)} → the API has ${JSON.stringify(state)}`];
}

/** `base` with `overlay`'s values on top (objects merged, everything else replaced). */
export function overlay(base: unknown, top: unknown): unknown {
  if (!isObject(base) || !isObject(top)) return top === undefined ? base : top;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) merged[key] = overlay(base[key], value);
  return merged;
}
