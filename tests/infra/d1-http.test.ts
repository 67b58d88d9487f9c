/**
 * The D1 HTTP executor (scripts/lib/d1-http.ts) against a real local D1 behind the query API's
 * shape: rows come back, a batch is all or nothing, and every failure carries the API's message.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { d1HttpExecutor, d1QueryUrl } from "../../scripts/lib/d1-http";
import { type LocalD1Api, startLocalD1Api } from "./d1-http-server";

const DATABASE = "00000000-0000-4000-8000-00000000d1d1";
let api: LocalD1Api;
const executor = (overrides: { apiToken?: string; databaseId?: string } = {}) =>
  d1HttpExecutor({
    accountId: api.accountId,
    databaseId: overrides.databaseId ?? DATABASE,
    apiToken: overrides.apiToken ?? api.apiToken,
    baseUrl: api.baseUrl,
  });

beforeAll(async () => {
  api = await startLocalD1Api([DATABASE]);
  await executor().transaction([{ sql: "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER NOT NULL)" }]);
});
afterAll(async () => {
  await api?.close();
});

it("posts to the documented query endpoint", () => {
  expect(d1QueryUrl({ accountId: "acc", databaseId: "db id", apiToken: "t" })).toBe(
    "https://api.cloudflare.com/client/v4/accounts/acc/d1/database/db%20id/query",
  );
});

it("binds parameters and returns rows as objects", async () => {
  const db = executor();
  await db.transaction([{ sql: "INSERT INTO kv (k, v) VALUES (?, ?)", params: ["a", 1] }]);
  expect(await db.all("SELECT k, v FROM kv WHERE k = ?", ["a"])).toEqual([{ k: "a", v: 1 }]);
  expect(api.requests.at(-1)).toEqual({ sql: "SELECT k, v FROM kv WHERE k = ?", params: ["a"] });
});

it("sends a transaction as one batch request that commits all or nothing", async () => {
  const db = executor();
  const before = api.requests.length;
  await expect(
    db.transaction([
      { sql: "INSERT INTO kv (k, v) VALUES (?, ?)", params: ["b", 2] },
      { sql: "INSERT INTO kv (k, v) VALUES (?, ?)", params: ["b", 3] },
    ]),
  ).rejects.toThrow(/D1 query failed: .*UNIQUE constraint failed: kv\.k.* \[code 7500\]$/);
  expect(api.requests.length - before).toBe(1);
  expect(api.requests.at(-1)).toMatchObject({ batch: [{ params: ["b", 2] }, { params: ["b", 3] }] });
  expect(await db.all("SELECT k FROM kv WHERE k = 'b'")).toEqual([]);
});

it("surfaces authentication and not-found errors with their codes and status", async () => {
  await expect(executor({ apiToken: "nope" }).all("SELECT 1")).rejects.toMatchObject({
    name: "D1HttpError",
    status: 401,
    message: "D1 query failed: Authentication error [code 10000]",
  });
  await expect(executor({ databaseId: "missing" }).all("SELECT 1")).rejects.toMatchObject({
    status: 404,
    message: expect.stringContaining("could not be found [code 7404]"),
  });
});

it("refuses parameters the API cannot carry instead of sending them", async () => {
  const before = api.requests.length;
  await expect(executor().all("SELECT ?", [{ not: "a scalar" }])).rejects.toThrow(
    /parameter 1 must be a string, a finite number or null/,
  );
  expect(api.requests.length).toBe(before);
});
