/** Event ids: format, determinism, and sensitivity to every input. */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventId, requestIdOf } from "../../worker/src/event/id";

const TS = 1_795_000_000_123;

describe("eventId", () => {
  it("is ts, a dash and 32 hex: the first 128 bits of SHA-256 over JSON([ts, client, path, requestId])", async () => {
    const id = await eventId(TS, "c0ffee", "/users/1?x=1", "ray-1");
    const expected = createHash("sha256")
      .update(JSON.stringify([TS, "c0ffee", "/users/1?x=1", "ray-1"]))
      .digest("hex")
      .slice(0, 32);
    expect(id).toBe(`${TS}-${expected}`);
    expect(id).toMatch(/^\d{13}-[0-9a-f]{32}$/);
  });

  it("is deterministic", async () => {
    expect(await eventId(TS, "c", "/p", "r")).toBe(await eventId(TS, "c", "/p", "r"));
  });

  it("changes with each input, and inputs cannot run into each other", async () => {
    const base = await eventId(TS, "c", "/p", "r");
    const variants = await Promise.all([
      eventId(TS + 1, "c", "/p", "r"),
      eventId(TS, "d", "/p", "r"),
      eventId(TS, "c", "/q", "r"),
      eventId(TS, "c", "/p", "s"),
      eventId(TS, "c/", "p", "r"),
      eventId(TS, "c", "/p", ""),
    ]);
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

describe("requestIdOf", () => {
  it("prefers CF-Ray, then X-Request-Id, then a random UUID", () => {
    expect(requestIdOf(new Headers({ "CF-Ray": "ray", "X-Request-Id": "xr" }))).toBe("ray");
    expect(requestIdOf(new Headers({ "X-Request-Id": "xr" }))).toBe("xr");
    const a = requestIdOf(new Headers());
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(new Headers())).not.toBe(a);
  });
});
