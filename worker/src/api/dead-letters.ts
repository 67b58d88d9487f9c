/**
 * Ops API for dead letters: `GET /?status=pending|replayed|all&limit&cursor` lists them (oldest
 * first, `nextCursor` for the next page); `POST /replay` (optional JSON body
 * `{"ids":[...],"limit":n}`) re-enqueues pending ones with their ids unchanged, and names the
 * given ids it did not find or found replayed already.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { type DeadLetterStatus, listDeadLetters } from "../db/dead-letters";
import { ApiError } from "../shared/api-error";
import { replayDeadLetters } from "./dead-letter-replay";

export const deadLetterRoutes = new Hono<AppEnv>();

/** Bounds of the endpoints' inputs (the OpenAPI document states them). */
export const DEAD_LETTER_LIMITS = {
  /** Listing: rows per page, and the default. */
  maxPage: 500,
  defaultPage: 50,
  /** Replay: rows per request, and ids per request — no more than one request replays. */
  maxReplay: 1_000,
  /** Queue message ids are 32 hex characters; this leaves room without letting one id be huge. */
  maxIdLength: 128,
} as const;
const { maxPage, defaultPage, maxReplay, maxIdLength } = DEAD_LETTER_LIMITS;

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
    limit: parseLimit(c.req.query("limit"), defaultPage, maxPage),
    ...(cursor ? { after: decodeCursor(cursor) } : {}),
  });
  return c.json({ deadLetters: page.deadLetters, nextCursor: page.next ? encodeCursor(page.next) : null });
});

/** `ids` of a replay body, checked: at most maxReplay message ids of 1..maxIdLength characters. */
function checkIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw badParameter("ids must be an array of message ids");
  if (ids.length > maxReplay) throw badParameter(`ids: at most ${maxReplay} per request, got ${ids.length}`);
  const bad = ids.findIndex((id) => typeof id !== "string" || id.length === 0 || id.length > maxIdLength);
  if (bad >= 0)
    throw badParameter(`ids[${bad}] must be a message id: a string of 1..${maxIdLength} characters`);
  return ids as string[];
}

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
  // A misspelt key ({"id": [...]}) must not read as {} — that replays every pending dead letter.
  const unknown = Object.keys(body).filter((key) => key !== "ids" && key !== "limit");
  if (unknown.length > 0)
    throw badParameter(`unknown field ${JSON.stringify(unknown[0])}: the body takes only "ids" and "limit"`);
  const { ids, limit } = body as Record<string, unknown>;
  if (limit !== undefined && typeof limit !== "number") throw badParameter("limit must be a number");
  return { ...(ids !== undefined ? { ids: checkIds(ids) } : {}), ...(limit !== undefined ? { limit } : {}) };
}

deadLetterRoutes.post("/replay", async function replay(c) {
  const body = await readReplayBody(c.req.raw);
  const limit = parseLimit(body.limit === undefined ? undefined : String(body.limit), maxReplay, maxReplay);
  const result = await replayDeadLetters(c.env, { limit, ...(body.ids ? { ids: body.ids } : {}) });
  return c.json({
    replayed: result.replayed.length,
    messageIds: result.replayed,
    skipped: result.skipped,
    notFound: result.notFound,
    alreadyReplayed: result.alreadyReplayed,
  });
});
