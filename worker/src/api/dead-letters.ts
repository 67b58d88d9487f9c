/**
 * Ops API for dead letters: `GET /?status=pending|replayed|all&limit&cursor` lists them (oldest
 * first, `nextCursor` for the next page); `POST /replay` (optional JSON body
 * `{"ids":[...],"limit":n}`) re-enqueues pending ones with their ids unchanged.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { type DeadLetterStatus, listDeadLetters } from "../db/dead-letters";
import { ApiError } from "../shared/api-error";
import { replayDeadLetters } from "./dead-letter-replay";

export const deadLetterRoutes = new Hono<AppEnv>();

const MAX_PAGE = 500;
const MAX_REPLAY = 1_000;

const badParameter = (message: string) => new ApiError(400, "invalid_parameter", message);

function parseLimit(raw: string | undefined, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) throw badParameter(`limit must be an integer 1..${max}`);
  return n;
}

const encodeCursor = (after: [number, string]) => btoa(JSON.stringify(after)).replaceAll("=", "");

function decodeCursor(raw: string): [number, string] {
  try {
    const value: unknown = JSON.parse(atob(raw));
    if (Array.isArray(value) && typeof value[0] === "number" && typeof value[1] === "string")
      return [value[0], value[1]];
  } catch {
    // reported below
  }
  throw badParameter("cursor is not one this endpoint returned");
}

deadLetterRoutes.get("/", async function list(c) {
  const status = c.req.query("status") ?? "all";
  if (status !== "pending" && status !== "replayed" && status !== "all")
    throw badParameter("status must be pending, replayed or all");
  const cursor = c.req.query("cursor");
  const page = await listDeadLetters(c.env.DB, {
    status: status satisfies DeadLetterStatus,
    limit: parseLimit(c.req.query("limit"), 50, MAX_PAGE),
    ...(cursor ? { after: decodeCursor(cursor) } : {}),
  });
  return c.json({ deadLetters: page.deadLetters, nextCursor: page.next ? encodeCursor(page.next) : null });
});

async function readReplayBody(req: Request): Promise<{ ids?: string[]; limit?: number }> {
  const text = await req.text();
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, "invalid_json", 'body must be JSON: {} or {"ids":[...],"limit":n}');
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badParameter("body must be a JSON object");
  const { ids, limit } = body as Record<string, unknown>;
  if (ids !== undefined && !(Array.isArray(ids) && ids.every((id) => typeof id === "string")))
    throw badParameter("ids must be an array of message ids");
  if (limit !== undefined && typeof limit !== "number") throw badParameter("limit must be a number");
  return { ...(ids ? { ids: ids as string[] } : {}), ...(limit !== undefined ? { limit } : {}) };
}

deadLetterRoutes.post("/replay", async function replay(c) {
  const body = await readReplayBody(c.req.raw);
  const limit = parseLimit(body.limit === undefined ? undefined : String(body.limit), MAX_REPLAY, MAX_REPLAY);
  const result = await replayDeadLetters(c.env, { limit, ...(body.ids ? { ids: body.ids } : {}) });
  return c.json({ replayed: result.replayed.length, messageIds: result.replayed, skipped: result.skipped });
});
