/**
 * Bench-only Worker entry for the query benchmark: the production app with its D1 binding
 * wrapped so every statement's `meta.rows_read` is summed per request and returned in the
 * `x-bench-rows-read` header (D1 bills rows read; the app itself never sees this wrapper).
 */
import { app } from "../../../worker/src/app";
import type { Env } from "../../../worker/src/env";

interface Counter {
  rowsRead: number;
}

function countingStatement(statement: D1PreparedStatement, counter: Counter): D1PreparedStatement {
  const all = async <T>() => {
    const result = await statement.all<T>();
    counter.rowsRead += result.meta.rows_read ?? 0;
    return result;
  };
  return new Proxy(statement, {
    get(target, property) {
      if (property === "bind")
        return (...values: unknown[]) => countingStatement(target.bind(...values), counter);
      if (property === "all") return all;
      // first() returns no meta: read it through all() (same query, same rows read).
      if (property === "first") return async () => (await all<Record<string, unknown>>()).results[0] ?? null;
      if (property === "run")
        return async () => {
          const result = await target.run();
          counter.rowsRead += result.meta.rows_read ?? 0;
          return result;
        };
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function countingDatabase(db: D1Database, counter: Counter): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (sql: string) => countingStatement(target.prepare(sql), counter);
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

export default {
  async fetch(request, env, ctx) {
    const counter: Counter = { rowsRead: 0 };
    const response = await app.fetch(request, { ...env, DB: countingDatabase(env.DB, counter) }, ctx);
    const out = new Response(response.body, response);
    out.headers.set("x-bench-rows-read", String(counter.rowsRead));
    return out;
  },
} satisfies ExportedHandler<Env>;
