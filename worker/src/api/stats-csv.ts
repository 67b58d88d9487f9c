/**
 * CSV answers of the stats API (RFC 4180: CRLF lines, fields quoted when they hold a comma,
 * quote or line break): one header row of the JSON row's fields, nested objects flattened with
 * dots (`latencyMs.p95`), null as an empty field — so a CSV row and its JSON row agree field for
 * field. The header comes from the response schema, so an empty answer still has one.
 */
import { z } from "@hono/zod-openapi";

/** Flattened column names of an object schema, in declaration order. */
export function columnsOf(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape).flatMap(([key, value]) =>
    value instanceof z.ZodObject ? columnsOf(value).map((column) => `${key}.${column}`) : [key],
  );
}

function valueAt(row: unknown, column: string): unknown {
  let value = row;
  for (const key of column.split(".")) value = (value as Record<string, unknown> | null)?.[key];
  return value;
}

function field(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV of `rows` under the columns of `schema`. */
export function toCsv(schema: z.ZodObject, rows: readonly unknown[]): string {
  const columns = columnsOf(schema);
  const lines = [
    columns.join(","),
    ...rows.map((row) => columns.map((c) => field(valueAt(row, c))).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}
