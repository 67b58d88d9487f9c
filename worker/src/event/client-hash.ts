/**
 * Clients are identified by a keyed hash of their IP (invariant 6): HMAC-SHA256 with the secret
 * CLIENT_IP_SALT, first 128 bits as hex. Without the salt the hash of a known IP could be
 * recomputed by anyone, so an empty salt is refused. The raw IP is never stored or logged.
 */
import { toHex } from "../shared/hex";

export class MissingSaltError extends Error {
  override name = "MissingSaltError";
  constructor() {
    super("CLIENT_IP_SALT is not set");
  }
}

const encoder = new TextEncoder();
/** Imported HMAC keys, one per salt: importKey once, not per request. */
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(salt: string): Promise<CryptoKey> {
  let key = keys.get(salt);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(salt), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    // A failed import must not stay cached for the isolate's lifetime.
    key.catch(() => keys.delete(salt));
    keys.set(salt, key);
  }
  return key;
}

/** 32 hex chars: HMAC-SHA256(salt, ip) cut to 128 bits. An absent IP is hashed as "". */
export async function hashClientIp(salt: string, ip: string): Promise<string> {
  if (!salt) throw new MissingSaltError();
  const mac = await crypto.subtle.sign("HMAC", await keyFor(salt), encoder.encode(ip));
  return toHex(mac, 16);
}

/** The client IP Cloudflare puts on every request (Miniflare keeps a client-supplied one). */
export const clientIpOf = (headers: Headers): string => headers.get("CF-Connecting-IP") ?? "";
