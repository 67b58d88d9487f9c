/** Lower-case hex of digests: sha256 of archive parts and snapshots, client hashes, event ids. */

/** Lower-case hex of `bytes`, or of its first `length` bytes when given. */
export function toHex(bytes: ArrayBuffer | Uint8Array, length?: number): string {
  const all = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let out = "";
  for (const byte of length === undefined ? all : all.subarray(0, length))
    out += byte.toString(16).padStart(2, "0");
  return out;
}

/** Hex sha256 of a UTF-8 string. */
export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
