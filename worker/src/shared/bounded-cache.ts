/**
 * A bounded least-recently-used map: memoisation on the request path (path templates, client
 * hashes) without letting a flood of distinct keys — an attacker's random URLs or addresses —
 * grow an isolate's memory. A Map keeps insertion order, so re-inserting a key on a hit makes the
 * first key the least recently used one.
 */

/** Keys kept at most by a BoundedCache unless told otherwise. */
export const DEFAULT_CACHE_ENTRIES = 2_048;

/** A Map that remembers at most `maxEntries` keys, forgetting the least recently used first. */
export class BoundedCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly maxEntries: number = DEFAULT_CACHE_ENTRIES) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  /** The value of `key`, now the most recently used; undefined when not kept. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  /** Keeps `value` for `key`, forgetting the least recently used key when full. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets `key`. */
  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** How many keys are kept (never more than maxEntries). */
  get size(): number {
    return this.#entries.size;
  }
}
