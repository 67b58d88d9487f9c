/**
 * HyperLogLog of client hashes: distinct clients of closed hours, mergeable into any range.
 *
 * Dense: m = 2^12 = 4096 registers, standard error 1.04/√m = 1.625% (≤ 1.7%), estimated with
 * Ertl's improved estimator. Sparse while small (HLL++ idea): the registers of a 2^25-bucket
 * HyperLogLog kept as a map, estimated by linear counting, so a few hundred clients are counted
 * (practically) exactly; past SPARSE_MAX_ENTRIES it turns dense. Merge = register-wise max, so
 * merging is commutative, associative and idempotent: adding a client twice changes nothing.
 *
 * Hash bits (64 = hi:lo): the top 12 (dense) / 25 (sparse) bits pick the register; the register
 * holds the position of the first 1 bit in the rest (q = 52 / 39 bits, so values 1..53 / 1..40).
 */
import { ertlEstimate, linearCount } from "./hll-estimate";
import { hash64 } from "./murmur3";

export const PRECISION = 12;
export const SPARSE_PRECISION = 25;
export const REGISTERS = 1 << PRECISION;
const SPARSE_BUCKETS = 2 ** SPARSE_PRECISION;
/** Largest dense register value: q + 1 with q = 64 − 12 hash bits after the index. */
export const MAX_RANK = 64 - PRECISION + 1;
/** Sparse entries kept before the sketch turns dense (≤ ~1.5 KB serialised, see codec.ts). */
export const SPARSE_MAX_ENTRIES = 400;

/** Leading zeros of the `bits` low bits of `word`, plus one (the HyperLogLog rank). */
const rankIn = (word: number, bits: number): number => Math.clz32(word) - (32 - bits) + 1;

/** The dense (index, rank) a sparse (index, rank) stands for. */
export function denseOf(sparseIndex: number, sparseRank: number): [number, number] {
  const index = sparseIndex >>> (SPARSE_PRECISION - PRECISION);
  const between = sparseIndex & ((1 << (SPARSE_PRECISION - PRECISION)) - 1);
  const rank =
    between !== 0 ? rankIn(between, SPARSE_PRECISION - PRECISION) : SPARSE_PRECISION - PRECISION + sparseRank;
  return [index, rank];
}

export class HyperLogLog {
  #sparse: Map<number, number> | null = new Map();
  #dense: Uint8Array | null = null;

  /** A dense sketch over a copy of `registers` (4096 values 0..53). */
  static fromRegisters(registers: Uint8Array): HyperLogLog {
    if (registers.length !== REGISTERS) throw new RangeError(`expected ${REGISTERS} registers`);
    const hll = new HyperLogLog();
    hll.#sparse = null;
    hll.#dense = Uint8Array.from(registers, (r) => Math.min(r, MAX_RANK));
    return hll;
  }

  /** A sketch from sparse (index, rank) entries, e.g. as decoded from storage. */
  static fromSparse(entries: Iterable<readonly [number, number]>): HyperLogLog {
    const hll = new HyperLogLog();
    for (const [index, rank] of entries) hll.#setSparse(index, rank);
    return hll;
  }

  /** Folds in one sparse (index, rank) entry, as stored (merging without building a sketch first). */
  mergeSparseEntry(index: number, rank: number): this {
    this.#setSparse(index, rank);
    return this;
  }

  get isSparse(): boolean {
    return this.#sparse !== null;
  }

  /** Adds one value (a client hash). */
  add(value: string): this {
    const [hi, lo] = hash64(value);
    return this.addHash(hi, lo);
  }

  /** Adds a value by its 64 hash bits (hi, lo: unsigned 32-bit halves). */
  addHash(hi: number, lo: number): this {
    if (this.#sparse) {
      const rest = hi & 0x7f;
      this.#setSparse(hi >>> 7, rest !== 0 ? rankIn(rest, 7) : lo !== 0 ? 7 + Math.clz32(lo) + 1 : 40);
    } else {
      const rest = hi & 0xfffff;
      this.#setDense(
        hi >>> 20,
        rest !== 0 ? rankIn(rest, 20) : lo !== 0 ? 20 + Math.clz32(lo) + 1 : MAX_RANK,
      );
    }
    return this;
  }

  /** Folds `other` into this sketch (register-wise max). */
  merge(other: HyperLogLog): this {
    if (other.#sparse) {
      for (const [index, rank] of other.#sparse) {
        if (this.#sparse) this.#setSparse(index, rank);
        else this.#setDense(...denseOf(index, rank));
      }
      return this;
    }
    const registers = this.#toDense();
    const theirs = other.#dense ?? new Uint8Array(REGISTERS);
    for (let i = 0; i < REGISTERS; i++) registers[i] = Math.max(registers[i] ?? 0, theirs[i] ?? 0);
    return this;
  }

  /**
   * Folds in dense registers as stored (register-wise max), without building a sketch first: a
   * range read merges hundreds of dense daily sketches. Values are capped at MAX_RANK.
   */
  mergeRegisters(theirs: Uint8Array): this {
    if (theirs.length !== REGISTERS) throw new RangeError(`expected ${REGISTERS} registers`);
    const registers = this.#toDense();
    for (let i = 0; i < REGISTERS; i++) {
      const r = Math.min(theirs[i] ?? 0, MAX_RANK);
      if (r > (registers[i] ?? 0)) registers[i] = r;
    }
    return this;
  }

  /** The estimated number of distinct values added. */
  estimate(): number {
    if (this.#sparse) return linearCount(this.#sparse.size, SPARSE_BUCKETS);
    const counts = new Array<number>(MAX_RANK + 1).fill(0);
    for (const r of this.#dense ?? []) counts[r] = (counts[r] ?? 0) + 1;
    return ertlEstimate(counts, REGISTERS);
  }

  /** The estimate rounded to a whole number of clients. */
  count(): number {
    return Math.round(this.estimate());
  }

  /** Sparse (index, rank) entries sorted by index; empty for a dense sketch. */
  sparseEntries(): [number, number][] {
    return [...(this.#sparse ?? [])].sort((a, b) => a[0] - b[0]);
  }

  /** A copy of the dense registers (computed from the sparse entries when sparse). */
  registers(): Uint8Array {
    if (this.#dense) return this.#dense.slice();
    const registers = new Uint8Array(REGISTERS);
    for (const [index, rank] of this.#sparse ?? []) {
      const [i, r] = denseOf(index, rank);
      registers[i] = Math.max(registers[i] ?? 0, r);
    }
    return registers;
  }

  #setSparse(index: number, rank: number): void {
    const sparse = this.#sparse;
    if (!sparse) {
      this.#setDense(...denseOf(index, rank));
      return;
    }
    if ((sparse.get(index) ?? 0) < rank) sparse.set(index, rank);
    if (sparse.size > SPARSE_MAX_ENTRIES) this.#toDense();
  }

  #setDense(index: number, rank: number): void {
    const registers = this.#toDense();
    if ((registers[index] ?? 0) < rank) registers[index] = rank;
  }

  #toDense(): Uint8Array {
    if (!this.#dense) {
      this.#dense = this.registers();
      this.#sparse = null;
    }
    return this.#dense;
  }
}
