/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain): the 32-bit hash the HyperLogLog is fed
 * with. Two seeds give the 64 hash bits a HyperLogLog at precision 12/25 needs.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const mixKey = (k: number): number => Math.imul(rotl(Math.imul(k, C1), 15), C2);

/** The unsigned 32-bit MurmurHash3 of the first `length` bytes of `bytes` with `seed`. */
export function murmur3(bytes: Uint8Array, seed: number, length: number = bytes.length): number {
  const blocks = length & ~3;
  let h = seed | 0;
  for (let i = 0; i < blocks; i += 4) {
    const k =
      (bytes[i] ?? 0) |
      ((bytes[i + 1] ?? 0) << 8) |
      ((bytes[i + 2] ?? 0) << 16) |
      ((bytes[i + 3] ?? 0) << 24);
    h ^= mixKey(k);
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  let tail = 0;
  for (let i = length - 1; i >= blocks; i--) tail = (tail << 8) | (bytes[i] ?? 0);
  if (length > blocks) h ^= mixKey(tail);
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const encoder = new TextEncoder();
// Reused scratch space: hashing is synchronous, so one buffer per isolate is enough.
let scratch = new Uint8Array(256);

/** 64 hash bits of a string's UTF-8 bytes as two unsigned 32-bit halves (high, low). */
export function hash64(value: string): [number, number] {
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  if (value.length * 3 > scratch.length) scratch = new Uint8Array(value.length * 3);
  const { written } = encoder.encodeInto(value, scratch);
  return [murmur3(scratch, 0x9747b28c, written), murmur3(scratch, 0x5bd1e995, written)];
}
