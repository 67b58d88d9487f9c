/**
 * Unsigned LEB128 varints (arithmetic, so values up to 2^53 survive) and zigzag for signed
 * values: the byte encoding of the stored sketches.
 */

/** Appends `value` (a non-negative safe integer) to `out`. */
export function writeVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

export const zigzag = (value: number): number => (value >= 0 ? 2 * value : -2 * value - 1);
export const unzigzag = (value: number): number => (value % 2 === 0 ? value / 2 : -(value + 1) / 2);

/** Sequential reader over encoded bytes; throws on truncated input. */
export class VarintReader {
  #offset: number;

  constructor(
    private readonly bytes: Uint8Array,
    offset = 0,
  ) {
    this.#offset = offset;
  }

  get done(): boolean {
    return this.#offset >= this.bytes.length;
  }

  read(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = this.bytes[this.#offset++];
      if (byte === undefined) throw new RangeError("truncated varint");
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new RangeError("varint too long");
    }
  }
}
