/**
 * Clients are identified by a keyed hash of their IP (invariant 6): HMAC-SHA256 with the secret
 * CLIENT_IP_SALT, first 128 bits as hex. Without the salt the hash of a known IP could be
 * recomputed by anyone, so an empty salt is refused. The raw IP is never stored or logged.
 *
 * Speed (issue 8): the HMAC key is imported once per salt and isolate, and the hashes of recently
 * seen addresses are remembered per salt in a bounded LRU, so a client's next request costs a
 * map lookup instead of a WebCrypto call. The memo lives only in the isolate's memory, like the
 * request it came from: it is never written anywhere, and a changed salt has a memo of its own.
 */
import { BoundedCache } from "../shared/bounded-cache";
import { toHex } from "../shared/hex";

export class MissingSaltError extends Error {
  override name = "MissingSaltError";
  constructor() {
    super("CLIENT_IP_SALT is not set");
  }
}

/** Salts remembered at once: one in practice, a few while a rotated salt rolls out. */
const SALTS_KEPT = 4;
/** Client addresses remembered per salt. */
export const CLIENT_HASHES_KEPT = 4_096;

const encoder = new TextEncoder();

interface SaltState {
  /** The imported HMAC key: importKey once per salt, not per request. */
  key: Promise<CryptoKey>;
  /** ip → hash of the addresses seen last. */
  hashes: BoundedCache<string, string>;
}

const salts = new BoundedCache<string, SaltState>(SALTS_KEPT);

function stateFor(salt: string): SaltState {
  let state = salts.get(salt);
  if (!state) {
    const key = crypto.subtle.importKey(
      "raw",
      encoder.encode(salt),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    // A failed import must not stay cached for the isolate's lifetime.
    key.catch(() => salts.delete(salt));
    state = { key, hashes: new BoundedCache(CLIENT_HASHES_KEPT) };
    salts.set(salt, state);
  }
  return state;
}

/** The hash of `ip` under `salt` when it was computed recently in this isolate, else undefined. */
export function cachedClientHash(salt: string, ip: string): string | undefined {
  return salt ? salts.get(salt)?.hashes.get(ip) : undefined;
}

/** 32 hex chars: HMAC-SHA256(salt, ip) cut to 128 bits. An absent IP is hashed as "". */
export async function hashClientIp(salt: string, ip: string): Promise<string> {
  if (!salt) throw new MissingSaltError();
  const state = stateFor(salt);
  const known = state.hashes.get(ip);
  if (known !== undefined) return known;
  const hash = toHex(await crypto.subtle.sign("HMAC", await state.key, encoder.encode(ip)), 16);
  state.hashes.set(ip, hash);
  return hash;
}

/** The client IP Cloudflare puts on every request (Miniflare keeps a client-supplied one). */
export const clientIpOf = (headers: Headers): string => headers.get("CF-Connecting-IP") ?? "";
