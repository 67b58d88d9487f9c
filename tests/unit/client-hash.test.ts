/**
 * The keyed client hash (invariant 6) and its memo: the HMAC key imported once per salt, recent
 * addresses' hashes remembered per salt in a bounded LRU that follows a changed salt.
 */
import { createHmac } from "node:crypto";
import { expect, it } from "vitest";
import {
  CLIENT_HASHES_KEPT,
  cachedClientHash,
  hashClientIp,
  MissingSaltError,
} from "../../worker/src/event/client-hash";

const hmac = (salt: string, ip: string) => createHmac("sha256", salt).update(ip).digest("hex").slice(0, 32);

it("is the first 128 bits of HMAC-SHA256(salt, ip), computed or remembered alike", async () => {
  const salt = "unit-salt-1";
  expect(cachedClientHash(salt, "192.0.2.1")).toBeUndefined();
  const first = await hashClientIp(salt, "192.0.2.1");
  expect(first).toBe(hmac(salt, "192.0.2.1"));
  expect(cachedClientHash(salt, "192.0.2.1")).toBe(first);
  expect(await hashClientIp(salt, "192.0.2.1")).toBe(first);
  expect(await hashClientIp(salt, "")).toBe(hmac(salt, ""));
});

it("follows a changed salt: a new salt never answers with the old salt's hashes", async () => {
  const ip = "198.51.100.7";
  const before = await hashClientIp("unit-salt-old", ip);
  expect(cachedClientHash("unit-salt-new", ip)).toBeUndefined();
  const after = await hashClientIp("unit-salt-new", ip);
  expect(after).toBe(hmac("unit-salt-new", ip));
  expect(after).not.toBe(before);
  // Both salts are remembered side by side while a rotation rolls out.
  expect(cachedClientHash("unit-salt-old", ip)).toBe(before);
  expect(await hashClientIp("unit-salt-old", ip)).toBe(hmac("unit-salt-old", ip));
});

it("remembers at most CLIENT_HASHES_KEPT addresses per salt", async () => {
  const salt = "unit-salt-flood";
  const ips = Array.from(
    { length: CLIENT_HASHES_KEPT + 1 },
    (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
  );
  for (const ip of ips) await hashClientIp(salt, ip);
  // The first address was the least recently used: forgotten, and hashed again the same way.
  expect(cachedClientHash(salt, ips[0] ?? "")).toBeUndefined();
  expect(cachedClientHash(salt, ips.at(-1) ?? "")).toBe(hmac(salt, ips.at(-1) ?? ""));
  expect(await hashClientIp(salt, ips[0] ?? "")).toBe(hmac(salt, ips[0] ?? ""));
});

it("refuses an empty salt, and never remembers anything for it", async () => {
  await expect(hashClientIp("", "192.0.2.1")).rejects.toBeInstanceOf(MissingSaltError);
  expect(cachedClientHash("", "192.0.2.1")).toBeUndefined();
});
