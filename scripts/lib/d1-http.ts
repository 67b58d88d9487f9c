/**
 * A `SqlExecutor` over Cloudflare's D1 HTTP query API, so the migration runner core
 * (scripts/lib/migrations.ts) can migrate a deployed database from the Pulumi program.
 *
 * Request shape (API reference, "Query D1 Database",
 * POST /client/v4/accounts/{account_id}/d1/database/{database_id}/query): the body is either one
 * query `{ sql, params? }` or several `{ batch: [{ sql, params? }, ...] }`; the answer is the v4
 * envelope `{ success, errors: [{ code, message }], messages, result: [{ results, success, meta }] }`
 * with one `result` entry per statement.
 *
 * Atomicity: D1 runs a batch as one SQL transaction ("Batched statements are SQL transactions. If a
 * statement in the sequence fails ... it aborts or rolls back the entire sequence", D1 Worker API
 * docs); the HTTP API's multi-statement forms are "executed as a batch" (API reference), and
 * `wrangler d1 migrations apply --remote` relies on exactly this: it sends a migration file and its
 * `d1_migrations` INSERT in one request. We use the `batch` form rather than one `sql` string so
 * that the ledger rows stay bound parameters (`?`) instead of text pasted into SQL.
 *
 * `params` is documented as an array of strings; the runner only binds strings (names, hashes).
 */
import type { SqlExecutor, Statement } from "./migrations";

export const CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4";

export interface D1HttpTarget {
  accountId: string;
  databaseId: string;
  /** API token with the "D1 Edit" permission. */
  apiToken: string;
  /** @default CLOUDFLARE_API_BASE_URL */
  baseUrl?: string;
}

interface D1QueryResult {
  results?: unknown[];
  success?: boolean;
}

interface D1Envelope {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: D1QueryResult[] | null;
}

/** A failed D1 HTTP call; `message` carries Cloudflare's error codes and messages. */
export interface D1HttpError extends Error {
  name: "D1HttpError";
  /** HTTP status of the answer. */
  status: number;
}

/**
 * A plain Error, not a subclass: this module runs inside the migrations provider that Pulumi's
 * closure serializer ships, and it turns a subclass's super(message) into Error.call(this, message),
 * which drops the message.
 */
const d1HttpError = (status: number, message: string): D1HttpError =>
  Object.assign(new Error(message), { name: "D1HttpError" as const, status });

type Param = string | number | null;

const toParams = (params: readonly unknown[] | undefined): Param[] =>
  (params ?? []).map((value, index) => {
    if (typeof value === "string" || value === null) return value;
    if (typeof value === "number" && Number.isFinite(value)) return value;
    throw new TypeError(`D1 HTTP parameter ${index + 1} must be a string, a finite number or null`);
  });

/** The query endpoint of one database. */
export function d1QueryUrl(target: D1HttpTarget): string {
  const base = (target.baseUrl ?? CLOUDFLARE_API_BASE_URL).replace(/\/+$/, "");
  return `${base}/accounts/${encodeURIComponent(target.accountId)}/d1/database/${encodeURIComponent(target.databaseId)}/query`;
}

const describeErrors = (envelope: D1Envelope): string =>
  (envelope.errors ?? [])
    .map((e) => `${e.message ?? "unknown error"}${e.code ? ` [code ${e.code}]` : ""}`)
    .join("; ");

async function post(target: D1HttpTarget, body: unknown): Promise<D1QueryResult[]> {
  const response = await fetch(d1QueryUrl(target), {
    method: "POST",
    headers: { authorization: `Bearer ${target.apiToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let envelope: D1Envelope;
  try {
    envelope = JSON.parse(text) as D1Envelope;
  } catch {
    throw d1HttpError(response.status, `D1 API answered ${response.status} with a non-JSON body`);
  }
  if (!response.ok || envelope.success !== true) {
    const detail = describeErrors(envelope) || `HTTP ${response.status}`;
    throw d1HttpError(response.status, `D1 query failed: ${detail}`);
  }
  const results = envelope.result ?? [];
  const failed = results.findIndex((r) => r.success === false);
  if (failed !== -1) throw d1HttpError(response.status, `D1 query failed at statement ${failed + 1}`);
  return results;
}

/** Runs the migration runner's statements against a deployed D1 database over HTTPS. */
export function d1HttpExecutor(target: D1HttpTarget): SqlExecutor {
  return {
    async all<Row>(sql: string, params?: unknown[]) {
      const [first] = await post(target, { sql, params: toParams(params) });
      return (first?.results ?? []) as Row[];
    },
    async transaction(statements: Statement[]) {
      if (statements.length === 0) return;
      await post(target, { batch: statements.map((s) => ({ sql: s.sql, params: toParams(s.params) })) });
    },
  };
}
