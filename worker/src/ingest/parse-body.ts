/**
 * The ingest body: a JSON array of events or NDJSON (one event object per line), read into a
 * list of raw items for per-event validation. Everything wrong with the body as a whole is a 4xx
 * here; what is wrong with one item is that item's rejection later.
 */
import { ApiError } from "../shared/api-error";
import { errorMessage, printable } from "../shared/errors";

/** Events per ingest request. */
export const MAX_INGEST_EVENTS = 1_000;

/** How the body is read: a JSON array, NDJSON, or detected from its first character. */
export type BodyFormat = "json" | "ndjson" | "detect";

const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson", "application/jsonl"];
const DETECT_TYPES = ["text/plain", ""];

/** The format a Content-Type asks for, or null when it is not one ingest reads (→ 415). */
export function formatOf(contentType: string | undefined): BodyFormat | null {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/json" || mediaType.endsWith("+json")) return "json";
  if (NDJSON_TYPES.includes(mediaType)) return "ndjson";
  if (DETECT_TYPES.includes(mediaType)) return "detect";
  return null;
}

const tooMany = (count: number) =>
  new ApiError(413, "too_many_events", `at most ${MAX_INGEST_EVENTS} events per request, got ${count}`);

function parseNdjson(text: string): unknown[] {
  const lines = text
    .split("\n")
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== "");
  if (lines.length > MAX_INGEST_EVENTS) throw tooMany(lines.length);
  return lines.map(({ line, number }) => {
    try {
      return JSON.parse(line) as unknown;
    } catch (error) {
      throw new ApiError(
        400,
        "invalid_json",
        `line ${number} is not valid JSON: ${printable(errorMessage(error))}`,
      );
    }
  });
}

/**
 * Raw event items of a body. A JSON body may also be a single event object; a JSON body that
 * does not parse as a whole but starts with `{` is read as NDJSON (detection).
 */
export function parseEventsBody(format: BodyFormat, text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === "")
    throw new ApiError(400, "invalid_json", "the body is empty; send a JSON array of events or NDJSON");
  if (format === "ndjson") return parseNdjson(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (trimmed.startsWith("{")) return parseNdjson(text);
    throw new ApiError(400, "invalid_json", `the body is not valid JSON: ${printable(errorMessage(error))}`);
  }
  if (Array.isArray(parsed)) {
    if (parsed.length > MAX_INGEST_EVENTS) throw tooMany(parsed.length);
    return parsed;
  }
  if (typeof parsed === "object" && parsed !== null) return [parsed];
  throw new ApiError(
    400,
    "bad_request",
    "the body must be a JSON array of event objects or NDJSON (one object per line)",
  );
}
